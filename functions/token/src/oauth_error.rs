//! RFC 6749 (5.2) error answers of the token and revocation endpoints.

use axum::{
    Json,
    response::{IntoResponse, Response},
};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use shared::{
    auth::KEYS_NOT_CONFIGURED,
    http::{MAX_BODY_BYTES, no_store},
};

/// An RFC 6749 error answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type`, `unsupported_token_type`, `invalid_scope`, or
    /// `temporarily_unavailable`.
    pub error: &'static str,
    pub error_description: String,
}

pub(crate) enum OAuthError {
    InvalidRequest(String),
    /// A body over the API's limit (413, as everywhere in the API).
    TooLarge,
    InvalidClient,
    /// No client authentication, or an Authorization header that is not HTTP Basic:
    /// 401 `invalid_client` too (RFC 6749, 5.2), saying what is missing.
    NoClientAuthentication(String),
    /// Too many failed authentications of this client or from this address.
    Locked {
        retry_after: u64,
    },
    UnsupportedGrantType,
    /// A code or refresh token that is unknown, expired, used, revoked, or bound to
    /// another client, redirect URI or verifier: one answer for all; the reason is logged.
    InvalidGrant(&'static str),
    /// A grant this client may not use (client_credentials for a public client).
    UnauthorizedClient(String),
    InvalidScope(String),
    Unavailable,
    /// Storage did not answer, or refused for now: 503 with `Retry-After`.
    Outage(shared::ports::Outage),
    ServerError(String),
}

/// A storage outcome the grant did not expect: an outage is a 503 to retry, anything
/// else a server error (logged, never shown).
impl From<shared::ports::StoreError> for OAuthError {
    fn from(error: shared::ports::StoreError) -> Self {
        match error {
            shared::ports::StoreError::Unavailable(outage) => OAuthError::Outage(outage),
            other => OAuthError::ServerError(other.to_string()),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let retry_after = match &self {
            OAuthError::Locked { retry_after } => Some(*retry_after),
            OAuthError::Unavailable | OAuthError::Outage(_) => {
                Some(u64::from(shared::error::RETRY_AFTER_SECONDS))
            }
            _ => None,
        };
        let (status, error, description) = match self {
            OAuthError::InvalidRequest(d) => (StatusCode::BAD_REQUEST, "invalid_request", d),
            OAuthError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request",
                format!("the request body is over {MAX_BODY_BYTES} bytes: a token request is a short form"),
            ),
            OAuthError::InvalidClient => (
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication failed: check the client id and secret, and that the application is active".to_owned(),
            ),
            OAuthError::NoClientAuthentication(d) => (StatusCode::UNAUTHORIZED, "invalid_client", d),
            OAuthError::Locked { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "temporarily_unavailable",
                "too many failed client authentications: wait for the Retry-After seconds".to_owned(),
            ),
            OAuthError::UnsupportedGrantType => (
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type must be client_credentials, authorization_code or refresh_token".to_owned(),
            ),
            OAuthError::InvalidGrant(reason) => {
                tracing::info!(reason, "refused a grant");
                (
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the code or refresh token is invalid, expired, revoked or was issued to another client: sign in again".to_owned(),
                )
            }
            OAuthError::UnauthorizedClient(d) => (StatusCode::BAD_REQUEST, "unauthorized_client", d),
            OAuthError::InvalidScope(scope) => (
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                format!("the scope '{scope}' is unknown or not granted to this application"),
            ),
            OAuthError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                KEYS_NOT_CONFIGURED.to_owned(),
            ),
            OAuthError::Outage(outage) => {
                tracing::warn!(
                    dependency = outage.dependency,
                    operation = outage.operation,
                    error = %outage,
                    "a dependency failed: answered 503"
                );
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "the token service cannot reach its storage now: retry after the Retry-After seconds".to_owned(),
                )
            }
            OAuthError::ServerError(detail) => {
                tracing::error!(error = %detail, "token request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "the token could not be issued: try again later".to_owned(),
                )
            }
        };
        let mut response = (
            status,
            Json(OAuthErrorBody {
                error,
                error_description: describable(&description),
            }),
        )
            .into_response();
        let headers = response.headers_mut();
        no_store(headers);
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Basic realm="oauth2-token""#),
            );
        }
        response
    }
}

/// `text` in the characters RFC 6749 (5.2) allows an error description, since it can
/// quote what the caller sent: any other character becomes `?`.
pub(crate) fn describable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\x20'..='\x21' | '\x23'..='\x5b' | '\x5d'..='\x7e' => c,
            _ => '?',
        })
        .collect()
}
