//! Customer-user roles. For now the list an admin UI offers when assigning roles;
//! managing roles comes with the permission model.

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::{FromRef, State},
    routing::get,
};
use serde::Deserialize;
use shared::{
    ApiError,
    auth::{Admin, Verifier, scopes::RolesRead},
    directory::{CustomerUserRole, access},
    domain::OrganizationId,
    http::{Page, PageRequest, QueryParams},
    openapi::{BearerSecurity, ReadProblems},
    store::DirectoryStore,
};

#[derive(Clone)]
pub struct RolesState {
    pub directory: Arc<dyn DirectoryStore>,
    pub verifier: Arc<Verifier>,
}

impl FromRef<RolesState> for Arc<Verifier> {
    fn from_ref(state: &RolesState) -> Self {
        state.verifier.clone()
    }
}

pub fn router(state: RolesState) -> Router {
    Router::new()
        .route("/admin/customer-user-roles", get(list))
        .fallback(shared::http::route_not_found)
        .with_state(state)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListRoles {
    /// Defaults to the caller's organization.
    pub organization_id: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// The roles of an organization, by role identifier: system roles (no customer) and
/// roles of single customers.
#[utoipa::path(
    get, path = "/admin/customer-user-roles", tag = "roles",
    params(ListRoles),
    security(("backend_token" = ["roles:read"])),
    responses((status = 200, description = "One page of roles", body = Page<CustomerUserRole>), ReadProblems)
)]
pub async fn list(
    State(state): State<RolesState>,
    admin: Admin<RolesRead>,
    QueryParams(q): QueryParams<ListRoles>,
) -> Result<Json<Page<CustomerUserRole>>, ApiError> {
    let page = PageRequest::try_from((q.limit, q.cursor))?;
    let organization_id: OrganizationId = match q.organization_id.as_deref() {
        None => admin.principal().organization_id,
        Some(raw) => raw
            .parse()
            .map_err(|e: shared::domain::InvalidValue| ApiError::field("organization_id", e.0))?,
    };
    access::ensure_organization(state.directory.as_ref(), admin.principal(), organization_id)
        .await?;
    Ok(Json(
        state.directory.list_roles(organization_id, &page).await?,
    ))
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list),
    components(schemas(shared::error::Problem)),
    modifiers(&BearerSecurity),
    tags((name = "roles", description = "Customer-user roles"))
)]
pub struct RolesApi;
