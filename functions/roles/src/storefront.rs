//! `/api/customer-user-roles`: the roles a customer administrator sees and assigns in
//! the storefront, and the customer's own roles it manages, never granting more than
//! it holds.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;
use shared::{
    ApiError,
    directory::{CustomerUserRole, Permission},
    domain::Validation,
    domain::checked,
    domain::{Name, RoleId},
    http::Actor,
    http::Storefront,
    http::access,
    http::{IfMatch, JsonBody, QueryParams, Versioned},
    openapi::{ReadProblems, WriteProblems},
    paging::{Page, PageRequest},
};

use crate::{
    RolesState,
    input::{StorefrontCreateRole, StorefrontUpdateRole, changed, new_role, within},
    remove,
};

async fn actor(
    state: &RolesState,
    storefront: &Storefront,
    needed: Permission,
) -> Result<Actor, ApiError> {
    Actor::with(
        state.customer_users.as_ref(),
        state.roles.as_ref(),
        &storefront.0,
        needed,
    )
    .await
}

/// A role the actor's customer may see; any other is reported as missing.
async fn visible(
    state: &RolesState,
    actor: &Actor,
    id: &str,
) -> Result<CustomerUserRole, ApiError> {
    let id: RoleId = id.parse().map_err(|_| access::not_found("role"))?;
    state
        .roles
        .get_role(id)
        .await?
        .filter(|r| {
            r.organization_id == actor.user.organization_id
                && r.assignable_by(actor.user.customer_id)
        })
        .ok_or_else(|| access::not_found("role"))
}

/// A role of the actor's own customer: system roles are the back office's.
async fn own(state: &RolesState, actor: &Actor, id: &str) -> Result<CustomerUserRole, ApiError> {
    let role = visible(state, actor, id).await?;
    if role.customer_id.is_none() {
        return Err(ApiError::Forbidden(
            "this is a system role, managed in the back office: change a role of your own customer instead".into(),
        ));
    }
    Ok(role)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAssignable {
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// The roles the caller may give the users of its customer: the customer's own and
/// the self-managed system roles, by label.
#[utoipa::path(
    get, path = "/api/customer-user-roles", operation_id = "listOwnCustomerUserRoles", tag = "storefront",
    params(ListAssignable),
    security(("frontend_token" = [])),
    responses((status = 200, description = "One page of roles", body = Page<CustomerUserRole>), ReadProblems)
)]
pub async fn list(
    State(state): State<RolesState>,
    storefront: Storefront,
    QueryParams(q): QueryParams<ListAssignable>,
) -> Result<Json<Page<CustomerUserRole>>, ApiError> {
    let page = PageRequest::try_from((q.limit, q.cursor))?;
    let actor = actor(&state, &storefront, Permission::ViewRoles).await?;
    Ok(Json(
        state
            .roles
            .list_assignable_roles(actor.user.organization_id, actor.user.customer_id, &page)
            .await?,
    ))
}

/// Creates a role of the caller's customer, with at most the caller's permissions.
#[utoipa::path(
    post, path = "/api/customer-user-roles", operation_id = "createOwnCustomerUserRole", tag = "storefront",
    request_body = StorefrontCreateRole,
    security(("frontend_token" = [])),
    responses((status = 201, description = "Created", body = CustomerUserRole, headers(("ETag" = String), ("Location" = String, description = "The new record's path"))), WriteProblems)
)]
pub async fn create(
    State(state): State<RolesState>,
    storefront: Storefront,
    JsonBody(body): JsonBody<StorefrontCreateRole>,
) -> Result<Versioned<CustomerUserRole>, ApiError> {
    let actor = actor(&state, &storefront, Permission::ManageRoles).await?;
    let mut v = Validation::default();
    let label = v.check("label", Name::parse(&body.label));
    v.finish()?;
    within(body.permissions.as_deref(), &actor.permissions)?;
    let role = new_role(
        actor.user.organization_id,
        checked(label)?,
        Some(actor.user.customer_id),
        true,
        false,
        body.permissions.unwrap_or_default().into_iter().collect(),
    );
    state.roles.create_role(&role).await?;
    Ok(Versioned::created(
        format!("/api/customer-user-roles/{}", role.id),
        role.version,
        role,
    ))
}

/// A role the caller may assign.
#[utoipa::path(
    get, path = "/api/customer-user-roles/{id}", operation_id = "getOwnCustomerUserRole", tag = "storefront",
    params(("id" = String, Path, description = "Role id")),
    security(("frontend_token" = [])),
    responses((status = 200, description = "The role", body = CustomerUserRole, headers(("ETag" = String))), ReadProblems)
)]
pub async fn get(
    State(state): State<RolesState>,
    storefront: Storefront,
    Path(id): Path<String>,
) -> Result<Versioned<CustomerUserRole>, ApiError> {
    let actor = actor(&state, &storefront, Permission::ViewRoles).await?;
    let role = visible(&state, &actor, &id).await?;
    Ok(Versioned::ok(role.version, role))
}

/// Changes a role of the caller's customer; its permissions stay within the caller's.
#[utoipa::path(
    patch, path = "/api/customer-user-roles/{id}", operation_id = "updateOwnCustomerUserRole", tag = "storefront",
    params(("id" = String, Path, description = "Role id"), ("If-Match" = String, Header, description = "The ETag last read")),
    request_body = StorefrontUpdateRole,
    security(("frontend_token" = [])),
    responses((status = 200, description = "Updated", body = CustomerUserRole, headers(("ETag" = String))), WriteProblems)
)]
pub async fn update(
    State(state): State<RolesState>,
    storefront: Storefront,
    Path(id): Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<StorefrontUpdateRole>,
) -> Result<Versioned<CustomerUserRole>, ApiError> {
    let actor = actor(&state, &storefront, Permission::ManageRoles).await?;
    let current = own(&state, &actor, &id).await?;
    if_match.check(current.version)?;
    // Its holders may hold more than the caller: narrowing it would demote them.
    if !current.permissions.is_subset(&actor.permissions) {
        return Err(ApiError::Forbidden(
            "this role grants permissions you do not hold: ask an administrator who holds them"
                .into(),
        ));
    }
    within(body.permissions.as_deref(), &actor.permissions)?;
    let role = changed(&current, body.into())?;
    if role.version != current.version {
        state.roles.update_role(&role, &current).await?;
    }
    Ok(Versioned::ok(role.version, role))
}

/// Deletes a role of the caller's customer that no user holds.
#[utoipa::path(
    delete, path = "/api/customer-user-roles/{id}", operation_id = "deleteOwnCustomerUserRole", tag = "storefront",
    params(("id" = String, Path, description = "Role id"), ("If-Match" = String, Header, description = "The ETag last read")),
    security(("frontend_token" = [])),
    responses((status = 204, description = "Deleted"), WriteProblems)
)]
pub async fn delete(
    State(state): State<RolesState>,
    storefront: Storefront,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> Result<StatusCode, ApiError> {
    let actor = actor(&state, &storefront, Permission::ManageRoles).await?;
    let current = own(&state, &actor, &id).await?;
    if_match.check(current.version)?;
    remove(&state, &current).await?;
    Ok(StatusCode::NO_CONTENT)
}
