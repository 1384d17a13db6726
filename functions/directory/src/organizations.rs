use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;
use shared::{
    ApiError,
    directory::Organization,
    domain::Validation,
    domain::checked,
    domain::{Name, OrganizationId, now},
    http::{
        Admin,
        scopes::{DirectoryRead, DirectoryWrite},
    },
    http::{IfMatch, JsonBody, QueryParams, Versioned, present, search_prefix},
    openapi::{ReadProblems, WriteProblems},
    paging::{Page, PageRequest},
    ports::StoreError,
};

use shared::http::access;

use crate::DirectoryState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganization {
    /// 1 to 255 characters.
    pub name: String,
    /// Whether its administrators may act on other organizations (default false).
    #[serde(default)]
    pub global_access: bool,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganization {
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub global_access: Option<bool>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListOrganizations {
    /// Only organizations whose name starts with this (case-insensitive).
    #[param(max_length = 255)]
    pub name: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Lists organizations by name: all of them for a global-access administrator, else its own.
#[utoipa::path(
    get, path = "/admin/organizations", operation_id = "listOrganizations", tag = "organizations",
    params(ListOrganizations),
    security(("backend_token" = ["directory:read"])),
    responses((status = 200, description = "One page of organizations", body = Page<Organization>), ReadProblems)
)]
pub async fn list(
    State(state): State<DirectoryState>,
    admin: Admin<DirectoryRead>,
    QueryParams(query): QueryParams<ListOrganizations>,
) -> Result<axum::Json<Page<Organization>>, ApiError> {
    let page = PageRequest::try_from((query.limit, query.cursor))?;
    let name = search_prefix("name", query.name)?;
    let store = state.organizations.as_ref();
    if access::has_global_access(store, admin.principal()).await? {
        return Ok(axum::Json(
            store.list_organizations(name.as_deref(), &page).await?,
        ));
    }
    // Its own organization fits on one page: no cursor was ever given out for it.
    if page.cursor.is_some() {
        return Err(StoreError::BadCursor.into());
    }
    let own = store
        .get_organization(admin.principal().organization_id)
        .await?;
    let prefix = name.unwrap_or_default().to_lowercase();
    let items = own
        .into_iter()
        .filter(|o| o.name.as_str().to_lowercase().starts_with(&prefix))
        .collect();
    Ok(axum::Json(Page {
        items,
        next_cursor: None,
    }))
}

/// Creates an organization (global-access administrators only).
#[utoipa::path(
    post, path = "/admin/organizations", operation_id = "createOrganization", tag = "organizations",
    request_body = CreateOrganization,
    security(("backend_token" = ["directory:write"])),
    responses((status = 201, description = "Created", body = Organization, headers(("ETag" = String), ("Location" = String, description = "The new record's path"))), WriteProblems)
)]
pub async fn create(
    State(state): State<DirectoryState>,
    admin: Admin<DirectoryWrite>,
    JsonBody(body): JsonBody<CreateOrganization>,
) -> Result<Versioned<Organization>, ApiError> {
    let store = state.organizations.as_ref();
    if !access::has_global_access(store, admin.principal()).await? {
        return Err(ApiError::Forbidden(
            "only administrators of an organization with global access may create organizations"
                .into(),
        ));
    }
    let mut v = Validation::default();
    let name = v.check("name", Name::parse(&body.name));
    v.finish()?;
    let at = now();
    let organization = Organization {
        id: OrganizationId::generate(),
        name: checked(name)?,
        global_access: body.global_access,
        created_at: at,
        updated_at: at,
        version: 1,
    };
    store.create_organization(&organization).await?;
    // An organization's record is its own: its log starts with its creation.
    shared::http::audit::concerns(organization.id);
    Ok(Versioned::created(
        format!("/admin/organizations/{}", organization.id),
        organization.version,
        organization,
    ))
}

async fn load(
    state: &DirectoryState,
    admin: &shared::http::AdminPrincipal,
    id: &str,
) -> Result<Organization, ApiError> {
    let store = state.organizations.as_ref();
    access::load(
        store,
        admin,
        id,
        "organization",
        |id| store.get_organization(id),
        |o| o.id,
    )
    .await
}

/// Reads one organization; its version is the `ETag`.
#[utoipa::path(
    get, path = "/admin/organizations/{id}", operation_id = "getOrganization", tag = "organizations",
    params(("id" = String, Path, description = "Organization id")),
    security(("backend_token" = ["directory:read"])),
    responses((status = 200, description = "The organization", body = Organization, headers(("ETag" = String))), ReadProblems)
)]
pub async fn get(
    State(state): State<DirectoryState>,
    admin: Admin<DirectoryRead>,
    Path(id): Path<String>,
) -> Result<Versioned<Organization>, ApiError> {
    let organization = load(&state, admin.principal(), &id).await?;
    Ok(Versioned::ok(organization.version, organization))
}

/// Changes an organization. Granting global access needs global access.
#[utoipa::path(
    patch, path = "/admin/organizations/{id}", operation_id = "updateOrganization", tag = "organizations",
    params(("id" = String, Path, description = "Organization id"), ("If-Match" = String, Header, description = "The ETag last read")),
    request_body = UpdateOrganization,
    security(("backend_token" = ["directory:write"])),
    responses((status = 200, description = "Updated", body = Organization, headers(("ETag" = String))), WriteProblems)
)]
pub async fn update(
    State(state): State<DirectoryState>,
    admin: Admin<DirectoryWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<UpdateOrganization>,
) -> Result<Versioned<Organization>, ApiError> {
    let current = load(&state, admin.principal(), &id).await?;
    if_match.check(current.version)?;
    let mut v = Validation::default();
    let name = body
        .name
        .as_deref()
        .map(|n| v.check("name", Name::parse(n)));
    v.finish()?;
    if body
        .global_access
        .is_some_and(|g| g != current.global_access)
        && !access::has_global_access(state.organizations.as_ref(), admin.principal()).await?
    {
        return Err(ApiError::Forbidden(
            "only administrators of an organization with global access may change global access"
                .into(),
        ));
    }
    let mut organization = current.clone();
    if let Some(Some(name)) = name {
        organization.name = name;
    }
    if let Some(global_access) = body.global_access {
        organization.global_access = global_access;
    }
    if organization == current {
        return Ok(Versioned::ok(current.version, current));
    }
    organization.updated_at = now();
    organization.version = current.version + 1;
    state
        .organizations
        .update_organization(&organization, current.version)
        .await?;
    Ok(Versioned::ok(organization.version, organization))
}

/// Deletes an organization that no longer has websites, users, customers or roles.
#[utoipa::path(
    delete, path = "/admin/organizations/{id}", operation_id = "deleteOrganization", tag = "organizations",
    params(("id" = String, Path, description = "Organization id"), ("If-Match" = String, Header, description = "The ETag last read")),
    security(("backend_token" = ["directory:write"])),
    responses((status = 204, description = "Deleted"), WriteProblems)
)]
pub async fn delete(
    State(state): State<DirectoryState>,
    admin: Admin<DirectoryWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> Result<StatusCode, ApiError> {
    let current = load(&state, admin.principal(), &id).await?;
    if_match.check(current.version)?;
    if current.id == admin.principal().organization_id {
        return Err(ApiError::Conflict(
            "you cannot delete your own organization".into(),
        ));
    }
    if state.organizations.organization_in_use(current.id).await? {
        return Err(ApiError::Conflict(
            "the organization still has websites, users, customers, roles, consents or applications: delete them first"
                .into(),
        ));
    }
    state.organizations.delete_organization(&current).await?;
    Ok(StatusCode::NO_CONTENT)
}
