//! The AWS clients and adapters of a container, each built once: before the first
//! request, or (Secrets Manager, SES) on first use.

mod lazy_client;
mod root_cas;

pub use lazy_client::LazyClient;

use std::sync::Arc;

use aws_config::{
    BehaviorVersion, Region, SdkConfig, environment::EnvironmentVariableCredentialsProvider,
};
use aws_sdk_dynamodb::config::{
    SharedCredentialsProvider, SharedHttpClient, StalledStreamProtectionConfig,
};
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

/// A Lambda container's SDK configuration, from the variables Lambda sets: the region
/// (`AWS_REGION`) and the function role's credentials (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), plus `AWS_ENDPOINT_URL` (the local
/// emulator) and `AWS_USE_FIPS_ENDPOINT` / `AWS_USE_DUALSTACK_ENDPOINT`. No profile
/// file, instance metadata or STS: a container never needs them, and leaving the
/// default chains out keeps their code (0.56 MiB of an arm64 binary) out of every
/// function.
pub fn sdk_config() -> SdkConfig {
    sdk_config_from(|name| std::env::var(name).ok())
}

fn sdk_config_from(var: impl Fn(&str) -> Option<String>) -> SdkConfig {
    let env = |name| var(name).filter(|v| !v.is_empty());
    let flag = |name| env(name).map(|v| v.eq_ignore_ascii_case("true"));
    let mut sdk = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(https_client())
        // Every answer here is a small JSON document, never a stream that could stall;
        // the protection would only add a timer to every request.
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .credentials_provider(SharedCredentialsProvider::new(
            EnvironmentVariableCredentialsProvider::new(),
        ));
    sdk.set_region(
        env("AWS_REGION")
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .map(Region::new),
    );
    sdk.set_endpoint_url(env("AWS_ENDPOINT_URL"));
    sdk.set_use_fips(flag("AWS_USE_FIPS_ENDPOINT"));
    sdk.set_use_dual_stack(flag("AWS_USE_DUALSTACK_ENDPOINT"));
    sdk.build()
}

/// The SDK configuration of a command an operator runs (provisioning): the SDK's
/// default chains, so a named profile, SSO or an assumed role work as with the AWS CLI.
pub async fn operator_sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .load()
        .await
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
    sdk: SdkConfig,
    pub store: DynamoStore,
    /// Shared by the signing keys and the pepper.
    secrets_manager: LazyClient<aws_sdk_secretsmanager::Client>,
}

impl Services {
    /// A Lambda container's services (see [`sdk_config`]): the DynamoDB adapter is
    /// built, no request made yet.
    pub fn load(config: Config) -> Self {
        Self::with_sdk(config, sdk_config())
    }

    /// The services of a command an operator runs (see [`operator_sdk_config`]).
    pub async fn load_for_operator(config: Config) -> Self {
        Self::with_sdk(config, operator_sdk_config().await)
    }

    fn with_sdk(config: Config, sdk: SdkConfig) -> Self {
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
    use std::collections::HashMap;

    use super::{root_cas::AWS_ROOT_CAS, sdk_config_from};

    #[test]
    fn the_trust_store_holds_the_five_amazon_trust_services_roots() {
        let certificates = pem::parse_many(AWS_ROOT_CAS).expect("valid PEM");
        assert_eq!(certificates.len(), 5);
        assert!(certificates.iter().all(|c| c.tag() == "CERTIFICATE"));
    }

    fn config_of(vars: &[(&str, &str)]) -> aws_config::SdkConfig {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        sdk_config_from(|name| vars.get(name).cloned())
    }

    #[test]
    fn a_container_takes_region_endpoint_and_endpoint_variants_from_its_environment() {
        let sdk = config_of(&[
            ("AWS_REGION", "eu-west-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
            ("AWS_USE_FIPS_ENDPOINT", "TRUE"),
            ("AWS_USE_DUALSTACK_ENDPOINT", "false"),
        ]);
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert_eq!(sdk.endpoint_url(), Some("http://127.0.0.1:4566"));
        assert_eq!(sdk.use_fips(), Some(true));
        assert_eq!(sdk.use_dual_stack(), Some(false));
        assert!(sdk.credentials_provider().is_some());
        assert!(sdk.behavior_version().is_some());
    }

    #[test]
    fn empty_variables_count_as_unset_and_the_default_region_is_the_fallback() {
        let sdk = config_of(&[
            ("AWS_REGION", ""),
            ("AWS_DEFAULT_REGION", "us-east-2"),
            ("AWS_ENDPOINT_URL", ""),
        ]);
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("us-east-2"));
        assert_eq!(sdk.endpoint_url(), None);
        assert_eq!(sdk.use_fips(), None);
        assert_eq!(config_of(&[]).region(), None);
    }
}
