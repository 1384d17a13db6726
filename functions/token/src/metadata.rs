//! Authorization server metadata (RFC 8414): what a client library or API gateway needs
//! to find the token endpoint, its client authentication and the signing keys, from
//! the issuer alone.

use axum::{
    Json,
    extract::State,
    response::{IntoResponse, Response},
};
use http::{HeaderValue, header};
use serde::Serialize;
use shared::auth::Scope;

use super::TokenState;

/// The metadata document, derived from the issuer (`TOKEN_ISSUER`): the routes below
/// it are this API's own.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ServerMetadata {
    /// The `iss` claim of every access token.
    pub issuer: String,
    /// Where `POST /oauth2-token` is served.
    pub token_endpoint: String,
    /// Where the public signing keys are served.
    pub jwks_uri: String,
    /// `client_credentials` only.
    pub grant_types_supported: Vec<&'static str>,
    /// HTTP Basic or the client's credentials in the form body.
    pub token_endpoint_auth_methods_supported: Vec<&'static str>,
    /// Every scope an application can hold (backend applications only: a frontend
    /// token's rights come from its user's roles).
    pub scopes_supported: Vec<&'static str>,
    /// Empty: there is no authorization endpoint (no user-facing grant).
    pub response_types_supported: Vec<&'static str>,
    /// Where this API is described.
    pub service_documentation: String,
}

impl ServerMetadata {
    pub fn for_issuer(issuer: &str) -> Self {
        Self {
            issuer: issuer.to_owned(),
            token_endpoint: format!("{issuer}/oauth2-token"),
            jwks_uri: format!("{issuer}/.well-known/jwks.json"),
            grant_types_supported: vec!["client_credentials"],
            token_endpoint_auth_methods_supported: vec![
                "client_secret_basic",
                "client_secret_post",
            ],
            scopes_supported: Scope::ALL.iter().map(|s| s.as_str()).collect(),
            response_types_supported: Vec::new(),
            service_documentation: format!("{issuer}/openapi.json"),
        }
    }
}

/// Authorization server metadata (RFC 8414).
#[utoipa::path(
    get,
    path = "/.well-known/oauth-authorization-server", operation_id = "getAuthorizationServerMetadata",
    tag = "oauth2",
    responses((status = 200, description = "The token service's metadata", body = ServerMetadata))
)]
pub async fn metadata(State(state): State<TokenState>) -> Response {
    let mut response = Json(ServerMetadata::for_issuer(&state.issuer)).into_response();
    // It changes only with the deployment's issuer.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}
