//! `/admin/customer-user-roles` and `PUT /admin/customer-users/{id}/roles`: roles and
//! their assignment, for back-office administrators.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use shared::{
    ApiError,
    customer_user::CustomerUser,
    directory::CustomerUserRole,
    domain::Validation,
    domain::checked,
    domain::{CustomerId, CustomerUserId, Name, RoleId, now},
    http::access,
    http::{
        Admin, AdminPrincipal,
        scopes::{RolesRead, RolesWrite},
    },
    http::{IfMatch, JsonBody, QueryParams, Versioned, search_prefix},
    openapi::{ReadProblems, WriteProblems},
    paging::{Page, PageRequest},
    ports::RoleFilter,
    rules::check_roles,
};

use crate::{
    RolesState,
    input::{AssignRoles, CreateRole, UpdateRole, changed, new_role},
    remove,
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListRoles {
    /// Defaults to the caller's organization.
    pub organization_id: Option<String>,
    /// Only this customer's own roles.
    pub customer_id: Option<String>,
    /// Only roles whose label starts with this (case-insensitive).
    #[param(max_length = 255)]
    pub label: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// The roles of an organization, by label: system roles (no customer) and roles of
/// single customers; or only one customer's own roles (none for a customer of another
/// organization).
#[utoipa::path(
    get, path = "/admin/customer-user-roles", operation_id = "listCustomerUserRoles", tag = "roles",
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
    let organization_id = access::organization_for_read(
        state.organizations.as_ref(),
        admin.principal(),
        q.organization_id.as_deref(),
    )
    .await?;
    let customer_id = q
        .customer_id
        .as_deref()
        .map(|raw| raw.parse::<CustomerId>())
        .transpose()
        .map_err(|e| ApiError::field("customer_id", e.0))?;
    let filter = RoleFilter {
        organization_id,
        customer_id,
        label_prefix: search_prefix("label", q.label)?,
    };
    Ok(Json(state.roles.list_roles(&filter, &page).await?))
}

/// Creates a role: a system role, or one of a single customer.
#[utoipa::path(
    post, path = "/admin/customer-user-roles", operation_id = "createCustomerUserRole", tag = "roles",
    request_body = CreateRole,
    security(("backend_token" = ["roles:write"])),
    responses((status = 201, description = "Created", body = CustomerUserRole, headers(("ETag" = String), ("Location" = String, description = "The new record's path"))), WriteProblems)
)]
pub async fn create(
    State(state): State<RolesState>,
    admin: Admin<RolesWrite>,
    JsonBody(body): JsonBody<CreateRole>,
) -> Result<Versioned<CustomerUserRole>, ApiError> {
    let mut v = Validation::default();
    let organization_id = access::organization_for_write(
        state.organizations.as_ref(),
        admin.principal(),
        &mut v,
        body.organization_id,
    )
    .await?;
    let label = v.check("label", Name::parse(&body.label));
    if let Some(customer_id) = body.customer_id {
        match state.customers.get_customer(customer_id).await? {
            None => v.add("customer_id", "no customer has this id"),
            Some(c) if c.organization_id != organization_id => v.add(
                "customer_id",
                "must be a customer of the role's organization",
            ),
            Some(_) => {}
        }
    }
    v.finish()?;
    let role = new_role(
        organization_id,
        checked(label)?,
        body.customer_id,
        body.self_managed.unwrap_or(false),
        body.public.unwrap_or(false),
        body.permissions.unwrap_or_default().into_iter().collect(),
    );
    state.roles.create_role(&role).await?;
    Ok(Versioned::created(
        format!("/admin/customer-user-roles/{}", role.id),
        role.version,
        role,
    ))
}

async fn load(
    state: &RolesState,
    admin: &AdminPrincipal,
    id: &str,
) -> Result<CustomerUserRole, ApiError> {
    access::load(
        state.organizations.as_ref(),
        admin,
        id,
        "role",
        |id| state.roles.get_role(id),
        |r| r.organization_id,
    )
    .await
}

/// Reads one role; its version is the `ETag`.
#[utoipa::path(
    get, path = "/admin/customer-user-roles/{id}", operation_id = "getCustomerUserRole", tag = "roles",
    params(("id" = String, Path, description = "Role id")),
    security(("backend_token" = ["roles:read"])),
    responses((status = 200, description = "The role", body = CustomerUserRole, headers(("ETag" = String))), ReadProblems)
)]
pub async fn get(
    State(state): State<RolesState>,
    admin: Admin<RolesRead>,
    Path(id): Path<String>,
) -> Result<Versioned<CustomerUserRole>, ApiError> {
    let role = load(&state, admin.principal(), &id).await?;
    Ok(Versioned::ok(role.version, role))
}

/// Changes a role's label, flags or permissions; its holders gain or lose the
/// permissions with their next request.
#[utoipa::path(
    patch, path = "/admin/customer-user-roles/{id}", operation_id = "updateCustomerUserRole", tag = "roles",
    params(("id" = String, Path, description = "Role id"), ("If-Match" = String, Header, description = "The ETag last read")),
    request_body = UpdateRole,
    security(("backend_token" = ["roles:write"])),
    responses((status = 200, description = "Updated", body = CustomerUserRole, headers(("ETag" = String))), WriteProblems)
)]
pub async fn update(
    State(state): State<RolesState>,
    admin: Admin<RolesWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<UpdateRole>,
) -> Result<Versioned<CustomerUserRole>, ApiError> {
    let current = load(&state, admin.principal(), &id).await?;
    if_match.check(current.version)?;
    let role = changed(&current, body)?;
    if role.version != current.version {
        state.roles.update_role(&role, &current).await?;
    }
    Ok(Versioned::ok(role.version, role))
}

/// Deletes a role that no customer user holds and no website gives by default.
#[utoipa::path(
    delete, path = "/admin/customer-user-roles/{id}", operation_id = "deleteCustomerUserRole", tag = "roles",
    params(("id" = String, Path, description = "Role id"), ("If-Match" = String, Header, description = "The ETag last read")),
    security(("backend_token" = ["roles:write"])),
    responses((status = 204, description = "Deleted"), WriteProblems)
)]
pub async fn delete(
    State(state): State<RolesState>,
    admin: Admin<RolesWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> Result<StatusCode, ApiError> {
    let current = load(&state, admin.principal(), &id).await?;
    if_match.check(current.version)?;
    remove(&state, &current).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The roles a customer user holds after an assignment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoleAssignment {
    pub customer_user_id: CustomerUserId,
    pub role_ids: Vec<RoleId>,
    /// The customer user's new version (also its `ETag`).
    pub version: u64,
}

/// Replaces the roles of a customer user. Takes the user's `ETag` (from
/// `GET /admin/customer-users/{id}`) as `If-Match`.
#[utoipa::path(
    put, path = "/admin/customer-users/{id}/roles", operation_id = "assignCustomerUserRoles", tag = "roles",
    params(("id" = String, Path, description = "Customer user id"), ("If-Match" = String, Header, description = "The customer user's ETag last read")),
    request_body = AssignRoles,
    security(("backend_token" = ["roles:write"])),
    responses((status = 200, description = "Assigned", body = RoleAssignment, headers(("ETag" = String))), WriteProblems)
)]
pub async fn assign(
    State(state): State<RolesState>,
    admin: Admin<RolesWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<AssignRoles>,
) -> Result<Versioned<RoleAssignment>, ApiError> {
    let users = state.customer_users.as_ref();
    let current: CustomerUser = access::load(
        state.organizations.as_ref(),
        admin.principal(),
        &id,
        "customer user",
        |id| users.get_customer_user(id),
        |u| u.organization_id,
    )
    .await?;
    if_match.check(current.version)?;
    let mut role_ids = Vec::with_capacity(body.role_ids.len());
    for id in body.role_ids {
        if !role_ids.contains(&id) {
            role_ids.push(id);
        }
    }
    let mut user = current.clone();
    user.role_ids = role_ids;
    let mut v = Validation::default();
    check_roles(state.roles.as_ref(), &mut v, &user).await?;
    v.finish()?;
    user.updated_at = now();
    user.version = current.version + 1;
    users
        .update_customer_user(&user, &current, &[], false)
        .await?;
    Ok(Versioned::ok(
        user.version,
        RoleAssignment {
            customer_user_id: user.id,
            role_ids: user.role_ids,
            version: user.version,
        },
    ))
}
