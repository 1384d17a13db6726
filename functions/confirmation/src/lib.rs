//! Email confirmation and passwords: the public routes a storefront calls with the
//! token from an email link, and the back-office actions that send those emails.

mod admin;
mod public;

use std::sync::Arc;

use axum::{Router, extract::FromRef, routing::post};
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

pub fn router(state: ConfirmationState) -> Router {
    let router = Router::new()
        .route("/customer-user/confirm", post(public::confirm))
        .route(
            "/customer-user/password-reset/request",
            post(public::request_reset),
        )
        .route("/customer-user/password-reset", post(public::reset))
        .route("/admin/customer-users/{id}/confirm", post(admin::confirm))
        .route(
            "/admin/customer-users/{id}/resend-confirmation",
            post(admin::resend_confirmation),
        )
        .route(
            "/admin/customer-users/{id}/reset-password",
            post(admin::reset_password),
        )
        .route(
            "/admin/customer-users/{id}/welcome-email",
            post(admin::welcome_email),
        )
        .fallback(shared::http::route_not_found);
    shared::http::audit::recorded(router.with_state(state.clone()), state.audit)
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        public::confirm, public::request_reset, public::reset,
        admin::confirm, admin::resend_confirmation, admin::reset_password, admin::welcome_email,
    ),
    components(schemas(shared::error::Problem, shared::customer_user::Notification)),
    modifiers(&BearerSecurity, &PublicOperations),
    tags((name = "confirmation", description = "Email confirmation, welcome emails and passwords"))
)]
pub struct ConfirmationApi;
