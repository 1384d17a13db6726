//! OAuth 2.0 applications, for back-office administrators (scopes `oauth_apps:read`,
//! `oauth_apps:write`): frontend applications of customer users and backend
//! applications of back-office users. A client secret is shown once, at creation or
//! rotation, and stored only as a hash.

mod handlers;
mod lists;
mod secret;
mod view;

use std::sync::Arc;

use axum::{Router, extract::FromRef};
use shared::{
    http::Verifier,
    key_source::PepperCell,
    notifier::Notifier,
    openapi::BearerSecurity,
    ports::{
        ApplicationStore, AuditLog, CustomerUserStore, OrganizationStore, UserStore, WebsiteStore,
    },
    services::Services,
};

pub use view::ApplicationView;

#[derive(Clone)]
pub struct OauthAppsState {
    pub applications: Arc<dyn ApplicationStore>,
    pub organizations: Arc<dyn OrganizationStore>,
    pub websites: Arc<dyn WebsiteStore>,
    pub users: Arc<dyn UserStore>,
    pub customer_users: Arc<dyn CustomerUserStore>,
    pub notifier: Notifier,
    pub pepper: Arc<PepperCell>,
    /// How long a replaced secret keeps working after a rotation.
    pub rotation_grace: std::time::Duration,
    pub verifier: Arc<Verifier>,
    /// Where every successful write is recorded.
    pub audit: Arc<dyn AuditLog>,
}

impl OauthAppsState {
    /// The state over the container's services: `main` and the tests build it alike.
    pub fn new(services: &Services, verifier: Arc<Verifier>) -> Self {
        let store = Arc::new(services.store.clone());
        Self {
            applications: store.clone(),
            organizations: store.clone(),
            websites: store.clone(),
            users: store.clone(),
            customer_users: store.clone(),
            notifier: services.notifier(),
            // Read when an application first gets a new secret in this container.
            pepper: services.pepper(),
            rotation_grace: services.config.secret_rotation_grace,
            verifier,
            audit: store,
        }
    }
}

impl FromRef<OauthAppsState> for Arc<Verifier> {
    fn from_ref(state: &OauthAppsState) -> Self {
        state.verifier.clone()
    }
}

/// Every route of this function, named once by its handler, whose `#[utoipa::path]`
/// gives its method and path: the router and the OpenAPI document are both built from
/// this table, and `make routes` writes the deployment's routes from the document.
fn routes(table: &mut impl route_table::Table<OauthAppsState>) {
    route_table::routes!(table:
        lists::list_of_customer_user, handlers::create_for_customer_user,
        lists::list_of_user, handlers::create_for_user,
        lists::list,
        handlers::get, handlers::update, handlers::delete,
        handlers::rotate_secret,
    );
}

pub fn router(state: OauthAppsState) -> Router {
    let router = route_table::router(routes).fallback(shared::http::route_not_found);
    shared::http::audit::recorded(router.with_state(state.clone()), state.audit)
}

/// The parts of the OpenAPI document besides the paths.
#[derive(utoipa::OpenApi)]
#[openapi(
    components(schemas(shared::error::Problem)),
    modifiers(&BearerSecurity),
    tags((name = "oauth-applications", description = "OAuth 2.0 applications and their client secrets"))
)]
struct ApiParts;

/// This function's OpenAPI document: the paths of [`routes`] with the schemas, security
/// schemes and tags of [`ApiParts`].
pub struct OauthAppsApi;

impl utoipa::OpenApi for OauthAppsApi {
    fn openapi() -> utoipa::openapi::OpenApi {
        route_table::openapi(<ApiParts as utoipa::OpenApi>::openapi(), routes)
    }
}
