//! The application grids: one owner's applications, and an organization's.

use axum::{
    Json,
    extract::{Path, State},
};
use serde::Deserialize;
use shared::{
    ApiError,
    application::Owner,
    http::access,
    http::{Admin, scopes::OauthAppsRead},
    http::{QueryParams, search_prefix},
    openapi::ReadProblems,
    paging::{Page, PageRequest},
    ports::{ApplicationQuery, ApplicationScope},
};

use crate::{
    OauthAppsState,
    handlers::{customer_user, user},
    view::ApplicationView,
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListApplications {
    /// Defaults to the caller's organization.
    pub organization_id: Option<String>,
    /// Name prefix, case-insensitive.
    #[param(max_length = 255)]
    pub name: Option<String>,
    /// `true` or `false`.
    pub active: Option<String>,
    /// `name` (default) or `last_used` (most recent first).
    pub sort: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// One owner's applications: always by name, in the owner's organization.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListOwnerApplications {
    /// Name prefix, case-insensitive.
    #[param(max_length = 255)]
    pub name: Option<String>,
    /// `true` or `false`.
    pub active: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

fn query(
    name: Option<String>,
    active: Option<&str>,
    scope: ApplicationScope,
) -> Result<ApplicationQuery, ApiError> {
    let active = match active {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(ApiError::field("active", "must be true or false")),
    };
    Ok(ApplicationQuery {
        scope,
        name_prefix: search_prefix("name", name)?,
        active,
    })
}

async fn list_of(
    state: &OauthAppsState,
    q: ListOwnerApplications,
    owner: Owner,
) -> Result<Json<Page<ApplicationView>>, ApiError> {
    let page = PageRequest::try_from((q.limit, q.cursor))?;
    let query = query(q.name, q.active.as_deref(), ApplicationScope::Owner(owner))?;
    Ok(Json(
        state
            .applications
            .list_applications(&query, &page)
            .await?
            .map(ApplicationView::of),
    ))
}

/// A customer user's applications, by name.
#[utoipa::path(
    get, path = "/admin/customer-users/{id}/oauth-applications", operation_id = "listCustomerUserOAuthApplications", tag = "oauth-applications",
    params(("id" = String, Path, description = "Customer user id"), ListOwnerApplications),
    security(("backend_token" = ["oauth_apps:read"])),
    responses((status = 200, description = "One page of applications", body = Page<ApplicationView>), ReadProblems)
)]
pub async fn list_of_customer_user(
    State(state): State<OauthAppsState>,
    admin: Admin<OauthAppsRead>,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<ListOwnerApplications>,
) -> Result<Json<Page<ApplicationView>>, ApiError> {
    let owner = customer_user(&state, admin.principal(), &id).await?;
    list_of(
        &state,
        q,
        Owner::Frontend {
            customer_user_id: owner.id,
        },
    )
    .await
}

/// A back-office user's applications, by name.
#[utoipa::path(
    get, path = "/admin/users/{id}/oauth-applications", operation_id = "listUserOAuthApplications", tag = "oauth-applications",
    params(("id" = String, Path, description = "Back-office user id"), ListOwnerApplications),
    security(("backend_token" = ["oauth_apps:read"])),
    responses((status = 200, description = "One page of applications", body = Page<ApplicationView>), ReadProblems)
)]
pub async fn list_of_user(
    State(state): State<OauthAppsState>,
    admin: Admin<OauthAppsRead>,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<ListOwnerApplications>,
) -> Result<Json<Page<ApplicationView>>, ApiError> {
    let owner = user(&state, admin.principal(), &id).await?;
    list_of(&state, q, Owner::Backend { user_id: owner.id }).await
}

/// The applications of an organization: filter by name and status, sorted by name or last use.
#[utoipa::path(
    get, path = "/admin/oauth-applications", operation_id = "listOAuthApplications", tag = "oauth-applications",
    params(ListApplications),
    security(("backend_token" = ["oauth_apps:read"])),
    responses((status = 200, description = "One page of applications", body = Page<ApplicationView>), ReadProblems)
)]
pub async fn list(
    State(state): State<OauthAppsState>,
    admin: Admin<OauthAppsRead>,
    QueryParams(q): QueryParams<ListApplications>,
) -> Result<Json<Page<ApplicationView>>, ApiError> {
    let page = PageRequest::try_from((q.limit, q.cursor))?;
    let organization_id = match q.organization_id.as_deref() {
        None => admin.principal().organization_id,
        Some(raw) => raw
            .parse()
            .map_err(|e: shared::domain::InvalidValue| ApiError::field("organization_id", e.0))?,
    };
    access::ensure_organization(
        state.organizations.as_ref(),
        admin.principal(),
        organization_id,
    )
    .await?;
    let by_last_use = match q.sort.as_deref() {
        None | Some("name") => false,
        Some("last_used") => true,
        Some(_) => return Err(ApiError::field("sort", "must be name or last_used")),
    };
    let query = query(
        q.name,
        q.active.as_deref(),
        ApplicationScope::Organization {
            organization_id,
            by_last_use,
        },
    )?;
    Ok(Json(
        state
            .applications
            .list_applications(&query, &page)
            .await?
            .map(ApplicationView::of),
    ))
}
