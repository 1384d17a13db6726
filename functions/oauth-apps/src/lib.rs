//! OAuth 2.0 applications, for back-office administrators (scopes `oauth_apps:read`,
//! `oauth_apps:write`): frontend applications of customer users and backend
//! applications of back-office users. A client secret is shown once, at creation or
//! rotation, and stored only as a hash.

mod handlers;
mod view;

use std::sync::Arc;

use axum::{
    Router,
    extract::FromRef,
    routing::{get, post},
};
use shared::{
    auth::Verifier,
    keys::PepperCell,
    notifier::Notifier,
    openapi::BearerSecurity,
    store::{ApplicationStore, AuditLog, CustomerUserStore, DirectoryStore},
};

pub use view::ApplicationView;

#[derive(Clone)]
pub struct OauthAppsState {
    pub applications: Arc<dyn ApplicationStore>,
    pub directory: Arc<dyn DirectoryStore>,
    pub customer_users: Arc<dyn CustomerUserStore>,
    pub notifier: Notifier,
    pub pepper: Arc<PepperCell>,
    /// How long a replaced secret keeps working after a rotation.
    pub rotation_grace: std::time::Duration,
    pub verifier: Arc<Verifier>,
    /// Where every successful write is recorded.
    pub audit: Arc<dyn AuditLog>,
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
    shared::audit::recorded(router.with_state(state.clone()), state.audit)
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
