//! Consents to the processing of personal data: the back office defines them
//! (`/admin/consents`) and sees which ones a customer user accepted, and when
//! (`GET /admin/customer-users/{id}/consents`); customer users accept and decline them
//! through the storefront (`/api/me/consents`).

mod admin;
mod storefront;

use std::sync::Arc;

use axum::{Router, extract::FromRef};
use shared::{
    http::Verifier,
    openapi::{BearerSecurity, FrontendSecurity},
    ports::{AuditLog, ConsentStore, CustomerUserStore, OrganizationStore},
    services::Services,
};

#[derive(Clone)]
pub struct ConsentsState {
    pub consents: Arc<dyn ConsentStore>,
    pub organizations: Arc<dyn OrganizationStore>,
    pub customer_users: Arc<dyn CustomerUserStore>,
    pub verifier: Arc<Verifier>,
    /// Where every successful write is recorded.
    pub audit: Arc<dyn AuditLog>,
}

impl ConsentsState {
    /// The state over the container's services: `main` and the tests build it alike.
    pub fn new(services: &Services, verifier: Arc<Verifier>) -> Self {
        let store = Arc::new(services.store.clone());
        Self {
            consents: store.clone(),
            organizations: store.clone(),
            customer_users: store.clone(),
            verifier,
            audit: store,
        }
    }
}

impl FromRef<ConsentsState> for Arc<Verifier> {
    fn from_ref(state: &ConsentsState) -> Self {
        state.verifier.clone()
    }
}

/// Every route of this function, named once by its handler, whose `#[utoipa::path]`
/// gives its method and path: the router and the OpenAPI document are both built from
/// this table, and `make routes` writes the deployment's routes from the document.
fn routes(table: &mut impl route_table::Table<ConsentsState>) {
    route_table::routes!(table:
        admin::list, admin::create,
        admin::get, admin::update, admin::delete,
        admin::of_customer_user,
        storefront::mine, storefront::choose,
    );
}

pub fn router(state: ConsentsState) -> Router {
    let router = route_table::router(routes).fallback(shared::http::route_not_found);
    shared::http::audit::recorded(router.with_state(state.clone()), state.audit)
}

/// The parts of the OpenAPI document besides the paths.
#[derive(utoipa::OpenApi)]
#[openapi(
    components(schemas(shared::error::Problem, shared::error::FieldError)),
    modifiers(&BearerSecurity, &FrontendSecurity),
    tags(
        (name = "consents", description = "Consents to the processing of personal data"),
        (name = "storefront", description = "Self-service of customer users with a frontend token")
    )
)]
struct ApiParts;

/// This function's OpenAPI document: the paths of [`routes`] with the schemas, security
/// schemes and tags of [`ApiParts`].
pub struct ConsentsApi;

impl utoipa::OpenApi for ConsentsApi {
    fn openapi() -> utoipa::openapi::OpenApi {
        route_table::openapi(<ApiParts as utoipa::OpenApi>::openapi(), routes)
    }
}
