//! Consents to the processing of personal data: the back office defines them
//! (`/admin/consents`) and sees which ones a customer user accepted, and when
//! (`GET /admin/customer-users/{id}/consents`); customer users accept and decline them
//! through the storefront (`/api/me/consents`).

mod admin;
mod storefront;

use std::sync::Arc;

use axum::{Router, extract::FromRef, routing::get};
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

pub fn router(state: ConsentsState) -> Router {
    let router = Router::new()
        .route("/admin/consents", get(admin::list).post(admin::create))
        .route(
            "/admin/consents/{id}",
            get(admin::get).patch(admin::update).delete(admin::delete),
        )
        .route(
            "/admin/customer-users/{id}/consents",
            get(admin::of_customer_user),
        )
        .route(
            "/api/me/consents",
            get(storefront::mine).put(storefront::choose),
        )
        .fallback(shared::http::route_not_found);
    shared::http::audit::recorded(router.with_state(state.clone()), state.audit)
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        admin::list, admin::create, admin::get, admin::update, admin::delete, admin::of_customer_user,
        storefront::mine, storefront::choose,
    ),
    components(schemas(shared::error::Problem, shared::error::FieldError)),
    modifiers(&BearerSecurity, &FrontendSecurity),
    tags(
        (name = "consents", description = "Consents to the processing of personal data"),
        (name = "storefront", description = "Self-service of customer users with a frontend token")
    )
)]
pub struct ConsentsApi;
