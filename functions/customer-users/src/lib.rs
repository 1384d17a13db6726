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

use axum::{
    Router,
    extract::FromRef,
    routing::{get, patch, post},
};
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

pub fn router(state: CustomerUsersState) -> Router {
    let router = Router::new()
        .route(
            "/admin/customer-users",
            get(admin::list).post(admin::create),
        )
        .route(
            "/admin/customer-users/{id}",
            get(admin::get).patch(admin::update).delete(admin::delete),
        )
        .route("/admin/customer-users/{id}/enable", post(admin::enable))
        .route("/admin/customer-users/{id}/disable", post(admin::disable))
        .route(
            "/admin/customer-users/{id}/notifications",
            get(notifications::list),
        )
        .route(
            "/admin/customer-users/{id}/addresses",
            get(addresses::list).post(addresses::create),
        )
        .route(
            "/admin/customer-users/{id}/addresses/{address_id}",
            patch(addresses::update).delete(addresses::delete),
        )
        .route("/api/me", get(storefront::me))
        .route(
            "/api/customer-users",
            get(storefront::list).post(storefront::create),
        )
        .route(
            "/api/customer-users/{id}",
            get(storefront::get)
                .patch(storefront::update)
                .delete(storefront::delete),
        )
        .route(
            "/api/customer-users/{id}/disable",
            post(storefront::disable),
        )
        .fallback(shared::http::route_not_found);
    shared::http::audit::recorded(router.with_state(state.clone()), state.audit)
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        admin::list, admin::create, admin::get, admin::update, admin::delete, admin::enable, admin::disable,
        notifications::list,
        addresses::list, addresses::create, addresses::update, addresses::delete,
        storefront::me, storefront::list, storefront::create, storefront::get, storefront::update,
        storefront::disable, storefront::delete,
    ),
    components(schemas(shared::error::Problem, shared::error::FieldError)),
    modifiers(&BearerSecurity, &FrontendSecurity),
    tags(
        (name = "customer-users", description = "Customer users, for back-office administrators"),
        (name = "storefront", description = "Self-service of customer users with a frontend token")
    )
)]
pub struct CustomerUsersApi;
