//! The directory: organizations, websites, back-office users and customers, for
//! back-office administrators (`/admin/...`, scopes `directory:read` and `directory:write`),
//! and the audit log of every function (`audit:read`).

mod audit;
mod customers;
mod organizations;
mod users;
mod websites;

use std::sync::Arc;

use axum::{Router, extract::FromRef, routing::get};
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

pub fn router(state: DirectoryState) -> Router {
    let router = Router::new()
        .route(
            "/admin/organizations",
            get(organizations::list).post(organizations::create),
        )
        .route(
            "/admin/organizations/{id}",
            get(organizations::get)
                .patch(organizations::update)
                .delete(organizations::delete),
        )
        .route(
            "/admin/websites",
            get(websites::list).post(websites::create),
        )
        .route(
            "/admin/websites/{id}",
            get(websites::get)
                .patch(websites::update)
                .delete(websites::delete),
        )
        .route("/admin/users", get(users::list).post(users::create))
        .route(
            "/admin/users/{id}",
            get(users::get).patch(users::update).delete(users::delete),
        )
        .route(
            "/admin/customers",
            get(customers::list).post(customers::create),
        )
        .route(
            "/admin/customers/{id}",
            get(customers::get)
                .patch(customers::update)
                .delete(customers::delete),
        )
        .route("/admin/audit-events", get(audit::list))
        .fallback(shared::http::route_not_found);
    shared::http::audit::recorded(router.with_state(state.clone()), state.audit)
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        organizations::list, organizations::create, organizations::get, organizations::update, organizations::delete,
        websites::list, websites::create, websites::get, websites::update, websites::delete,
        users::list, users::create, users::get, users::update, users::delete,
        customers::list, customers::create, customers::get, customers::update, customers::delete,
        audit::list,
    ),
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
pub struct DirectoryApi;
