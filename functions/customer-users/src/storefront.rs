//! `/api/...`: what a customer user does through the storefront with a frontend token.
//! Managing other users takes the matching permissions of the user's roles, and only
//! ever reaches users of the same customer.

use std::collections::BTreeSet;

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;
use shared::{
    ApiError,
    customer_user::{CustomerUser, MAX_ROLES},
    directory::{Permission, accumulated},
    domain::CustomerUserId,
    domain::Validation,
    http::Storefront,
    http::{Actor, access},
    http::{IfMatch, JsonBody, QueryParams, Versioned, search_prefix},
    openapi::{ReadProblems, WriteProblems},
    paging::{Page, PageRequest},
    ports::{CustomerUserQuery, RateDecision},
};

use crate::{
    CustomerUsersState,
    admin::{remove, set_enabled},
    edit::{self, Creator},
    input::{CreateCustomerUser, StorefrontCreate, StorefrontUpdate},
    view::CustomerUserView,
};

/// The token's customer user, if its roles grant `needed`.
async fn actor(
    state: &CustomerUsersState,
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

/// A user of the administrator's own customer; any other is reported as missing.
async fn colleague(
    state: &CustomerUsersState,
    actor: &CustomerUser,
    id: &str,
) -> Result<CustomerUser, ApiError> {
    let id: CustomerUserId = id.parse().map_err(|_| access::not_found("customer user"))?;
    state
        .customer_users
        .get_customer_user(id)
        .await?
        .filter(|u| u.customer_id == actor.customer_id)
        .ok_or_else(|| access::not_found("customer user"))
}

fn not_yourself(actor: &CustomerUser, target: &CustomerUser, what: &str) -> Result<(), ApiError> {
    if actor.id == target.id {
        Err(ApiError::Conflict(format!(
            "you cannot {what} yourself: ask another administrator"
        )))
    } else {
        Ok(())
    }
}

/// A colleague whose roles grant what the actor's do not is out of its reach: changing,
/// disabling or deleting it would let a lesser user take over or demote a greater one.
async fn within_reach(
    state: &CustomerUsersState,
    actor: &Actor,
    target: &CustomerUser,
) -> Result<(), ApiError> {
    if target.id == actor.user.id {
        return Ok(());
    }
    let roles = state.roles.get_roles(&target.role_ids).await?;
    let beyond: Vec<&str> = accumulated(&roles)
        .difference(&actor.permissions)
        .map(|p| p.as_str())
        .collect();
    if beyond.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "this user holds permissions you do not ({}): ask an administrator who holds them",
            beyond.join(", ")
        )))
    }
}

/// Where the roles checked came from, to name the field in an error.
#[derive(Clone, Copy)]
enum RoleField {
    Sent,
    /// None were sent: the website's default role, which the caller did not choose.
    WebsiteDefault,
}

/// Storefront roles must be ones customer administrators may hand out (their
/// customer's own, or self-managed system roles), and grant nothing the actor lacks.
async fn check_assignable(
    state: &CustomerUsersState,
    actor: &Actor,
    role_ids: &[shared::domain::RoleId],
    field: RoleField,
) -> Result<(), ApiError> {
    // Counted before any read: a long list would otherwise cost a read per hundred ids.
    if role_ids.len() > MAX_ROLES {
        return Err(ApiError::field(
            "role_ids",
            format!("at most {MAX_ROLES} roles: combine permissions into fewer roles"),
        ));
    }
    let roles = state.roles.get_roles(role_ids).await?;
    let mut v = Validation::default();
    let (field, not_assignable, beyond) = match field {
        RoleField::Sent => (
            None,
            "is not a role customer administrators may assign",
            "grants permissions you do not hold yourself: ask an administrator who holds them",
        ),
        RoleField::WebsiteDefault => (
            Some("role_ids".to_owned()),
            "the website's default role is not one customer administrators may assign: send role_ids",
            "the website's default role grants permissions you do not hold: send role_ids",
        ),
    };
    let field = |i: usize| field.clone().unwrap_or_else(|| format!("role_ids.{i}"));
    for (i, role_id) in role_ids.iter().enumerate() {
        let Some(role) = roles.iter().find(|r| r.id == *role_id) else {
            continue;
        };
        if !role.assignable_by(actor.user.customer_id) {
            v.add(field(i), not_assignable);
        } else if !role.permissions.is_subset(&actor.permissions) {
            v.add(field(i), beyond);
        }
    }
    Ok(v.finish()?)
}

/// The token's own customer user, with the permissions its roles add up to.
#[utoipa::path(
    get, path = "/api/me", operation_id = "getMe", tag = "storefront",
    security(("frontend_token" = [])),
    responses((status = 200, description = "The customer user the token acts for", body = CustomerUserView, headers(("ETag" = String))), ReadProblems)
)]
pub async fn me(
    State(state): State<CustomerUsersState>,
    storefront: Storefront,
) -> Result<Versioned<CustomerUserView>, ApiError> {
    let actor = Actor::of(
        state.customer_users.as_ref(),
        state.roles.as_ref(),
        &storefront.0,
    )
    .await?;
    let mut view = CustomerUserView::of(actor.user);
    view.permissions = Some(actor.permissions);
    Ok(Versioned::ok(view.version, view))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListColleagues {
    /// Email prefix, case-insensitive.
    #[param(max_length = 255)]
    pub email: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// The users of the administrator's own customer, by email.
#[utoipa::path(
    get, path = "/api/customer-users", operation_id = "listOwnCustomerUsers", tag = "storefront",
    params(ListColleagues),
    security(("frontend_token" = [])),
    responses((status = 200, description = "One page of customer users", body = Page<CustomerUserView>), ReadProblems)
)]
pub async fn list(
    State(state): State<CustomerUsersState>,
    storefront: Storefront,
    QueryParams(q): QueryParams<ListColleagues>,
) -> Result<Json<Page<CustomerUserView>>, ApiError> {
    let page = PageRequest::try_from((q.limit, q.cursor))?;
    let actor = actor(&state, &storefront, Permission::ViewCustomerUsers).await?;
    let query = CustomerUserQuery {
        customer_id: Some(actor.user.customer_id),
        email_prefix: search_prefix("email", q.email)?,
        ..CustomerUserQuery::of_organization(actor.user.organization_id)
    };
    let users = state
        .customer_users
        .list_customer_users(&query, &page)
        .await?;
    Ok(Json(users.map(CustomerUserView::of)))
}

/// Storefront creates allowed per customer and hour: each may send a welcome email, and a
/// customer administrator must not be able to send mail in our name at will.
const CREATES_PER_CUSTOMER_PER_HOUR: usize = 20;

/// Counts a storefront create against the caller's customer; refused (429) over the limit.
async fn limit_creates(state: &CustomerUsersState, caller: &CustomerUser) -> Result<(), ApiError> {
    let decision = state
        .rates
        .attempt(
            &format!("storefront-create#{}", caller.customer_id),
            CREATES_PER_CUSTOMER_PER_HOUR,
            std::time::Duration::from_secs(3600),
            shared::domain::now(),
        )
        .await?;
    match decision {
        RateDecision::Allowed => Ok(()),
        RateDecision::Limited {
            retry_after_seconds,
        } => Err(ApiError::TooManyRequests {
            message: format!(
                "your company created {CREATES_PER_CUSTOMER_PER_HOUR} users in the last hour, the most allowed: wait before creating more"
            ),
            retry_after_seconds,
        }),
    }
}

/// Creates a user of the administrator's own customer, on its website.
///
/// A customer may create at most 20 users an hour through the storefront.
#[utoipa::path(
    post, path = "/api/customer-users", operation_id = "createOwnCustomerUser", tag = "storefront",
    request_body = StorefrontCreate,
    security(("frontend_token" = [])),
    responses(
        (status = 201, description = "Created", body = CustomerUserView, headers(("ETag" = String), ("Location" = String, description = "The new record's path"))),
        (status = 429, description = "The customer created 20 users in the last hour: retry after the Retry-After seconds", body = shared::error::Problem, content_type = "application/problem+json", headers(("Retry-After" = u64))),
        WriteProblems
    )
)]
pub async fn create(
    State(state): State<CustomerUsersState>,
    storefront: Storefront,
    JsonBody(body): JsonBody<StorefrontCreate>,
) -> Result<Versioned<CustomerUserView>, ApiError> {
    let actor = actor(&state, &storefront, Permission::CreateCustomerUsers).await?;
    limit_creates(&state, &actor.user).await?;
    let (role_ids, field) = match body.role_ids {
        Some(ids) => (ids, RoleField::Sent),
        None => (
            state
                .websites
                .get_website(actor.user.website_id)
                .await?
                .and_then(|w| w.default_role_id)
                .into_iter()
                .collect(),
            RoleField::WebsiteDefault,
        ),
    };
    check_assignable(&state, &actor, &role_ids, field).await?;
    let request = CreateCustomerUser {
        enabled: body.enabled,
        confirmed: None,
        name_prefix: body.name_prefix,
        first_name: body.first_name,
        middle_name: body.middle_name,
        last_name: body.last_name,
        name_suffix: body.name_suffix,
        email: body.email,
        birthday: body.birthday,
        phone: body.phone,
        customer_id: Some(actor.user.customer_id),
        customer_name: None,
        parent_customer_id: None,
        sales_representative_ids: None,
        website_id: Some(actor.user.website_id),
        preferred_localization: body.preferred_localization,
        addresses: None,
        role_ids: Some(role_ids),
        password: None,
        generate_password: None,
        send_welcome_email: body.send_welcome_email,
    };
    let view = edit::create(&state, Creator::Storefront(&actor.user), request).await?;
    Ok(Versioned::created(
        format!("/api/customer-users/{}", view.id),
        view.version,
        view,
    ))
}

/// A user of the administrator's own customer.
#[utoipa::path(
    get, path = "/api/customer-users/{id}", operation_id = "getOwnCustomerUser", tag = "storefront",
    params(("id" = String, Path, description = "Customer user id")),
    security(("frontend_token" = [])),
    responses((status = 200, description = "The customer user", body = CustomerUserView, headers(("ETag" = String))), ReadProblems)
)]
pub async fn get(
    State(state): State<CustomerUsersState>,
    storefront: Storefront,
    Path(id): Path<String>,
) -> Result<Versioned<CustomerUserView>, ApiError> {
    let actor = actor(&state, &storefront, Permission::ViewCustomerUsers).await?;
    let user = colleague(&state, &actor.user, &id).await?;
    Ok(Versioned::ok(user.version, CustomerUserView::of(user)))
}

/// Changes a user of the administrator's own customer.
#[utoipa::path(
    patch, path = "/api/customer-users/{id}", operation_id = "updateOwnCustomerUser", tag = "storefront",
    params(("id" = String, Path, description = "Customer user id"), ("If-Match" = String, Header, description = "The ETag last read")),
    request_body = StorefrontUpdate,
    security(("frontend_token" = [])),
    responses((status = 200, description = "Updated", body = CustomerUserView, headers(("ETag" = String))), WriteProblems)
)]
pub async fn update(
    State(state): State<CustomerUsersState>,
    storefront: Storefront,
    Path(id): Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<StorefrontUpdate>,
) -> Result<Versioned<CustomerUserView>, ApiError> {
    let actor = actor(&state, &storefront, Permission::EditCustomerUsers).await?;
    let current = colleague(&state, &actor.user, &id).await?;
    if_match.check(current.version)?;
    if body.enabled == Some(false) {
        not_yourself(&actor.user, &current, "disable")?;
    }
    within_reach(&state, &actor, &current).await?;
    if let Some(role_ids) = &body.role_ids {
        let unchanged = role_ids.iter().collect::<BTreeSet<_>>()
            == current.role_ids.iter().collect::<BTreeSet<_>>();
        if !unchanged {
            not_yourself(&actor.user, &current, "change the roles of")?;
        }
        check_assignable(&state, &actor, role_ids, RoleField::Sent).await?;
    }
    let user = edit::update(&state, &current, body.into()).await?;
    Ok(Versioned::ok(user.version, CustomerUserView::of(user)))
}

/// Disables a user of the administrator's own customer.
#[utoipa::path(
    post, path = "/api/customer-users/{id}/disable", operation_id = "disableOwnCustomerUser", tag = "storefront",
    params(("id" = String, Path, description = "Customer user id"), ("If-Match" = Option<String>, Header, description = "The ETag last read (optional)")),
    security(("frontend_token" = [])),
    responses((status = 200, description = "Disabled", body = CustomerUserView, headers(("ETag" = String))), WriteProblems)
)]
pub async fn disable(
    State(state): State<CustomerUsersState>,
    storefront: Storefront,
    Path(id): Path<String>,
    if_match: Option<IfMatch>,
) -> Result<Versioned<CustomerUserView>, ApiError> {
    let actor = actor(&state, &storefront, Permission::EditCustomerUsers).await?;
    let current = colleague(&state, &actor.user, &id).await?;
    not_yourself(&actor.user, &current, "disable")?;
    within_reach(&state, &actor, &current).await?;
    let user = set_enabled(&state, &current, if_match, false).await?;
    Ok(Versioned::ok(user.version, CustomerUserView::of(user)))
}

/// Deletes a user of the administrator's own customer.
#[utoipa::path(
    delete, path = "/api/customer-users/{id}", operation_id = "deleteOwnCustomerUser", tag = "storefront",
    params(("id" = String, Path, description = "Customer user id"), ("If-Match" = String, Header, description = "The ETag last read")),
    security(("frontend_token" = [])),
    responses((status = 204, description = "Deleted"), WriteProblems)
)]
pub async fn delete(
    State(state): State<CustomerUsersState>,
    storefront: Storefront,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> Result<StatusCode, ApiError> {
    let actor = actor(&state, &storefront, Permission::DeleteCustomerUsers).await?;
    let current = colleague(&state, &actor.user, &id).await?;
    not_yourself(&actor.user, &current, "delete")?;
    within_reach(&state, &actor, &current).await?;
    if_match.check(current.version)?;
    remove(&state, &current).await?;
    Ok(StatusCode::NO_CONTENT)
}
