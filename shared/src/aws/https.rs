//! The container's one HTTPS connector, shared by every AWS client.

use std::{borrow::Cow, net::ToSocketAddrs, time::Duration};

use aws_smithy_http_client::{
    Connector,
    tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode},
};
use aws_smithy_runtime_api::client::{
    connector_metadata::ConnectorMetadata,
    dns::{DnsFuture, ResolveDns, ResolveDnsError},
    http::{HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector},
    runtime_components::RuntimeComponents,
};

/// A connection to a regional AWS endpoint opens in milliseconds: one that cannot be
/// opened in a second is given up and retried, well within an attempt's timeout
/// (`resilience::ATTEMPT_TIMEOUT`), which would otherwise end it first.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// An HTTP client whose every request, from every service client, goes through one
/// connector built once: one connection pool and one TLS configuration per container.
/// The SDK's stock client builds a connector (trust store parsed, TLS configuration
/// made) for each service client it validates and again on the first request, about
/// half a million instructions each time, paid during a cold start.
///
/// The connector's own settings bound each connection (see [`CONNECT_TIMEOUT`]); the
/// per-operation settings the SDK passes in are not consulted, and none is configured.
#[derive(Debug)]
struct OneConnector(SharedHttpConnector);

impl HttpClient for OneConnector {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.0.clone()
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        Some(ConnectorMetadata::new("hyper", Some(Cow::Borrowed("1.x"))))
    }
}

/// Looks names up on the calling thread. The stock resolver hands each lookup to a
/// thread of tokio's blocking pool, which a container has to start first: a thread,
/// its stack and a second malloc arena, about 0.5 ms of CPU in a cold start whose
/// whole initialisation is 3 ms. A function serves one request at a time and looks a
/// name up only when it opens a connection (at start-up, then rarely), so the lookup
/// holding up the container's one thread costs nothing else.
#[derive(Debug, Clone)]
struct LookupInPlace;

impl ResolveDns for LookupInPlace {
    fn resolve_dns<'a>(&'a self, name: &'a str) -> DnsFuture<'a> {
        DnsFuture::ready(
            (name, 0)
                .to_socket_addrs()
                .map(|addresses| addresses.map(|address| address.ip()).collect())
                .map_err(ResolveDnsError::new),
        )
    }
}

/// The HTTPS client of a container: rustls on aws-lc, trusting the AWS roots only (and
/// the certificates of `AWS_CA_BUNDLE`, when set): loading the system's whole store
/// instead cost more CPU than the rest of a container's initialisation.
pub(super) fn client(extra_roots: Option<String>) -> SharedHttpClient {
    let mut trust = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(super::root_cas::AWS_ROOT_CAS);
    if let Some(pem) = extra_roots {
        trust = trust.with_pem_certificate(pem);
    }
    let tls = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .expect("a trust store of PEM certificates is a valid TLS context");
    let connector = Connector::builder()
        .connector_settings(
            HttpConnectorSettings::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .build(),
        )
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(tls)
        .build_with_resolver(LookupInPlace);
    SharedHttpClient::new(OneConnector(SharedHttpConnector::new(connector)))
}

#[cfg(test)]
mod tests {
    use std::{
        future::Future,
        pin::pin,
        task::{Context, Poll, Waker},
    };

    use super::*;

    #[test]
    fn a_name_is_looked_up_before_its_future_is_polled() {
        let mut lookup = pin!(LookupInPlace.resolve_dns("localhost"));
        let Poll::Ready(addresses) = lookup
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        else {
            panic!("the lookup waited for another thread");
        };
        let addresses = addresses.expect("localhost resolves");
        assert!(!addresses.is_empty());
        assert!(addresses.iter().all(|address| address.is_loopback()));
    }
}
