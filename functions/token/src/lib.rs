//! The public token service: `POST /oauth2-token` (client_credentials for
//! applications; authorization_code and refresh_token for people signed in by the
//! sign-in function), `POST /oauth2/revoke`, the public keys that verify its tokens,
//! and the metadata that points at them.

mod grant;
mod metadata;
mod oauth_error;
mod person;
mod request;
mod revoke;

use std::sync::Arc;

use axum::{
    Router,
    response::{IntoResponse, Response},
};
use http::{HeaderValue, StatusCode, header};
use shared::{
    auth::SigningRing,
    key_source::PepperCell,
    openapi::PublicOperations,
    ports::{ApplicationStore, SessionStore},
    services::Services,
    session::SessionLifetimes,
};

pub use grant::TokenResponse;
pub use metadata::ServerMetadata;
pub use oauth_error::OAuthErrorBody;

/// What the token function holds for the life of a container.
#[derive(Clone)]
pub struct TokenState {
    pub keys: Arc<SigningRing>,
    pub pepper: Arc<PepperCell>,
    pub applications: Arc<dyn ApplicationStore>,
    pub sessions: Arc<dyn SessionStore>,
    pub lifetimes: SessionLifetimes,
    pub issuer: String,
}

impl TokenState {
    /// The state over the container's services and its signing keys: `main` and the
    /// tests build it alike.
    pub fn new(services: &Services, keys: Arc<SigningRing>, pepper: Arc<PepperCell>) -> Self {
        Self {
            keys,
            pepper,
            applications: Arc::new(services.store.clone()),
            sessions: Arc::new(services.store.clone()),
            lifetimes: services.config.sessions,
            issuer: services.config.token_issuer.clone(),
        }
    }
}

/// The API description, generated from the code of every function and committed as
/// `openapi.json`; served here because this function's routes are public.
const OPENAPI_JSON: &str = include_str!("../../../openapi.json");

/// Every route of this function, named once by its handler, whose `#[utoipa::path]`
/// gives its method and path: the router and the OpenAPI document are both built from
/// this table, and `make routes` writes the deployment's routes from the document.
fn routes(table: &mut impl route_table::Table<TokenState>) {
    route_table::routes!(table:
        grant::token, revoke::revoke, grant::jwks, metadata::metadata, openapi,
    );
}

pub fn router(state: TokenState) -> Router {
    route_table::router(routes).with_state(state)
}

/// This API's OpenAPI document.
#[utoipa::path(
    get,
    path = "/openapi.json", operation_id = "getOpenApiDocument",
    tag = "meta",
    responses((status = 200, description = "This document", content_type = "application/json"))
)]
async fn openapi() -> Response {
    let mut response = (StatusCode::OK, OPENAPI_JSON).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The parts of the OpenAPI document besides the paths.
#[derive(utoipa::OpenApi)]
#[openapi(
    components(schemas(TokenResponse, OAuthErrorBody, ServerMetadata)),
    tags(
        (name = "oauth2", description = "Tokens for applications (OAuth 2.0 client credentials) and for people signed in through a client (authorization code with PKCE, refresh tokens)"),
        (name = "meta", description = "About this API")
    )
)]
struct ApiParts;

/// This function's OpenAPI document: the paths of [`routes`] with the schemas, security
/// schemes and tags of [`ApiParts`]; operations without security are public.
pub struct TokenApi;

impl utoipa::OpenApi for TokenApi {
    fn openapi() -> utoipa::openapi::OpenApi {
        let mut document = route_table::openapi(<ApiParts as utoipa::OpenApi>::openapi(), routes);
        // After the paths are in: the public ones say so.
        utoipa::Modify::modify(&PublicOperations, &mut document);
        document
    }
}
