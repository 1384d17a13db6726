use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;
use shared::{
    ApiError,
    application::{self, Application, Owner},
    auth::{ClientSecret, Scope},
    credentials::{ClientType, MAX_REDIRECT_URIS, RedirectUri},
    customer_user::CustomerUser,
    directory::{Organization, User},
    domain::Validation,
    domain::checked,
    domain::{CustomerUserId, Name, OrganizationId, UserId, now},
    http::access,
    http::{
        Admin, AdminPrincipal,
        scopes::{OauthAppsRead, OauthAppsWrite},
    },
    http::{IfMatch, JsonBody, Versioned, present},
    mail::Template,
    openapi::{ReadProblems, WriteProblems},
    ports::StoreError,
};

use crate::{
    OauthAppsState,
    secret::{WithSecret, new_application, pepper},
    view::{ApplicationView, TokenIssuance},
};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApplication {
    /// Defaults to the owner's organization; another needs global access.
    pub organization_id: Option<OrganizationId>,
    /// Unique per owner and organization.
    pub name: String,
    /// Default true.
    pub active: Option<bool>,
    /// Backend applications only: scopes its tokens may hold, each held by the caller.
    pub scopes: Option<Vec<Scope>>,
    /// `confidential` (default: a client secret is issued) or `public` (no secret:
    /// people sign in through it with the authorization code grant and PKCE). Fixed
    /// at creation.
    pub client_type: Option<ClientType>,
    /// Exact redirect URIs for the authorization code grant (at most 5): `https`, or
    /// `http` on a loopback host; no wildcards, no fragments. A public client needs one.
    pub redirect_uris: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateApplication {
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    /// Deactivating ends every token issued so far; re-activating does not revive them.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub scopes: Option<Vec<Scope>>,
    /// Replaces the redirect URIs (a public client keeps at least one).
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub redirect_uris: Option<Vec<String>>,
}

/// Parses redirect URIs: each exact and safe, distinct, at most a handful, and one at
/// least for a public client (nobody could sign in through it otherwise).
fn check_redirect_uris(
    v: &mut Validation,
    raw: &[String],
    client_type: ClientType,
) -> Vec<RedirectUri> {
    let mut uris: Vec<RedirectUri> = Vec::new();
    for (i, uri) in raw.iter().enumerate() {
        match RedirectUri::parse(uri) {
            Ok(uri) if uris.contains(&uri) => {
                v.add(format!("redirect_uris.{i}"), "is listed twice")
            }
            Ok(uri) => uris.push(uri),
            Err(message) => v.add(format!("redirect_uris.{i}"), message),
        }
    }
    if raw.len() > MAX_REDIRECT_URIS {
        v.add(
            "redirect_uris",
            format!("at most {MAX_REDIRECT_URIS} redirect URIs"),
        );
    }
    if client_type == ClientType::Public && raw.is_empty() {
        v.add(
            "redirect_uris",
            "a public client needs at least one redirect URI",
        );
    }
    uris
}

async fn organization(
    state: &OauthAppsState,
    admin: &AdminPrincipal,
    v: &mut Validation,
    owner_organization: OrganizationId,
    requested: Option<OrganizationId>,
) -> Result<Option<Organization>, ApiError> {
    let organization_id = requested.unwrap_or(owner_organization);
    if organization_id != owner_organization
        && !access::has_global_access(state.organizations.as_ref(), admin).await?
    {
        return Err(ApiError::Forbidden(
            "only an administrator whose organization has global access may place an application in another organization".into(),
        ));
    }
    let organization = state
        .organizations
        .get_organization(organization_id)
        .await?;
    if organization.is_none() {
        v.add("organization_id", "no organization has this id");
    }
    shared::http::audit::concerns(organization_id);
    Ok(organization)
}

/// The owner of an application being created, as the two create routes load it.
struct NewOwner {
    owner: Owner,
    organization_id: OrganizationId,
    enabled: bool,
    application_count: u64,
    /// What the owner is called in a 404.
    what: &'static str,
}

/// Validates and stores a new application; the notification is the caller's.
async fn create(
    state: &OauthAppsState,
    admin: &AdminPrincipal,
    owner: NewOwner,
    body: CreateApplication,
) -> Result<(Application, Option<ClientSecret>, String), ApiError> {
    let mut v = Validation::default();
    let name = v.check("name", Name::parse(&body.name));
    let scopes = body.scopes.unwrap_or_default();
    if matches!(owner.owner, Owner::Frontend { .. }) && !scopes.is_empty() {
        v.add(
            "scopes",
            "frontend applications have no scopes: the customer user's roles decide",
        );
    }
    admin.check_grantable(&mut v, &scopes);
    let client_type = body.client_type.unwrap_or_default();
    let redirect_uris = check_redirect_uris(
        &mut v,
        body.redirect_uris.as_deref().unwrap_or_default(),
        client_type,
    );
    let organization = organization(
        state,
        admin,
        &mut v,
        owner.organization_id,
        body.organization_id,
    )
    .await?;
    v.finish()?;
    if !application::has_room_for_another(owner.application_count) {
        return Err(StoreError::TooManyApplications.into());
    }
    let organization = checked(organization)?;
    let (mut application, secret) = new_application(
        &pepper(state).await?,
        owner.owner,
        organization.id,
        checked(name)?,
        body.active.unwrap_or(true),
        scopes,
        client_type,
    );
    application.redirect_uris = redirect_uris;
    application.owner_enabled = owner.enabled;
    match state.applications.create_application(&application).await {
        Err(StoreError::NotFound) => return Err(access::not_found(owner.what)),
        other => other?,
    }
    Ok((application, secret, organization.name.as_str().to_owned()))
}

fn added_values<'a>(
    application: &'a Application,
    organization_name: &'a str,
    client_id: &'a str,
) -> [(&'a str, &'a str); 3] {
    [
        ("application_name", application.name.as_str()),
        ("organization_name", organization_name),
        ("client_id", client_id),
    ]
}

/// Adds a frontend application to a customer user; the secret is in this answer only.
#[utoipa::path(
    post, path = "/admin/customer-users/{id}/oauth-applications", operation_id = "createCustomerUserOAuthApplication", tag = "oauth-applications",
    params(("id" = String, Path, description = "Customer user id")),
    request_body = CreateApplication,
    security(("backend_token" = ["oauth_apps:write"])),
    responses((status = 201, description = "Created, with `client_secret`, and `token_issuance` saying whether tokens can be issued yet", body = ApplicationView, headers(("ETag" = String), ("Location" = String, description = "The new record's path"), ("Cache-Control" = String, description = "no-store: the secret is shown once"))), WriteProblems)
)]
pub async fn create_for_customer_user(
    State(state): State<OauthAppsState>,
    admin: Admin<OauthAppsWrite>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CreateApplication>,
) -> Result<WithSecret, ApiError> {
    let owner = customer_user(&state, admin.principal(), &id).await?;
    let new_owner = NewOwner {
        owner: Owner::Frontend {
            customer_user_id: owner.id,
        },
        organization_id: owner.organization_id,
        enabled: owner.enabled,
        application_count: owner.application_count,
        what: "customer user",
    };
    // Read before the create: a failure after it would lose the secret's only showing.
    let website = state.websites.get_website(owner.website_id).await?;
    let (application, secret, organization_name) =
        create(&state, admin.principal(), new_owner, body).await?;
    if let Some(website) = website {
        let client_id = application.client_id();
        let values = added_values(&application, &organization_name, &client_id);
        state
            .notifier
            .send(&owner, &website, Template::OauthApplicationAdded, &values)
            .await;
    }
    let issuance = TokenIssuance::now(&state.verifier).await;
    Ok(WithSecret::created(application, secret.as_ref(), issuance))
}

/// Adds a backend application to a back-office user; the secret is in this answer only.
#[utoipa::path(
    post, path = "/admin/users/{id}/oauth-applications", operation_id = "createUserOAuthApplication", tag = "oauth-applications",
    params(("id" = String, Path, description = "Back-office user id")),
    request_body = CreateApplication,
    security(("backend_token" = ["oauth_apps:write"])),
    responses((status = 201, description = "Created, with `client_secret`, and `token_issuance` saying whether tokens can be issued yet", body = ApplicationView, headers(("ETag" = String), ("Location" = String, description = "The new record's path"), ("Cache-Control" = String, description = "no-store: the secret is shown once"))), WriteProblems)
)]
pub async fn create_for_user(
    State(state): State<OauthAppsState>,
    admin: Admin<OauthAppsWrite>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CreateApplication>,
) -> Result<WithSecret, ApiError> {
    let owner = user(&state, admin.principal(), &id).await?;
    let new_owner = NewOwner {
        owner: Owner::Backend { user_id: owner.id },
        organization_id: owner.organization_id,
        enabled: owner.enabled,
        application_count: owner.application_count,
        what: "user",
    };
    let (application, secret, organization_name) =
        create(&state, admin.principal(), new_owner, body).await?;
    let client_id = application.client_id();
    let values = added_values(&application, &organization_name, &client_id);
    state
        .notifier
        .send_to_user(&owner, Template::OauthApplicationAdded, &values)
        .await;
    let issuance = TokenIssuance::now(&state.verifier).await;
    Ok(WithSecret::created(application, secret.as_ref(), issuance))
}

/// The customer user an administrator names, if the administrator may see it.
pub(crate) async fn customer_user(
    state: &OauthAppsState,
    admin: &AdminPrincipal,
    id: &str,
) -> Result<CustomerUser, ApiError> {
    let customer_users = state.customer_users.as_ref();
    access::load(
        state.organizations.as_ref(),
        admin,
        id,
        "customer user",
        |id: CustomerUserId| customer_users.get_customer_user(id),
        |u| u.organization_id,
    )
    .await
}

/// The back-office user an administrator names, if the administrator may see it.
pub(crate) async fn user(
    state: &OauthAppsState,
    admin: &AdminPrincipal,
    id: &str,
) -> Result<User, ApiError> {
    access::load(
        state.organizations.as_ref(),
        admin,
        id,
        "user",
        |id: UserId| state.users.get_user(id),
        |u| u.organization_id,
    )
    .await
}

async fn load(
    state: &OauthAppsState,
    admin: &AdminPrincipal,
    id: &str,
) -> Result<Application, ApiError> {
    let applications = state.applications.as_ref();
    access::load(
        state.organizations.as_ref(),
        admin,
        id,
        "application",
        |id| applications.get_application(id),
        |a| a.organization_id,
    )
    .await
}

/// Reads one application (never its secret).
#[utoipa::path(
    get, path = "/admin/oauth-applications/{id}", operation_id = "getOAuthApplication", tag = "oauth-applications",
    params(("id" = String, Path, description = "Application id")),
    security(("backend_token" = ["oauth_apps:read"])),
    responses((status = 200, description = "The application", body = ApplicationView, headers(("ETag" = String))), ReadProblems)
)]
pub async fn get(
    State(state): State<OauthAppsState>,
    admin: Admin<OauthAppsRead>,
    Path(id): Path<String>,
) -> Result<Versioned<ApplicationView>, ApiError> {
    let application = load(&state, admin.principal(), &id).await?;
    Ok(Versioned::ok(
        application.version,
        ApplicationView::one(application, &state).await,
    ))
}

/// Renames, (de)activates or rescopes an application.
#[utoipa::path(
    patch, path = "/admin/oauth-applications/{id}", operation_id = "updateOAuthApplication", tag = "oauth-applications",
    params(("id" = String, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag last read")),
    request_body = UpdateApplication,
    security(("backend_token" = ["oauth_apps:write"])),
    responses((status = 200, description = "Updated", body = ApplicationView, headers(("ETag" = String))), WriteProblems)
)]
pub async fn update(
    State(state): State<OauthAppsState>,
    admin: Admin<OauthAppsWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<UpdateApplication>,
) -> Result<Versioned<ApplicationView>, ApiError> {
    let current = load(&state, admin.principal(), &id).await?;
    if_match.check(current.version)?;
    let mut v = Validation::default();
    let mut application = current.clone();
    let at = now();
    if let Some(name) = body
        .name
        .as_deref()
        .and_then(|n| v.check("name", Name::parse(n)))
    {
        application.name = name;
    }
    if let Some(scopes) = body.scopes {
        if matches!(application.owner, Owner::Frontend { .. }) && !scopes.is_empty() {
            v.add(
                "scopes",
                "frontend applications have no scopes: the customer user's roles decide",
            );
        }
        admin.principal().check_grantable(&mut v, &scopes);
        application.scopes = scopes;
    }
    if let Some(raw) = body.redirect_uris.as_deref() {
        application.redirect_uris = check_redirect_uris(&mut v, raw, application.client_type);
    }
    if let Some(active) = body.active {
        application.set_active(active, at);
    }
    v.finish()?;
    if application == current {
        let view = ApplicationView::one(current, &state).await;
        return Ok(Versioned::ok(view.version, view));
    }
    application.updated_at = at;
    application.version = current.version + 1;
    state
        .applications
        .replace_application(&application, &current)
        .await?;
    Ok(Versioned::ok(
        application.version,
        ApplicationView::one(application, &state).await,
    ))
}

/// Deletes an application; its tokens stop working at once.
#[utoipa::path(
    delete, path = "/admin/oauth-applications/{id}", operation_id = "deleteOAuthApplication", tag = "oauth-applications",
    params(("id" = String, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag last read")),
    security(("backend_token" = ["oauth_apps:write"])),
    responses((status = 204, description = "Deleted"), WriteProblems)
)]
pub async fn delete(
    State(state): State<OauthAppsState>,
    admin: Admin<OauthAppsWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> Result<StatusCode, ApiError> {
    let current = load(&state, admin.principal(), &id).await?;
    if_match.check(current.version)?;
    if current.client_id() == admin.principal().client_id {
        return Err(ApiError::Conflict(
            "you cannot delete the application your token comes from".into(),
        ));
    }
    state.applications.delete_application(&current).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Issues a new client secret; the previous one keeps working for the grace period so
/// clients can switch without downtime.
#[utoipa::path(
    post, path = "/admin/oauth-applications/{id}/rotate-secret", operation_id = "rotateOAuthApplicationSecret", tag = "oauth-applications",
    params(("id" = String, Path, description = "Application id"), ("If-Match" = Option<String>, Header, description = "The ETag last read (optional)")),
    security(("backend_token" = ["oauth_apps:write"])),
    responses((status = 200, description = "The new `client_secret` and when the old one stops", body = ApplicationView, headers(("ETag" = String), ("Cache-Control" = String, description = "no-store: the secret is shown once"))), WriteProblems)
)]
pub async fn rotate_secret(
    State(state): State<OauthAppsState>,
    admin: Admin<OauthAppsWrite>,
    Path(id): Path<String>,
    if_match: Option<IfMatch>,
) -> Result<WithSecret, ApiError> {
    let current = load(&state, admin.principal(), &id).await?;
    if let Some(if_match) = if_match {
        if_match.check(current.version)?;
    }
    if current.client_type == ClientType::Public {
        return Err(ApiError::Conflict(
            "a public client has no secret to rotate".into(),
        ));
    }
    // The new secret is the application's rights in the caller's hands.
    let beyond: Vec<&str> = current
        .scopes
        .iter()
        .filter(|scope| !admin.principal().scopes.contains(scope))
        .map(|scope| scope.as_str())
        .collect();
    if !beyond.is_empty() {
        return Err(ApiError::Forbidden(format!(
            "this application holds scopes your token does not ({}): rotate its secret with a token that holds them",
            beyond.join(", ")
        )));
    }
    let secret = ClientSecret::generate();
    let at = now();
    let grace = time::Duration::try_from(state.rotation_grace).unwrap_or(time::Duration::ZERO);
    let mut application = current.clone();
    application.rotate_secret(secret.keyed_hash(&pepper(&state).await?), grace, at);
    application.updated_at = at;
    application.version = current.version + 1;
    state
        .applications
        .replace_application(&application, &current)
        .await?;
    let issuance = TokenIssuance::now(&state.verifier).await;
    Ok(WithSecret::rotated(application, &secret, issuance))
}
