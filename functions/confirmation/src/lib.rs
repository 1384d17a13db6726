//! Email confirmation and passwords: the public routes a storefront calls with the
//! token from an email link, and the back-office actions that send those emails.

mod admin;
mod public;

use std::sync::Arc;

use axum::{Router, extract::FromRef};
use shared::{
    config::LinkLifetimes,
    domain::WebsiteId,
    http::Verifier,
    notifier::Notifier,
    openapi::{BearerSecurity, PublicOperations},
    ports::{
        AuditLog, CustomerUserLookup, CustomerUserStore, LinkStore, OrganizationStore, RateLimiter,
        WebsiteStore,
    },
    services::Services,
};

#[derive(Clone)]
pub struct ConfirmationState {
    pub customer_users: Arc<dyn CustomerUserStore>,
    pub lookup: Arc<dyn CustomerUserLookup>,
    pub links: Arc<dyn LinkStore>,
    pub rates: Arc<dyn RateLimiter>,
    pub organizations: Arc<dyn OrganizationStore>,
    pub websites: Arc<dyn WebsiteStore>,
    pub notifier: Notifier,
    pub lifetimes: LinkLifetimes,
    /// The website of reset requests that name none.
    pub default_website_id: Option<WebsiteId>,
    pub verifier: Arc<Verifier>,
    /// Where every successful write is recorded.
    pub audit: Arc<dyn AuditLog>,
}

impl ConfirmationState {
    /// The state over the container's services: `main` and the tests build it alike.
    pub fn new(services: &Services, verifier: Arc<Verifier>) -> Self {
        let store = Arc::new(services.store.clone());
        Self {
            customer_users: store.clone(),
            lookup: store.clone(),
            links: store.clone(),
            rates: store.clone(),
            organizations: store.clone(),
            websites: store.clone(),
            notifier: services.notifier(),
            lifetimes: services.config.links,
            default_website_id: services.config.default_website_id,
            verifier,
            audit: store,
        }
    }
}

impl FromRef<ConfirmationState> for Arc<Verifier> {
    fn from_ref(state: &ConfirmationState) -> Self {
        state.verifier.clone()
    }
}

/// Every route of this function, named once by its handler, whose `#[utoipa::path]`
/// gives its method and path: the router and the OpenAPI document are both built from
/// this table, and `make routes` writes the deployment's routes from the document.
fn routes(table: &mut impl route_table::Table<ConfirmationState>) {
    route_table::routes!(table:
        public::confirm, public::request_reset, public::reset,
        admin::confirm, admin::resend_confirmation, admin::reset_password, admin::welcome_email,
    );
}

pub fn router(state: ConfirmationState) -> Router {
    let router = route_table::router(routes).fallback(shared::http::route_not_found);
    shared::http::audit::recorded(router.with_state(state.clone()), state.audit)
}

/// The parts of the OpenAPI document besides the paths.
#[derive(utoipa::OpenApi)]
#[openapi(
    components(schemas(shared::error::Problem, shared::customer_user::Notification)),
    modifiers(&BearerSecurity),
    tags((name = "confirmation", description = "Email confirmation, welcome emails and passwords"))
)]
struct ApiParts;

/// This function's OpenAPI document: the paths of [`routes`] with the schemas, security
/// schemes and tags of [`ApiParts`]; operations without security are public.
pub struct ConfirmationApi;

impl utoipa::OpenApi for ConfirmationApi {
    fn openapi() -> utoipa::openapi::OpenApi {
        let mut document = route_table::openapi(<ApiParts as utoipa::OpenApi>::openapi(), routes);
        // After the paths are in: the public ones say so.
        utoipa::Modify::modify(&PublicOperations, &mut document);
        document
    }
}
