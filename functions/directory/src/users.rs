use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;
use shared::{
    ApiError,
    application::{Application, Owner},
    auth::Scope,
    customer_user::Notification,
    directory::User,
    domain::Validation,
    domain::checked,
    domain::{Email, Name, OrganizationId, UserId, now},
    http::{
        Admin, AdminPrincipal,
        scopes::{DirectoryRead, DirectoryWrite},
    },
    http::{IfMatch, JsonBody, QueryParams, Versioned, present, search_prefix},
    openapi::{ReadProblems, WriteProblems},
    paging::{Page, PageRequest},
    rules::applications_following_owner,
};

use shared::http::access;

use crate::DirectoryState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// Defaults to the caller's organization.
    pub organization_id: Option<OrganizationId>,
    pub first_name: String,
    pub last_name: String,
    /// Unique among back-office users, case-insensitively.
    pub email: String,
    /// Default true.
    pub enabled: Option<bool>,
    /// What the user's sign-in sessions may hold; each held by the caller's token.
    /// Default none.
    pub scopes: Option<Vec<Scope>>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub email: Option<String>,
    /// Disabling stops every token of the user's applications and sign-in sessions
    /// at once.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub enabled: Option<bool>,
    /// Replaces the scopes of the user's sign-in sessions; each held by the caller's
    /// token. Taking one takes it from live sessions at their next request.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub scopes: Option<Vec<Scope>>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListUsers {
    /// Defaults to the caller's organization.
    pub organization_id: Option<String>,
    /// Only users whose email starts with this (case-insensitive).
    #[param(max_length = 255)]
    pub email: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// Lists the back-office users of one organization by email.
#[utoipa::path(
    get, path = "/admin/users", operation_id = "listUsers", tag = "users",
    params(ListUsers),
    security(("backend_token" = ["directory:read"])),
    responses((status = 200, description = "One page of users", body = Page<User>), ReadProblems)
)]
pub async fn list(
    State(state): State<DirectoryState>,
    admin: Admin<DirectoryRead>,
    QueryParams(query): QueryParams<ListUsers>,
) -> Result<Json<Page<User>>, ApiError> {
    let page = PageRequest::try_from((query.limit, query.cursor))?;
    let email = search_prefix("email", query.email)?;
    let organization_id = access::organization_for_read(
        state.organizations.as_ref(),
        admin.principal(),
        query.organization_id.as_deref(),
    )
    .await?;
    Ok(Json(
        state
            .users
            .list_users(organization_id, email.as_deref(), &page)
            .await?,
    ))
}

/// Creates a back-office user.
#[utoipa::path(
    post, path = "/admin/users", operation_id = "createUser", tag = "users",
    request_body = CreateUser,
    security(("backend_token" = ["directory:write"])),
    responses((status = 201, description = "Created", body = User, headers(("ETag" = String), ("Location" = String, description = "The new record's path"))), WriteProblems)
)]
pub async fn create(
    State(state): State<DirectoryState>,
    admin: Admin<DirectoryWrite>,
    JsonBody(body): JsonBody<CreateUser>,
) -> Result<Versioned<User>, ApiError> {
    let mut v = Validation::default();
    let organization_id = access::organization_for_write(
        state.organizations.as_ref(),
        admin.principal(),
        &mut v,
        body.organization_id,
    )
    .await?;
    let first_name = v.check("first_name", Name::parse(&body.first_name));
    let last_name = v.check("last_name", Name::parse(&body.last_name));
    let email = v.check("email", Email::parse(&body.email));
    let scopes = body.scopes.unwrap_or_default();
    admin.principal().check_grantable(&mut v, &scopes);
    v.finish()?;
    let at = now();
    let user = User {
        id: UserId::generate(),
        organization_id,
        first_name: checked(first_name)?,
        last_name: checked(last_name)?,
        email: checked(email)?,
        enabled: body.enabled.unwrap_or(true),
        scopes,
        application_count: 0,
        sessions_valid_after: None,
        created_at: at,
        updated_at: at,
        version: 1,
    };
    state.users.create_user(&user).await?;
    Ok(Versioned::created(
        format!("/admin/users/{}", user.id),
        user.version,
        user,
    ))
}

async fn load(state: &DirectoryState, admin: &AdminPrincipal, id: &str) -> Result<User, ApiError> {
    access::load(
        state.organizations.as_ref(),
        admin,
        id,
        "user",
        |id| state.users.get_user(id),
        |u| u.organization_id,
    )
    .await
}

async fn applications_of(
    state: &DirectoryState,
    user: &User,
) -> Result<Vec<Application>, ApiError> {
    Ok(state
        .applications
        .applications_of_owner(Owner::Backend { user_id: user.id })
        .await?)
}

/// A back-office user with the emails sent to it, newest first.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct UserView {
    #[serde(flatten)]
    pub user: User,
    pub notifications: Vec<Notification>,
}

/// Reads one back-office user and its recent emails; its version is the `ETag`.
#[utoipa::path(
    get, path = "/admin/users/{id}", operation_id = "getUser", tag = "users",
    params(("id" = String, Path, description = "User id")),
    security(("backend_token" = ["directory:read"])),
    responses((status = 200, description = "The user", body = UserView, headers(("ETag" = String))), ReadProblems)
)]
pub async fn get(
    State(state): State<DirectoryState>,
    admin: Admin<DirectoryRead>,
    Path(id): Path<String>,
) -> Result<Versioned<UserView>, ApiError> {
    let user = load(&state, admin.principal(), &id).await?;
    let notifications = state.users.recent_user_notifications(user.id, 20).await?;
    Ok(Versioned::ok(
        user.version,
        UserView {
            user,
            notifications,
        },
    ))
}

/// Changes a back-office user. Disabling one stops its applications' tokens at once.
#[utoipa::path(
    patch, path = "/admin/users/{id}", operation_id = "updateUser", tag = "users",
    params(("id" = String, Path, description = "User id"), ("If-Match" = String, Header, description = "The ETag last read")),
    request_body = UpdateUser,
    security(("backend_token" = ["directory:write"])),
    responses((status = 200, description = "Updated", body = User, headers(("ETag" = String))), WriteProblems)
)]
pub async fn update(
    State(state): State<DirectoryState>,
    admin: Admin<DirectoryWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<UpdateUser>,
) -> Result<Versioned<User>, ApiError> {
    let current = load(&state, admin.principal(), &id).await?;
    if_match.check(current.version)?;
    let mut v = Validation::default();
    let mut user = current.clone();
    if let Some(name) = body
        .first_name
        .as_deref()
        .and_then(|n| v.check("first_name", Name::parse(n)))
    {
        user.first_name = name;
    }
    if let Some(name) = body
        .last_name
        .as_deref()
        .and_then(|n| v.check("last_name", Name::parse(n)))
    {
        user.last_name = name;
    }
    if let Some(email) = body
        .email
        .as_deref()
        .and_then(|e| v.check("email", Email::parse(e)))
    {
        user.email = email;
    }
    if let Some(enabled) = body.enabled {
        if !enabled && user.id == admin.principal().user_id {
            v.add(
                "enabled",
                "you cannot disable yourself: ask another administrator",
            );
        }
        user.enabled = enabled;
    }
    if current.enabled && !user.enabled {
        // Re-enabling revives no sign-in session.
        user.sessions_valid_after = Some(now());
    }
    if let Some(scopes) = body.scopes {
        admin.principal().check_grantable(&mut v, &scopes);
        user.scopes = scopes;
    }
    v.finish()?;
    if user == current {
        return Ok(Versioned::ok(current.version, current));
    }
    let at = now();
    user.updated_at = at;
    user.version = current.version + 1;
    let owner = Owner::Backend { user_id: user.id };
    let following = applications_following_owner(
        state.applications.as_ref(),
        owner,
        current.enabled,
        user.enabled,
        at,
    )
    .await?;
    let applications = match following {
        Some(applications) => {
            // The write holds only if these are all there are (the index may lag).
            user.application_count = applications.len() as u64;
            applications
        }
        None => Vec::new(),
    };
    state
        .users
        .update_user(&user, &current, &applications)
        .await?;
    Ok(Versioned::ok(user.version, user))
}

/// Deletes a back-office user and its applications; their tokens stop at once.
#[utoipa::path(
    delete, path = "/admin/users/{id}", operation_id = "deleteUser", tag = "users",
    params(("id" = String, Path, description = "User id"), ("If-Match" = String, Header, description = "The ETag last read")),
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
    if current.id == admin.principal().user_id {
        return Err(ApiError::Conflict(
            "you cannot delete yourself: ask another administrator".into(),
        ));
    }
    let applications = applications_of(&state, &current).await?;
    state.users.delete_user(&current, &applications).await?;
    Ok(StatusCode::NO_CONTENT)
}
