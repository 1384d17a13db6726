//! Email confirmation and passwords: the public routes a storefront calls with the
//! token from an email link, and the back-office actions that send those emails.

mod admin;
mod public;

use std::sync::Arc;

use axum::{Router, extract::FromRef};
use shared::{
    auth::Verifier,
    config::LinkLifetimes,
    domain::WebsiteId,
    notifier::Notifier,
    openapi::BearerSecurity,
    store::{
        AuditLog, CustomerUserLookup, CustomerUserStore, DirectoryStore, LinkStore, RateLimiter,
    },
};

#[derive(Clone)]
pub struct ConfirmationState {
    pub customer_users: Arc<dyn CustomerUserStore>,
    pub lookup: Arc<dyn CustomerUserLookup>,
    pub links: Arc<dyn LinkStore>,
    pub rates: Arc<dyn RateLimiter>,
    pub directory: Arc<dyn DirectoryStore>,
    pub notifier: Notifier,
    pub lifetimes: LinkLifetimes,
    /// The website of reset requests that name none.
    pub default_website_id: Option<WebsiteId>,
    pub verifier: Arc<Verifier>,
    /// Where every successful write is recorded.
    pub audit: Arc<dyn AuditLog>,
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
    shared::audit::recorded(router.with_state(state.clone()), state.audit)
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
/// schemes and tags of [`ApiParts`].
pub struct ConfirmationApi;

impl utoipa::OpenApi for ConfirmationApi {
    fn openapi() -> utoipa::openapi::OpenApi {
        route_table::openapi(<ApiParts as utoipa::OpenApi>::openapi(), routes)
    }
}
