//! OAuth 2.0 applications, for back-office administrators (scopes `oauth_apps:read`,
//! `oauth_apps:write`): frontend applications of customer users and backend
//! applications of back-office users. A client secret is shown once, at creation or
//! rotation, and stored only as a hash.

mod handlers;
mod secret;
mod view;

use std::sync::Arc;

use axum::{
    Router,
    extract::FromRef,
    routing::{get, post},
};
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

pub fn router(state: OauthAppsState) -> Router {
    let router = Router::new()
        .route(
            "/admin/customer-users/{id}/oauth-applications",
            get(handlers::list_of_customer_user).post(handlers::create_for_customer_user),
        )
        .route(
            "/admin/users/{id}/oauth-applications",
            get(handlers::list_of_user).post(handlers::create_for_user),
        )
        .route("/admin/oauth-applications", get(handlers::list))
        .route(
            "/admin/oauth-applications/{id}",
            get(handlers::get)
                .patch(handlers::update)
                .delete(handlers::delete),
        )
        .route(
            "/admin/oauth-applications/{id}/rotate-secret",
            post(handlers::rotate_secret),
        )
        .fallback(shared::http::route_not_found);
    shared::http::audit::recorded(router.with_state(state.clone()), state.audit)
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        handlers::create_for_customer_user, handlers::list_of_customer_user,
        handlers::create_for_user, handlers::list_of_user,
        handlers::list, handlers::get, handlers::update, handlers::delete, handlers::rotate_secret,
    ),
    components(schemas(shared::error::Problem)),
    modifiers(&BearerSecurity),
    tags((name = "oauth-applications", description = "OAuth 2.0 applications and their client secrets"))
)]
pub struct OauthAppsApi;
