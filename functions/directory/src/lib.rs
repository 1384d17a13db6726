//! The directory: organizations, websites, back-office users and customers, for
//! back-office administrators (`/admin/...`, scopes `directory:read` and `directory:write`).

mod customers;
mod organizations;
mod users;
mod websites;

use std::sync::Arc;

use axum::{Router, extract::FromRef, routing::get};
use shared::{
    auth::Verifier,
    openapi::BearerSecurity,
    store::{ApplicationStore, DirectoryStore},
};

#[derive(Clone)]
pub struct DirectoryState {
    pub store: Arc<dyn DirectoryStore>,
    pub applications: Arc<dyn ApplicationStore>,
    pub verifier: Arc<Verifier>,
}

impl FromRef<DirectoryState> for Arc<Verifier> {
    fn from_ref(state: &DirectoryState) -> Self {
        state.verifier.clone()
    }
}

pub fn router(state: DirectoryState) -> Router {
    Router::new()
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
        .fallback(shared::http::route_not_found)
        .with_state(state)
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        organizations::list, organizations::create, organizations::get, organizations::update, organizations::delete,
        websites::list, websites::create, websites::get, websites::update, websites::delete,
        users::list, users::create, users::get, users::update, users::delete,
        customers::list, customers::create, customers::get, customers::update, customers::delete,
    ),
    components(schemas(shared::error::Problem, shared::error::FieldError)),
    modifiers(&BearerSecurity),
    tags(
        (name = "organizations", description = "Tenants that own websites, customers and back-office users"),
        (name = "websites", description = "Storefronts of an organization"),
        (name = "users", description = "Back-office users"),
        (name = "customers", description = "Customers (companies) and their hierarchy")
    )
)]
pub struct DirectoryApi;
