//! The directory: organizations, websites, back-office users and customers, for
//! back-office administrators (`/admin/...`, scopes `directory:read` and `directory:write`),
//! and the audit log of every function (`audit:read`).

mod audit;
mod customers;
mod organizations;
mod users;
mod websites;

use std::sync::Arc;

use axum::{Router, extract::FromRef};
use shared::{
    http::Verifier,
    openapi::BearerSecurity,
    ports::{
        ApplicationStore, AuditLog, CustomerStore, OrganizationStore, RoleStore, UserStore,
        WebsiteStore,
    },
    services::Services,
};

#[derive(Clone)]
pub struct DirectoryState {
    pub organizations: Arc<dyn OrganizationStore>,
    pub websites: Arc<dyn WebsiteStore>,
    pub users: Arc<dyn UserStore>,
    pub customers: Arc<dyn CustomerStore>,
    pub roles: Arc<dyn RoleStore>,
    pub applications: Arc<dyn ApplicationStore>,
    pub verifier: Arc<Verifier>,
    pub audit: Arc<dyn AuditLog>,
}

impl DirectoryState {
    /// The state over the container's services: `main` and the tests build it alike.
    pub fn new(services: &Services, verifier: Arc<Verifier>) -> Self {
        let store = Arc::new(services.store.clone());
        Self {
            organizations: store.clone(),
            websites: store.clone(),
            users: store.clone(),
            customers: store.clone(),
            roles: store.clone(),
            applications: store.clone(),
            verifier,
            audit: store,
        }
    }
}

impl FromRef<DirectoryState> for Arc<Verifier> {
    fn from_ref(state: &DirectoryState) -> Self {
        state.verifier.clone()
    }
}

/// Every route of this function, named once by its handler, whose `#[utoipa::path]`
/// gives its method and path: the router and the OpenAPI document are both built from
/// this table, and `make routes` writes the deployment's routes from the document.
fn routes(table: &mut impl route_table::Table<DirectoryState>) {
    route_table::routes!(table:
        organizations::list, organizations::create,
        organizations::get, organizations::update, organizations::delete,
        websites::list, websites::create,
        websites::get, websites::update, websites::delete,
        users::list, users::create,
        users::get, users::update, users::delete,
        customers::list, customers::create,
        customers::get, customers::update, customers::delete,
        audit::list,
    );
}

pub fn router(state: DirectoryState) -> Router {
    let router = route_table::router(routes).fallback(shared::http::route_not_found);
    shared::http::audit::recorded(router.with_state(state.clone()), state.audit)
}

/// The parts of the OpenAPI document besides the paths.
#[derive(utoipa::OpenApi)]
#[openapi(
    components(schemas(shared::error::Problem, shared::error::FieldError)),
    modifiers(&BearerSecurity),
    tags(
        (name = "organizations", description = "Tenants that own websites, customers and back-office users"),
        (name = "websites", description = "Storefronts of an organization"),
        (name = "users", description = "Back-office users"),
        (name = "customers", description = "Customers (companies) and their hierarchy"),
        (name = "audit", description = "Who changed what, and when")
    )
)]
struct ApiParts;

/// This function's OpenAPI document: the paths of [`routes`] with the schemas, security
/// schemes and tags of [`ApiParts`].
pub struct DirectoryApi;

impl utoipa::OpenApi for DirectoryApi {
    fn openapi() -> utoipa::openapi::OpenApi {
        route_table::openapi(<ApiParts as utoipa::OpenApi>::openapi(), routes)
    }
}
