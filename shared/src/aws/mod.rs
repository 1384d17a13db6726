//! The AWS clients and adapters of a container, each built once: before the first
//! request, or (Secrets Manager, SES) on first use.

mod lazy_client;
mod root_cas;

pub use lazy_client::LazyClient;

use std::sync::Arc;

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_sdk_dynamodb::config::{SharedHttpClient, StalledStreamProtectionConfig};
use aws_smithy_http_client::{
    Builder,
    tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode},
};

use crate::{
    auth::{KeyPublisher, KeyRing, PublishedKeyReader, SigningRing, Verifier},
    config::Config,
    keys::{PepperCell, SecretsManagerKeys},
    mail::SesMailer,
    store::DynamoStore,
};

/// The SDK configuration (region, credentials, and `AWS_ENDPOINT_URL` for the local
/// emulator) with one HTTPS client shared by every AWS client of the container.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(https_client())
        // Every answer here is a small JSON document, never a stream that could stall;
        // the protection would only add a timer to every request.
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled());
    // Lambda passes the function role's credentials and the region in the environment,
    // the first place the default chains look; naming them skips building the rest of
    // those chains (an STS client and an instance-metadata client among them) in every
    // cold start.
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
        loader = loader.credentials_provider(EnvironmentVariableCredentialsProvider::new());
    }
    if let Some(region) = std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty()) {
        loader = loader.region(aws_config::Region::new(region));
    }
    loader.load().await
}

/// The HTTPS client trusts the AWS roots only: loading the system's whole store instead
/// cost more CPU than the rest of a container's initialisation.
fn https_client() -> SharedHttpClient {
    let trust = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(root_cas::AWS_ROOT_CAS);
    let tls = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .expect("a trust store of PEM certificates is a valid TLS context");
    Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(tls)
        .build_https()
}

/// Every adapter a function may need; each function takes what it uses. The DynamoDB
/// client is built here; the Secrets Manager and SES clients on their first call, once
/// per container.
pub struct Services {
    pub config: Config,
    sdk: aws_config::SdkConfig,
    pub store: DynamoStore,
    /// Shared by the signing keys and the pepper.
    secrets_manager: LazyClient<aws_sdk_secretsmanager::Client>,
}

impl Services {
    /// Loads the SDK configuration and builds the DynamoDB adapter; no request yet.
    pub async fn load(config: Config) -> Self {
        let sdk = sdk_config().await;
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &config.table_name);
        let secrets_manager = LazyClient::new(&sdk, aws_sdk_secretsmanager::Client::new);
        Self {
            config,
            sdk,
            store,
            secrets_manager,
        }
    }

    /// The token function's keys: every version of the signing-key secret, read and
    /// published in the table before they sign. The table is read at the same time,
    /// which opens the DynamoDB connection during init.
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
            LazyClient::new(&self.sdk, aws_sdk_sesv2::Client::new),
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

#[cfg(test)]
mod tests {
    use super::root_cas::AWS_ROOT_CAS;

    #[test]
    fn the_trust_store_holds_the_five_amazon_trust_services_roots() {
        let certificates = pem::parse_many(AWS_ROOT_CAS).expect("valid PEM");
        assert_eq!(certificates.len(), 5);
        assert!(certificates.iter().all(|c| c.tag() == "CERTIFICATE"));
    }
}
