//! Customer-user roles: the back office manages every role of an organization and
//! assigns them (`/admin/customer-user-roles`, `PUT /admin/customer-users/{id}/roles`);
//! customer administrators manage their customer's own roles in the storefront
//! (`/api/customer-user-roles`). A role's permissions decide what its holders may do
//! through the storefront.

mod admin;
mod input;
mod storefront;

use std::sync::Arc;

use axum::{Router, extract::FromRef};
use shared::{
    ApiError,
    directory::CustomerUserRole,
    http::Verifier,
    openapi::{BearerSecurity, FrontendSecurity},
    paging::PageRequest,
    ports::{
        AuditLog, CustomerStore, CustomerUserStore, OrganizationStore, RoleStore, WebsiteStore,
    },
    services::Services,
};

#[derive(Clone)]
pub struct RolesState {
    pub organizations: Arc<dyn OrganizationStore>,
    pub websites: Arc<dyn WebsiteStore>,
    pub customers: Arc<dyn CustomerStore>,
    pub roles: Arc<dyn RoleStore>,
    pub customer_users: Arc<dyn CustomerUserStore>,
    pub verifier: Arc<Verifier>,
    /// Where every successful write is recorded.
    pub audit: Arc<dyn AuditLog>,
}

impl RolesState {
    /// The state over the container's services: `main` and the tests build it alike.
    pub fn new(services: &Services, verifier: Arc<Verifier>) -> Self {
        let store = Arc::new(services.store.clone());
        Self {
            organizations: store.clone(),
            websites: store.clone(),
            customers: store.clone(),
            roles: store.clone(),
            customer_users: store.clone(),
            verifier,
            audit: store,
        }
    }
}

impl FromRef<RolesState> for Arc<Verifier> {
    fn from_ref(state: &RolesState) -> Self {
        state.verifier.clone()
    }
}

/// Every route of this function, named once by its handler, whose `#[utoipa::path]`
/// gives its method and path: the router and the OpenAPI document are both built from
/// this table, and `make routes` writes the deployment's routes from the document.
fn routes(table: &mut impl route_table::Table<RolesState>) {
    route_table::routes!(table:
        admin::list, admin::create,
        admin::get, admin::update, admin::delete,
        admin::assign,
        storefront::list, storefront::create,
        storefront::get, storefront::update, storefront::delete,
    );
}

pub fn router(state: RolesState) -> Router {
    let router = route_table::router(routes).fallback(shared::http::route_not_found);
    shared::http::audit::recorded(router.with_state(state.clone()), state.audit)
}

/// Deletes a role no website gives new users by default; the store refuses while a
/// customer user holds it.
async fn remove(state: &RolesState, role: &CustomerUserRole) -> Result<(), ApiError> {
    let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
    loop {
        let websites = state
            .websites
            .list_websites(role.organization_id, None, &page)
            .await?;
        if let Some(website) = websites
            .items
            .iter()
            .find(|w| w.default_role_id == Some(role.id))
        {
            return Err(ApiError::Conflict(format!(
                "website {} gives this role to new customer users by default: change its default role first",
                website.id
            )));
        }
        match websites.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => break,
        }
    }
    state.roles.delete_role(role).await?;
    Ok(())
}

/// The parts of the OpenAPI document besides the paths.
#[derive(utoipa::OpenApi)]
#[openapi(
    components(schemas(shared::error::Problem, shared::error::FieldError)),
    modifiers(&BearerSecurity, &FrontendSecurity),
    tags(
        (name = "roles", description = "Customer-user roles and their permissions"),
        (name = "storefront", description = "Self-service of customer users with a frontend token")
    )
)]
struct ApiParts;

/// This function's OpenAPI document: the paths of [`routes`] with the schemas, security
/// schemes and tags of [`ApiParts`].
pub struct RolesApi;

impl utoipa::OpenApi for RolesApi {
    fn openapi() -> utoipa::openapi::OpenApi {
        route_table::openapi(<ApiParts as utoipa::OpenApi>::openapi(), routes)
    }
}
