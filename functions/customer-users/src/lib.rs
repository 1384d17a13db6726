//! Customer users: the back-office grid and form (`/admin/customer-users`) and the
//! storefront's self-service (`/api/me`, `/api/customer-users`).

mod addresses;
mod admin;
mod edit;
mod input;
mod notifications;
mod rules;
mod storefront;
mod view;

use std::sync::Arc;

use axum::{Router, extract::FromRef};
use shared::{
    config::LinkLifetimes,
    http::Verifier,
    notifier::Notifier,
    openapi::{BearerSecurity, FrontendSecurity},
    ports::{
        ApplicationStore, AuditLog, CustomerStore, CustomerUserStore, OrganizationStore,
        RateLimiter, RoleStore, UserStore, WebsiteStore,
    },
    services::Services,
};

pub use view::CustomerUserView;

#[derive(Clone)]
pub struct CustomerUsersState {
    pub customer_users: Arc<dyn CustomerUserStore>,
    pub organizations: Arc<dyn OrganizationStore>,
    pub websites: Arc<dyn WebsiteStore>,
    pub customers: Arc<dyn CustomerStore>,
    pub roles: Arc<dyn RoleStore>,
    /// Back-office users, as sales representatives.
    pub users: Arc<dyn UserStore>,
    pub applications: Arc<dyn ApplicationStore>,
    pub notifier: Notifier,
    pub links: LinkLifetimes,
    pub verifier: Arc<Verifier>,
    /// Counts storefront creates per customer.
    pub rates: Arc<dyn RateLimiter>,
    /// Where every successful write is recorded.
    pub audit: Arc<dyn AuditLog>,
}

impl CustomerUsersState {
    /// The state over the container's services: `main` and the tests build it alike.
    pub fn new(services: &Services, verifier: Arc<Verifier>) -> Self {
        let store = Arc::new(services.store.clone());
        Self {
            customer_users: store.clone(),
            organizations: store.clone(),
            websites: store.clone(),
            customers: store.clone(),
            roles: store.clone(),
            users: store.clone(),
            applications: store.clone(),
            notifier: services.notifier(),
            links: services.config.links,
            verifier,
            rates: store.clone(),
            audit: store,
        }
    }
}

impl FromRef<CustomerUsersState> for Arc<Verifier> {
    fn from_ref(state: &CustomerUsersState) -> Self {
        state.verifier.clone()
    }
}

/// Every route of this function, named once by its handler, whose `#[utoipa::path]`
/// gives its method and path: the router and the OpenAPI document are both built from
/// this table, and `make routes` writes the deployment's routes from the document.
fn routes(table: &mut impl route_table::Table<CustomerUsersState>) {
    route_table::routes!(table:
        admin::list, admin::create,
        admin::get, admin::update, admin::delete,
        admin::enable, admin::disable,
        notifications::list,
        addresses::list, addresses::create,
        addresses::update, addresses::delete,
        storefront::me,
        storefront::list, storefront::create,
        storefront::get, storefront::update, storefront::delete,
        storefront::disable,
    );
}

pub fn router(state: CustomerUsersState) -> Router {
    let router = route_table::router(routes).fallback(shared::http::route_not_found);
    shared::http::audit::recorded(router.with_state(state.clone()), state.audit)
}

/// The parts of the OpenAPI document besides the paths.
#[derive(utoipa::OpenApi)]
#[openapi(
    components(schemas(shared::error::Problem, shared::error::FieldError)),
    modifiers(&BearerSecurity, &FrontendSecurity),
    tags(
        (name = "customer-users", description = "Customer users, for back-office administrators"),
        (name = "storefront", description = "Self-service of customer users with a frontend token")
    )
)]
struct ApiParts;

/// This function's OpenAPI document: the paths of [`routes`] with the schemas, security
/// schemes and tags of [`ApiParts`].
pub struct CustomerUsersApi;

impl utoipa::OpenApi for CustomerUsersApi {
    fn openapi() -> utoipa::openapi::OpenApi {
        route_table::openapi(<ApiParts as utoipa::OpenApi>::openapi(), routes)
    }
}
