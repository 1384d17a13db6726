//! The composition root of a container: every adapter a function may need, built once
//! from the configuration, and the token checks and key rings made of them. Each
//! function's state takes what it uses.

use std::sync::Arc;

use aws_config::SdkConfig;

use crate::{
    auth::{KeyPublisher, KeyRing, PublishedKeyReader, SigningRing},
    aws::{LazyClient, SdkSetupError, for_service, operator_sdk_config, sdk_config_from},
    config::Config,
    http::Verifier,
    key_source::{PepperCell, SecretsManagerKeys},
    mail::SesMailer,
    store::DynamoStore,
};

/// Every adapter a function may need; each function takes what it uses. The DynamoDB
/// client is built here; the Secrets Manager and SES clients on their first call, once
/// per container.
pub struct Services {
    pub config: Config,
    /// The SES client's configuration.
    ses: SdkConfig,
    pub store: DynamoStore,
    /// Shared by the signing keys and the pepper.
    secrets_manager: LazyClient<aws_sdk_secretsmanager::Client>,
}

impl Services {
    /// A Lambda container's services (see [`crate::aws::sdk_config`]): the DynamoDB adapter is
    /// built, no request made yet.
    pub fn load(config: Config) -> Result<Self, SdkSetupError> {
        Self::load_from(config, |name| std::env::var(name).ok())
    }

    /// [`Self::load`] with the variables `var` gives in place of the environment's:
    /// `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SESV2` and
    /// `AWS_ENDPOINT_URL_SECRETS_MANAGER` point one service elsewhere.
    pub fn load_from(
        config: Config,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SdkSetupError> {
        let sdk = sdk_config_from(&var)?;
        Ok(Self::with_sdk(
            config,
            [
                for_service(&sdk, &var, "DYNAMODB"),
                for_service(&sdk, &var, "SESV2"),
                for_service(&sdk, &var, "SECRETS_MANAGER"),
            ],
        ))
    }

    /// The services of a command an operator runs (see [`crate::aws::operator_sdk_config`]).
    pub async fn load_for_operator(config: Config) -> Result<Self, SdkSetupError> {
        // The SDK's default chains read `AWS_ENDPOINT_URL_<SERVICE>` themselves.
        let sdk = operator_sdk_config().await?;
        Ok(Self::with_sdk(config, [sdk.clone(), sdk.clone(), sdk]))
    }

    /// From the configurations of DynamoDB, SES and Secrets Manager.
    fn with_sdk(config: Config, [dynamodb, ses, secrets_manager]: [SdkConfig; 3]) -> Self {
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&dynamodb), &config.table_name);
        let secrets_manager =
            LazyClient::new(&secrets_manager, aws_sdk_secretsmanager::Client::new);
        Self {
            config,
            ses,
            store,
            secrets_manager,
        }
    }

    /// The token function's keys: the signing-key secret's versions, with each key not
    /// yet published read and published in the table before it signs. The table is read
    /// at the same time as the versions are listed, which opens the DynamoDB connection
    /// during init.
    pub async fn signing_keys(&self) -> Arc<SigningRing> {
        let publisher = KeyPublisher::new(Arc::new(self.secrets()), Arc::new(self.store.clone()));
        Arc::new(KeyRing::load(publisher, self.config.key_refresh).await)
    }

    /// The bearer-token check of every other function, with the public keys read from
    /// the table (one Query, which also opens the DynamoDB connection during init).
    pub async fn verifier(&self) -> Arc<Verifier> {
        let reader = PublishedKeyReader::new(Arc::new(self.store.clone()));
        let keys = KeyRing::load(reader, self.config.key_refresh).await;
        Arc::new(Verifier::new(
            Arc::new(keys),
            Arc::new(self.store.clone()),
            self.config.token_issuer.clone(),
        ))
    }

    /// The signing-key secret: only the token function and provisioning read it.
    pub fn secrets(&self) -> SecretsManagerKeys {
        SecretsManagerKeys::new(
            self.secrets_manager.get().clone(),
            &self.config.signing_key_secret_id,
        )
    }

    /// The client-secret pepper, read (and the Secrets Manager client built) on first
    /// use: keep one per container.
    pub fn pepper(&self) -> Arc<PepperCell> {
        Arc::new(PepperCell::new(
            self.secrets_manager.clone(),
            &self.config.pepper_secret_id,
        ))
    }

    /// The SES adapter; its client is built when the first message is sent.
    pub fn mailer(&self) -> SesMailer {
        SesMailer::new(
            LazyClient::new(&self.ses, aws_sdk_sesv2::Client::new),
            &self.config.mail_from,
        )
    }

    pub fn notifier(&self) -> crate::notifier::Notifier {
        crate::notifier::Notifier::new(
            Arc::new(self.mailer()),
            Arc::new(self.store.clone()),
            Arc::new(self.store.clone()),
        )
    }
}
