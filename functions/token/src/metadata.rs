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
    /// Where people sign in (`GET /oauth2/authorize`).
    pub authorization_endpoint: String,
    /// Where `POST /oauth2-token` is served.
    pub token_endpoint: String,
    /// Where `POST /oauth2/revoke` is served (RFC 7009).
    pub revocation_endpoint: String,
    /// Where the public signing keys are served.
    pub jwks_uri: String,
    /// `client_credentials`, `authorization_code`, `refresh_token`.
    pub grant_types_supported: Vec<&'static str>,
    /// HTTP Basic or the client's credentials in the form body; `none` for public
    /// clients.
    pub token_endpoint_auth_methods_supported: Vec<&'static str>,
    /// As the token endpoint.
    pub revocation_endpoint_auth_methods_supported: Vec<&'static str>,
    /// `S256` only: PKCE is required for every client.
    pub code_challenge_methods_supported: Vec<&'static str>,
    /// `query`.
    pub response_modes_supported: Vec<&'static str>,
    /// Locales of the sign-in page.
    pub ui_locales_supported: Vec<&'static str>,
    /// Every scope an application can hold (backend applications only: a frontend
    /// token's rights come from its user's roles).
    pub scopes_supported: Vec<&'static str>,
    /// `code`.
    pub response_types_supported: Vec<&'static str>,
    /// Where this API is described.
    pub service_documentation: String,
}

const AUTH_METHODS: [&str; 3] = ["client_secret_basic", "client_secret_post", "none"];

impl ServerMetadata {
    pub fn for_issuer(issuer: &str) -> Self {
        Self {
            issuer: issuer.to_owned(),
            authorization_endpoint: format!("{issuer}/oauth2/authorize"),
            token_endpoint: format!("{issuer}/oauth2-token"),
            revocation_endpoint: format!("{issuer}/oauth2/revoke"),
            jwks_uri: format!("{issuer}/.well-known/jwks.json"),
            grant_types_supported: vec![
                "client_credentials",
                "authorization_code",
                "refresh_token",
            ],
            token_endpoint_auth_methods_supported: AUTH_METHODS.to_vec(),
            revocation_endpoint_auth_methods_supported: AUTH_METHODS.to_vec(),
            code_challenge_methods_supported: vec!["S256"],
            response_modes_supported: vec!["query"],
            ui_locales_supported: vec!["en-US", "de-DE", "fr-FR"],
            scopes_supported: Scope::ALL.iter().map(|s| s.as_str()).collect(),
            response_types_supported: vec!["code"],
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
