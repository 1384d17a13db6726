//! Sign-in for people: the authorization endpoint (`/oauth2/authorize`) with its
//! server-rendered, localized sign-in page, and back-office users' own passwords.
//! Codes it issues are exchanged at the token function's `POST /oauth2-token`.

mod authorize;
mod locale;
mod page;
mod password;
mod request;

use std::sync::Arc;

use axum::{Router, extract::FromRef};
use shared::{
    http::Verifier,
    key_source::PepperCell,
    openapi::BearerSecurity,
    ports::{ApplicationStore, AuditLog, CustomerUserLookup, SessionStore, UserCredentialStore},
    services::Services,
};

/// What the sign-in function holds for the life of a container.
#[derive(Clone)]
pub struct SignInState {
    pub applications: Arc<dyn ApplicationStore>,
    pub customer_users: Arc<dyn CustomerUserLookup>,
    pub users: Arc<dyn UserCredentialStore>,
    pub sessions: Arc<dyn SessionStore>,
    /// Keys the hashes of codes and CSRF tokens.
    pub pepper: Arc<PepperCell>,
    pub verifier: Arc<Verifier>,
    pub audit: Arc<dyn AuditLog>,
    /// Sent back with each code (`iss`, RFC 9207).
    pub issuer: String,
}

impl SignInState {
    /// The state over the container's services: `main` and the tests build it alike.
    pub fn new(services: &Services, verifier: Arc<Verifier>, pepper: Arc<PepperCell>) -> Self {
        let store = Arc::new(services.store.clone());
        Self {
            applications: store.clone(),
            customer_users: store.clone(),
            users: store.clone(),
            sessions: store.clone(),
            pepper,
            verifier,
            audit: store,
            issuer: services.config.token_issuer.clone(),
        }
    }
}

impl FromRef<SignInState> for Arc<Verifier> {
    fn from_ref(state: &SignInState) -> Self {
        state.verifier.clone()
    }
}

/// Every route of this function, named once by its handler, whose `#[utoipa::path]`
/// gives its method and path: the router and the OpenAPI document are both built from
/// this table, and `make routes` writes the deployment's routes from the document.
fn routes(table: &mut impl route_table::Table<SignInState>) {
    route_table::routes!(table:
        authorize::page, authorize::submit,
        password::set_own,
    );
}

pub fn router(state: SignInState) -> Router {
    let router = route_table::router(routes).fallback(shared::http::route_not_found);
    shared::http::audit::recorded(router.with_state(state.clone()), state.audit)
}

/// The parts of the OpenAPI document besides the paths.
#[derive(utoipa::OpenApi)]
#[openapi(
    components(schemas(shared::error::Problem, shared::error::FieldError, password::SetPassword)),
    modifiers(&BearerSecurity),
    tags(
        (name = "sign-in", description = "People sign in (authorization code with PKCE) and back-office users set their password")
    )
)]
struct ApiParts;

/// This function's OpenAPI document: the paths of [`routes`] with the schemas, security
/// schemes and tags of [`ApiParts`].
pub struct SignInApi;

impl utoipa::OpenApi for SignInApi {
    fn openapi() -> utoipa::openapi::OpenApi {
        let mut document = route_table::openapi(<ApiParts as utoipa::OpenApi>::openapi(), routes);
        // After the paths are in: the public ones say so.
        utoipa::Modify::modify(&shared::openapi::PublicOperations, &mut document);
        document
    }
}
