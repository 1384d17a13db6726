//! `/admin/customer-users`: the back-office grid and form (scopes
//! `customer_users:read` and `customer_users:write`).

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;
use shared::{
    ApiError,
    application::Owner,
    customer_user::CustomerUser,
    domain::{CustomerId, CustomerUserId, OrganizationId},
    http::access,
    http::{
        Admin, AdminPrincipal,
        scopes::{CustomerUsersRead, CustomerUsersWrite},
    },
    http::{IfMatch, JsonBody, QueryParams, Versioned, search_prefix},
    openapi::{ReadProblems, WriteProblems},
    paging::{Page, PageRequest},
    ports::{CustomerUserQuery, CustomerUserSort},
};

use crate::{
    CustomerUsersState,
    edit::{self, Creator},
    input::{CreateCustomerUser, UpdateCustomerUser},
    view::CustomerUserView,
};

/// How many notification-log entries the single-user view embeds.
const RECENT_NOTIFICATIONS: u16 = 20;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCustomerUsers {
    /// Defaults to the caller's organization.
    pub organization_id: Option<String>,
    pub customer_id: Option<String>,
    /// Email prefix, case-insensitive.
    #[param(max_length = 255)]
    pub email: Option<String>,
    /// First-name prefix, case-insensitive.
    #[param(max_length = 255)]
    pub first_name: Option<String>,
    /// Last-name prefix, case-insensitive.
    #[param(max_length = 255)]
    pub last_name: Option<String>,
    /// `true` or `false`.
    pub enabled: Option<String>,
    /// `true` or `false`.
    pub confirmed: Option<String>,
    /// `email` (default) or `created_at`.
    pub sort: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

fn boolean(field: &str, raw: Option<&str>) -> Result<Option<bool>, ApiError> {
    match raw {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(ApiError::field(field, "must be true or false")),
    }
}

fn id<T: std::str::FromStr<Err = shared::domain::InvalidValue>>(
    field: &str,
    raw: Option<&str>,
) -> Result<Option<T>, ApiError> {
    raw.map(|r| r.parse::<T>().map_err(|e| ApiError::field(field, e.0)))
        .transpose()
}

/// The customer-user grid: filter by customer, name and email prefixes, enabled and
/// confirmed; ordered by email or creation time.
#[utoipa::path(
    get, path = "/admin/customer-users", operation_id = "listCustomerUsers", tag = "customer-users",
    params(ListCustomerUsers),
    security(("backend_token" = ["customer_users:read"])),
    responses((status = 200, description = "One page of customer users", body = Page<CustomerUserView>), ReadProblems)
)]
pub async fn list(
    State(state): State<CustomerUsersState>,
    admin: Admin<CustomerUsersRead>,
    QueryParams(q): QueryParams<ListCustomerUsers>,
) -> Result<Json<Page<CustomerUserView>>, ApiError> {
    let page = PageRequest::try_from((q.limit, q.cursor))?;
    let organization_id: OrganizationId = id("organization_id", q.organization_id.as_deref())?
        .unwrap_or(admin.principal().organization_id);
    access::ensure_organization(
        state.organizations.as_ref(),
        admin.principal(),
        organization_id,
    )
    .await?;
    let sort = match q.sort.as_deref() {
        None | Some("email") => CustomerUserSort::Email,
        Some("created_at") => CustomerUserSort::CreatedAt,
        Some(_) => return Err(ApiError::field("sort", "must be email or created_at")),
    };
    let query = CustomerUserQuery {
        organization_id,
        customer_id: id::<CustomerId>("customer_id", q.customer_id.as_deref())?,
        email_prefix: search_prefix("email", q.email)?,
        first_name_prefix: search_prefix("first_name", q.first_name)?,
        last_name_prefix: search_prefix("last_name", q.last_name)?,
        enabled: boolean("enabled", q.enabled.as_deref())?,
        confirmed: boolean("confirmed", q.confirmed.as_deref())?,
        sort,
    };
    let users = state
        .customer_users
        .list_customer_users(&query, &page)
        .await?;
    Ok(Json(users.map(CustomerUserView::of)))
}

/// Creates a customer user; with `send_welcome_email`, emails a one-time set-password link.
#[utoipa::path(
    post, path = "/admin/customer-users", operation_id = "createCustomerUser", tag = "customer-users",
    request_body = CreateCustomerUser,
    security(("backend_token" = ["customer_users:write"])),
    responses(
        (status = 201, description = "Created; `warnings` says if the welcome email failed", body = CustomerUserView, headers(("ETag" = String), ("Location" = String, description = "The new record's path"))),
        WriteProblems
    )
)]
pub async fn create(
    State(state): State<CustomerUsersState>,
    admin: Admin<CustomerUsersWrite>,
    JsonBody(body): JsonBody<CreateCustomerUser>,
) -> Result<Versioned<CustomerUserView>, ApiError> {
    let view = edit::create(&state, Creator::BackOffice(admin.principal()), body).await?;
    Ok(Versioned::created(
        format!("/admin/customer-users/{}", view.id),
        view.version,
        view,
    ))
}

pub async fn load(
    state: &CustomerUsersState,
    admin: &AdminPrincipal,
    id: &str,
) -> Result<CustomerUser, ApiError> {
    let users = state.customer_users.as_ref();
    access::load(
        state.organizations.as_ref(),
        admin,
        id,
        "customer user",
        |id| users.get_customer_user(id),
        |u| u.organization_id,
    )
    .await
}

/// Reads one customer user with its addresses and recent emails; the version is the `ETag`.
#[utoipa::path(
    get, path = "/admin/customer-users/{id}", operation_id = "getCustomerUser", tag = "customer-users",
    params(("id" = String, Path, description = "Customer user id")),
    security(("backend_token" = ["customer_users:read"])),
    responses((status = 200, description = "The customer user", body = CustomerUserView, headers(("ETag" = String))), ReadProblems)
)]
pub async fn get(
    State(state): State<CustomerUsersState>,
    admin: Admin<CustomerUsersRead>,
    Path(id): Path<String>,
) -> Result<Versioned<CustomerUserView>, ApiError> {
    let id: CustomerUserId = id.parse().map_err(|_| access::not_found("customer user"))?;
    let (user, notifications) = state
        .customer_users
        .customer_user_with_notifications(id, RECENT_NOTIFICATIONS)
        .await?
        .ok_or_else(|| access::not_found("customer user"))?;
    access::visible(
        state.organizations.as_ref(),
        admin.principal(),
        user.organization_id,
        "customer user",
    )
    .await?;
    let mut view = CustomerUserView::of(user);
    view.notifications = Some(notifications);
    Ok(Versioned::ok(view.version, view))
}

/// Changes a customer user. A new email or password ends pending confirmation and reset links.
#[utoipa::path(
    patch, path = "/admin/customer-users/{id}", operation_id = "updateCustomerUser", tag = "customer-users",
    params(("id" = String, Path, description = "Customer user id"), ("If-Match" = String, Header, description = "The ETag last read")),
    request_body = UpdateCustomerUser,
    security(("backend_token" = ["customer_users:write"])),
    responses((status = 200, description = "Updated", body = CustomerUserView, headers(("ETag" = String))), WriteProblems)
)]
pub async fn update(
    State(state): State<CustomerUsersState>,
    admin: Admin<CustomerUsersWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<UpdateCustomerUser>,
) -> Result<Versioned<CustomerUserView>, ApiError> {
    let current = load(&state, admin.principal(), &id).await?;
    if_match.check(current.version)?;
    let user = edit::update(&state, &current, body).await?;
    Ok(Versioned::ok(user.version, CustomerUserView::of(user)))
}

/// Deletes a customer user with its addresses, links, notification log and
/// applications (whose tokens stop at once), and frees its email.
#[utoipa::path(
    delete, path = "/admin/customer-users/{id}", operation_id = "deleteCustomerUser", tag = "customer-users",
    params(("id" = String, Path, description = "Customer user id"), ("If-Match" = String, Header, description = "The ETag last read")),
    security(("backend_token" = ["customer_users:write"])),
    responses((status = 204, description = "Deleted"), WriteProblems)
)]
pub async fn delete(
    State(state): State<CustomerUsersState>,
    admin: Admin<CustomerUsersWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> Result<StatusCode, ApiError> {
    let current = load(&state, admin.principal(), &id).await?;
    if_match.check(current.version)?;
    remove(&state, &current).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn remove(state: &CustomerUsersState, user: &CustomerUser) -> Result<(), ApiError> {
    let applications = state
        .applications
        .applications_of_owner(Owner::Frontend {
            customer_user_id: user.id,
        })
        .await?;
    state
        .customer_users
        .delete_customer_user(user, &applications)
        .await?;
    Ok(())
}

/// Sets `enabled`; an `If-Match` is honoured when sent.
pub async fn set_enabled(
    state: &CustomerUsersState,
    current: &CustomerUser,
    if_match: Option<IfMatch>,
    enabled: bool,
) -> Result<CustomerUser, ApiError> {
    if let Some(if_match) = if_match {
        if_match.check(current.version)?;
    }
    let change = UpdateCustomerUser {
        enabled: Some(enabled),
        ..UpdateCustomerUser::default()
    };
    edit::update(state, current, change).await
}

/// Enables a customer user; one without a role is refused.
#[utoipa::path(
    post, path = "/admin/customer-users/{id}/enable", operation_id = "enableCustomerUser", tag = "customer-users",
    params(("id" = String, Path, description = "Customer user id"), ("If-Match" = Option<String>, Header, description = "The ETag last read (optional)")),
    security(("backend_token" = ["customer_users:write"])),
    responses((status = 200, description = "Enabled", body = CustomerUserView, headers(("ETag" = String))), WriteProblems)
)]
pub async fn enable(
    State(state): State<CustomerUsersState>,
    admin: Admin<CustomerUsersWrite>,
    Path(id): Path<String>,
    if_match: Option<IfMatch>,
) -> Result<Versioned<CustomerUserView>, ApiError> {
    let current = load(&state, admin.principal(), &id).await?;
    let user = set_enabled(&state, &current, if_match, true).await?;
    Ok(Versioned::ok(user.version, CustomerUserView::of(user)))
}

/// Disables a customer user; the tokens of its applications stop at once.
#[utoipa::path(
    post, path = "/admin/customer-users/{id}/disable", operation_id = "disableCustomerUser", tag = "customer-users",
    params(("id" = String, Path, description = "Customer user id"), ("If-Match" = Option<String>, Header, description = "The ETag last read (optional)")),
    security(("backend_token" = ["customer_users:write"])),
    responses((status = 200, description = "Disabled", body = CustomerUserView, headers(("ETag" = String))), WriteProblems)
)]
pub async fn disable(
    State(state): State<CustomerUsersState>,
    admin: Admin<CustomerUsersWrite>,
    Path(id): Path<String>,
    if_match: Option<IfMatch>,
) -> Result<Versioned<CustomerUserView>, ApiError> {
    let current = load(&state, admin.principal(), &id).await?;
    let user = set_enabled(&state, &current, if_match, false).await?;
    Ok(Versioned::ok(user.version, CustomerUserView::of(user)))
}
