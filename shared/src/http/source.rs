//! Who sent a request, as far as the edge can tell: the source address API Gateway saw.

use axum::extract::FromRequestParts;
use http::{Extensions, request::Parts};

/// The caller's address as API Gateway saw it (`requestContext.http.sourceIp`); requests
/// without that context (local tools) share the one bucket `unknown`.
pub fn source_address(extensions: &Extensions) -> String {
    match extensions.get::<lambda_http::request::RequestContext>() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) => context
            .http
            .source_ip
            .clone()
            .unwrap_or_else(|| "unknown".into()),
        _ => "unknown".into(),
    }
}

/// [`source_address`] as an extractor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for SourceAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(SourceAddress(source_address(&parts.extensions)))
    }
}
