//! The AWS clients and adapters of a container, built once before the first request.

use std::sync::Arc;

use crate::{
    auth::{KeyRing, Verifier},
    config::Config,
    keys::{PepperCell, SecretsManagerKeys},
    mail::SesMailer,
    store::DynamoStore,
};

/// Every adapter a function may need; each function takes what it uses.
pub struct Services {
    pub config: Config,
    pub store: DynamoStore,
    pub keys: Arc<KeyRing>,
    pub secrets: SecretsManagerKeys,
    pub pepper: Arc<PepperCell>,
    pub mailer: SesMailer,
}

impl Services {
    /// Loads the SDK configuration (region, credentials, and `AWS_ENDPOINT_URL` for the
    /// local emulator) and the signing keys.
    pub async fn load(config: Config) -> Self {
        let sdk = aws_config::load_from_env().await;
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &config.table_name);
        let secrets = SecretsManagerKeys::new(
            aws_sdk_secretsmanager::Client::new(&sdk),
            &config.signing_key_secret_id,
        );
        let keys = Arc::new(KeyRing::load(Arc::new(secrets.clone()), config.key_refresh).await);
        let pepper = Arc::new(PepperCell::new(
            aws_sdk_secretsmanager::Client::new(&sdk),
            &config.pepper_secret_id,
        ));
        let mailer = SesMailer::new(aws_sdk_sesv2::Client::new(&sdk), &config.mail_from);
        Self {
            config,
            store,
            keys,
            secrets,
            pepper,
            mailer,
        }
    }

    pub fn notifier(&self) -> crate::notifier::Notifier {
        crate::notifier::Notifier::new(
            Arc::new(self.mailer.clone()),
            Arc::new(self.store.clone()),
            Arc::new(self.store.clone()),
        )
    }

    pub fn verifier(&self) -> Arc<Verifier> {
        Arc::new(Verifier::new(
            self.keys.clone(),
            Arc::new(self.store.clone()),
            self.config.token_issuer.clone(),
        ))
    }
}
