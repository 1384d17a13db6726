//! The AWS SDK's configuration for a container or an operator's command, its HTTPS
//! client, and clients built on first use. The adapters are built from it once per
//! container (`crate::services`).

mod https;
mod lazy_client;
mod resilience;
mod root_cas;

pub use lazy_client::LazyClient;
pub use resilience::{
    ATTEMPT_TIMEOUT, ATTEMPT_TIMEOUT_VARIABLE, HasStatus, INITIAL_BACKOFF, MAX_ATTEMPTS,
    MAX_BACKOFF, OPERATION_TIMEOUT, OPERATION_TIMEOUT_VARIABLE, outage,
};

use aws_config::{
    BehaviorVersion, Region, SdkConfig, environment::EnvironmentVariableCredentialsProvider,
};
use aws_sdk_dynamodb::config::{SharedCredentialsProvider, StalledStreamProtectionConfig};

/// Why a container's AWS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SdkSetupError {
    #[error(
        "AWS_CA_BUNDLE names {path}, which cannot be read ({source}): name a readable PEM \
         file of certificate authorities, or unset it"
    )]
    CaBundleUnreadable {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "AWS_CA_BUNDLE names {path}, which must hold PEM certificates and nothing else \
         ({reason}): name a PEM file of certificate authorities, or unset it"
    )]
    CaBundleInvalid { path: String, reason: String },
    #[error("{name} is {value:?}: give a whole number of milliseconds above 0, or unset it")]
    InvalidTimeout { name: &'static str, value: String },
}

/// A Lambda container's SDK configuration, from the variables Lambda sets: the region
/// (`AWS_REGION`) and the function role's credentials (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), plus `AWS_ENDPOINT_URL` (the local
/// emulator), `AWS_USE_FIPS_ENDPOINT` / `AWS_USE_DUALSTACK_ENDPOINT`, and
/// `AWS_CA_BUNDLE` (an endpoint whose certificate comes from a private authority). No
/// profile file, instance metadata or STS: a container never needs them, and leaving
/// the default chains out keeps their code (0.56 MiB of an arm64 binary) out of every
/// function.
pub fn sdk_config() -> Result<SdkConfig, SdkSetupError> {
    sdk_config_from(|name| std::env::var(name).ok())
}

/// [`sdk_config`] with the variables `var` gives.
pub fn sdk_config_from(var: impl Fn(&str) -> Option<String>) -> Result<SdkConfig, SdkSetupError> {
    let env = |name| var(name).filter(|v| !v.is_empty());
    let flag = |name| env(name).map(|v| v.eq_ignore_ascii_case("true"));
    let extra_roots = ca_bundle(env("AWS_CA_BUNDLE"))?;
    let mut sdk = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(https::client(extra_roots))
        // Every answer here is a small JSON document, never a stream that could stall;
        // the protection would only add a timer to every request.
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .timeout_config(resilience::timeout_config(&var)?)
        .retry_config(resilience::retry_config())
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
    Ok(sdk.build())
}

/// `sdk` for one service: with the endpoint of the variable `AWS_ENDPOINT_URL_<SERVICE>`
/// when `var` gives one (the SDK's own convention: `DYNAMODB`, `SESV2`,
/// `SECRETS_MANAGER`), so that one service can be pointed elsewhere than the others.
pub fn for_service(
    sdk: &SdkConfig,
    var: impl Fn(&str) -> Option<String>,
    service: &str,
) -> SdkConfig {
    match var(&format!("AWS_ENDPOINT_URL_{service}")).filter(|v| !v.is_empty()) {
        Some(endpoint) => sdk.to_builder().endpoint_url(endpoint).build(),
        None => sdk.clone(),
    }
}

/// The SDK configuration of a command an operator runs (provisioning): the SDK's
/// default chains, so a named profile, SSO or an assumed role work as with the AWS CLI.
pub async fn operator_sdk_config() -> Result<SdkConfig, SdkSetupError> {
    let extra_roots = ca_bundle(std::env::var("AWS_CA_BUNDLE").ok())?;
    Ok(aws_config::defaults(BehaviorVersion::latest())
        .http_client(https::client(extra_roots))
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .timeout_config(resilience::timeout_config(|name| std::env::var(name).ok())?)
        .retry_config(resilience::retry_config())
        .load()
        .await)
}

/// The certificates of the PEM file at `path` (`AWS_CA_BUNDLE`), if one is named,
/// checked here: the TLS library would panic on a bad one when it first connects.
fn ca_bundle(path: Option<String>) -> Result<Option<String>, SdkSetupError> {
    let Some(path) = path.filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let text =
        std::fs::read_to_string(&path).map_err(|source| SdkSetupError::CaBundleUnreadable {
            path: path.clone(),
            source,
        })?;
    let invalid = |reason: String| SdkSetupError::CaBundleInvalid {
        path: path.clone(),
        reason,
    };
    let blocks = pem::parse_many(&text).map_err(|e| invalid(e.to_string()))?;
    if blocks.is_empty() {
        return Err(invalid("no PEM block found".to_owned()));
    }
    if let Some(other) = blocks.iter().find(|b| b.tag() != "CERTIFICATE") {
        return Err(invalid(format!("a {} block", other.tag())));
    }
    // An X.509 certificate is one DER sequence of three: the signed part, the
    // algorithm, the signature.
    let shaped = |der: &[u8]| {
        matches!(simple_asn1::from_der(der).as_deref(),
            Ok([simple_asn1::ASN1Block::Sequence(_, parts)]) if parts.len() == 3)
    };
    if let Some(position) = blocks.iter().position(|b| !shaped(b.contents())) {
        return Err(invalid(format!(
            "certificate {} is not an X.509 certificate",
            position + 1
        )));
    }
    Ok(Some(text))
}

#[cfg(test)]
mod tests {
    use std::{collections::HashMap, net::SocketAddr, sync::Arc};

    use aws_sdk_dynamodb::{
        config::{Credentials, retry::RetryConfig},
        types::AttributeValue,
    };
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::{SdkSetupError, root_cas::AWS_ROOT_CAS, sdk_config_from};

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
        sdk_config_from(|name| vars.get(name).cloned()).expect("a valid configuration")
    }

    /// A file of the test's own in the temporary directory, removed when dropped.
    struct TempFile(std::path::PathBuf);

    impl TempFile {
        fn with(name: &str, contents: &str) -> Self {
            let path = std::env::temp_dir().join(format!("{}-{name}", uuid::Uuid::now_v7()));
            std::fs::write(&path, contents).unwrap();
            Self(path)
        }

        fn path(&self) -> String {
            self.0.display().to_string()
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn with_bundle(path: &str) -> Result<aws_config::SdkConfig, SdkSetupError> {
        sdk_config_from(|name| (name == "AWS_CA_BUNDLE").then(|| path.to_owned()))
    }

    #[test]
    fn a_ca_bundle_of_certificates_is_trusted_beside_the_aws_roots() {
        let bundle = TempFile::with("bundle.pem", AWS_ROOT_CAS);
        assert!(with_bundle(&bundle.path()).is_ok());
        assert!(with_bundle("").is_ok(), "empty counts as unset");
    }

    #[test]
    fn a_ca_bundle_that_cannot_be_used_is_refused_at_start_up_naming_the_variable() {
        let missing = with_bundle("/nonexistent/bundle.pem").unwrap_err();
        assert!(matches!(missing, SdkSetupError::CaBundleUnreadable { .. }));
        assert!(missing.to_string().contains("AWS_CA_BUNDLE"));

        let key = TempFile::with(
            "key.pem",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        );
        let text = TempFile::with("text.pem", "not a certificate");
        let garbage = TempFile::with(
            "garbage.pem",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        );
        for file in [&key, &text, &garbage] {
            let error = with_bundle(&file.path()).unwrap_err();
            assert!(
                matches!(error, SdkSetupError::CaBundleInvalid { .. }),
                "{error}"
            );
        }
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

    /// A TLS endpoint on loopback with a certificate for localhost from an authority of
    /// its own, answering every request as DynamoDB answers a GetItem that finds
    /// nothing. Returns its address and the authority's certificate in PEM.
    async fn private_tls_endpoint() -> (SocketAddr, String) {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
        use rustls::pki_types::PrivateKeyDer;

        let mut authority = CertificateParams::new(Vec::<String>::new()).unwrap();
        authority.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let authority =
            CertifiedIssuer::self_signed(authority, KeyPair::generate().unwrap()).unwrap();
        let key = KeyPair::generate().unwrap();
        let certificate = CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .signed_by(&key, &authority)
            .unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![certificate.der().clone()],
                PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
            )
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    // The whole request: its head, then content-length bytes of body.
                    let mut request = Vec::new();
                    let mut buffer = [0; 4096];
                    loop {
                        let Ok(read @ 1..) = tls.read(&mut buffer).await else {
                            return;
                        };
                        request.extend_from_slice(&buffer[..read]);
                        let text = String::from_utf8_lossy(&request).to_lowercase();
                        let Some(head_end) = text.find("\r\n\r\n") else {
                            continue;
                        };
                        let length = text[..head_end]
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if request.len() >= head_end + 4 + length {
                            break;
                        }
                    }
                    let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\n\
                                  content-length: 2\r\n\r\n{}";
                    let _ = tls.write_all(answer.as_bytes()).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        (address, authority.pem())
    }

    /// One GetItem through a client configured from `vars`, without retries.
    async fn get_item(vars: &HashMap<&str, String>) -> bool {
        let sdk = sdk_config_from(|name| vars.get(name).cloned()).unwrap();
        let config = aws_sdk_dynamodb::config::Builder::from(&sdk)
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .retry_config(RetryConfig::disabled())
            .build();
        aws_sdk_dynamodb::Client::from_conf(config)
            .get_item()
            .table_name("table")
            .key("pk", AttributeValue::S("key".to_owned()))
            .send()
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn a_connection_that_cannot_be_opened_gives_up_after_the_connect_timeout() {
        use std::time::{Duration, Instant};
        // A listener whose accept queue is full: the kernel drops further SYNs, so a
        // connect hangs (for about two minutes of SYN retries) unless the client stops.
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(0).unwrap();
        let address = listener.local_addr().unwrap();
        let mut queued = Vec::new();
        while let Ok(Ok(stream)) = tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(address),
        )
        .await
        {
            queued.push(stream);
        }
        let vars = HashMap::from([
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_ENDPOINT_URL", format!("http://{address}")),
        ]);
        let started = Instant::now();
        let answered = tokio::time::timeout(Duration::from_secs(20), get_item(&vars)).await;
        assert_eq!(answered, Ok(false), "the call fails instead of hanging");
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "it waited for the connection first: {:?}",
            started.elapsed()
        );
        drop(queued);
    }

    #[tokio::test]
    async fn a_call_to_an_endpoint_that_never_answers_gives_up_after_the_operation_timeout() {
        use std::time::{Duration, Instant};

        use crate::{
            aws::{ATTEMPT_TIMEOUT, OPERATION_TIMEOUT, outage},
            ports::OutageCause,
        };
        // Accepts every connection and reads its request, but never answers: a paused
        // or overloaded service.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((mut tcp, _)) = listener.accept().await {
                let mut buffer = [0; 4096];
                let _ = tcp.read(&mut buffer).await;
                open.push(tcp);
            }
        });
        let sdk = sdk_config_from(|name| match name {
            "AWS_REGION" => Some("us-east-1".to_owned()),
            "AWS_ENDPOINT_URL" => Some(format!("http://{address}")),
            _ => None,
        })
        .unwrap();
        let config = aws_sdk_dynamodb::config::Builder::from(&sdk)
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .build();
        let started = Instant::now();
        let answer = tokio::time::timeout(
            OPERATION_TIMEOUT + Duration::from_secs(10),
            aws_sdk_dynamodb::Client::from_conf(config)
                .get_item()
                .table_name("table")
                .key("pk", AttributeValue::S("key".to_owned()))
                .send(),
        )
        .await
        .expect("the SDK gives up by itself");
        let elapsed = started.elapsed();
        let error = answer.expect_err("nothing answered");
        assert_eq!(
            outage(&error).map(|o| (o.dependency, o.operation, o.cause)),
            Some(("DynamoDB", "GetItem", OutageCause::TimedOut))
        );
        assert!(
            elapsed >= ATTEMPT_TIMEOUT,
            "a timed-out attempt is retried: {elapsed:?}"
        );
        server.abort();
    }

    #[tokio::test]
    async fn an_endpoint_certified_by_the_ca_bundle_is_trusted_and_refused_without_it() {
        let (address, authority) = private_tls_endpoint().await;
        let bundle = TempFile::with("authority.pem", &authority);
        let mut vars = HashMap::from([
            ("AWS_REGION", "us-east-1".to_owned()),
            (
                "AWS_ENDPOINT_URL",
                format!("https://localhost:{}", address.port()),
            ),
        ]);
        assert!(
            !get_item(&vars).await,
            "only the AWS roots: the private authority is not trusted"
        );
        vars.insert("AWS_CA_BUNDLE", bundle.path());
        assert!(get_item(&vars).await, "trusted through AWS_CA_BUNDLE");
    }
}
