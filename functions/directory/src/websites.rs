use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;
use shared::{
    ApiError,
    directory::Website,
    domain::Validation,
    domain::checked,
    domain::{Localization, Name, OrganizationId, RoleId, WebUrl, WebsiteId, now},
    http::{
        Admin, AdminPrincipal,
        scopes::{DirectoryRead, DirectoryWrite},
    },
    http::{IfMatch, JsonBody, QueryParams, Versioned, nullable, present, search_prefix},
    openapi::{ReadProblems, WriteProblems},
    paging::{Page, PageRequest},
};

use shared::http::access;

use crate::DirectoryState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebsite {
    /// Defaults to the caller's organization.
    pub organization_id: Option<OrganizationId>,
    pub name: String,
    /// Absolute http(s) URL; links in emails are built from it.
    pub url: String,
    /// Enabled localizations such as `en_US` (default `["en_US"]`).
    pub localizations: Option<Vec<String>>,
    /// A system role of the organization, given to users who register here.
    pub default_role_id: Option<RoleId>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebsite {
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub localizations: Option<Vec<String>>,
    /// `null` removes the default role.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<RoleId>)]
    pub default_role_id: Option<Option<RoleId>>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListWebsites {
    /// Defaults to the caller's organization.
    pub organization_id: Option<String>,
    /// Only websites whose name starts with this (case-insensitive).
    #[param(max_length = 255)]
    pub name: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

fn parse_localizations(v: &mut Validation, raw: &[String]) -> Option<Vec<Localization>> {
    if raw.is_empty() {
        v.add(
            "localizations",
            "must name at least one localization, such as en_US",
        );
        return None;
    }
    let mut parsed = Vec::new();
    for (i, code) in raw.iter().enumerate() {
        if let Some(l) = v.check(&format!("localizations.{i}"), Localization::parse(code))
            && !parsed.contains(&l)
        {
            parsed.push(l);
        }
    }
    Some(parsed)
}

async fn check_default_role(
    state: &DirectoryState,
    v: &mut Validation,
    organization_id: OrganizationId,
    role_id: RoleId,
) -> Result<(), ApiError> {
    match state.roles.get_role(role_id).await? {
        Some(role) if role.organization_id == organization_id && role.customer_id.is_none() => {}
        _ => v.add(
            "default_role_id",
            "must be a system role of the website's organization: list them with GET /admin/customer-user-roles",
        ),
    }
    Ok(())
}

/// Lists the websites of one organization by name.
#[utoipa::path(
    get, path = "/admin/websites", operation_id = "listWebsites", tag = "websites",
    params(ListWebsites),
    security(("backend_token" = ["directory:read"])),
    responses((status = 200, description = "One page of websites", body = Page<Website>), ReadProblems)
)]
pub async fn list(
    State(state): State<DirectoryState>,
    admin: Admin<DirectoryRead>,
    QueryParams(query): QueryParams<ListWebsites>,
) -> Result<Json<Page<Website>>, ApiError> {
    let page = PageRequest::try_from((query.limit, query.cursor))?;
    let name = search_prefix("name", query.name)?;
    let organization_id = access::organization_for_read(
        state.organizations.as_ref(),
        admin.principal(),
        query.organization_id.as_deref(),
    )
    .await?;
    Ok(Json(
        state
            .websites
            .list_websites(organization_id, name.as_deref(), &page)
            .await?,
    ))
}

/// Creates a website.
#[utoipa::path(
    post, path = "/admin/websites", operation_id = "createWebsite", tag = "websites",
    request_body = CreateWebsite,
    security(("backend_token" = ["directory:write"])),
    responses((status = 201, description = "Created", body = Website, headers(("ETag" = String), ("Location" = String, description = "The new record's path"))), WriteProblems)
)]
pub async fn create(
    State(state): State<DirectoryState>,
    admin: Admin<DirectoryWrite>,
    JsonBody(body): JsonBody<CreateWebsite>,
) -> Result<Versioned<Website>, ApiError> {
    let mut v = Validation::default();
    let organization_id = access::organization_for_write(
        state.organizations.as_ref(),
        admin.principal(),
        &mut v,
        body.organization_id,
    )
    .await?;
    let name = v.check("name", Name::parse(&body.name));
    let url = v.check("url", WebUrl::parse(&body.url));
    let localizations = parse_localizations(
        &mut v,
        body.localizations
            .as_deref()
            .unwrap_or(&["en_US".to_owned()]),
    );
    if let Some(role_id) = body.default_role_id {
        check_default_role(&state, &mut v, organization_id, role_id).await?;
    }
    v.finish()?;
    let at = now();
    let website = Website {
        id: WebsiteId::generate(),
        organization_id,
        name: checked(name)?,
        url: checked(url)?,
        localizations: checked(localizations)?,
        default_role_id: body.default_role_id,
        customer_user_count: 0,
        created_at: at,
        updated_at: at,
        version: 1,
    };
    state.websites.create_website(&website).await?;
    Ok(Versioned::created(
        format!("/admin/websites/{}", website.id),
        website.version,
        website,
    ))
}

async fn load(
    state: &DirectoryState,
    admin: &AdminPrincipal,
    id: &str,
) -> Result<Website, ApiError> {
    access::load(
        state.organizations.as_ref(),
        admin,
        id,
        "website",
        |id| state.websites.get_website(id),
        |w| w.organization_id,
    )
    .await
}

/// Reads one website; its version is the `ETag`.
#[utoipa::path(
    get, path = "/admin/websites/{id}", operation_id = "getWebsite", tag = "websites",
    params(("id" = String, Path, description = "Website id")),
    security(("backend_token" = ["directory:read"])),
    responses((status = 200, description = "The website", body = Website, headers(("ETag" = String))), ReadProblems)
)]
pub async fn get(
    State(state): State<DirectoryState>,
    admin: Admin<DirectoryRead>,
    Path(id): Path<String>,
) -> Result<Versioned<Website>, ApiError> {
    let website = load(&state, admin.principal(), &id).await?;
    Ok(Versioned::ok(website.version, website))
}

/// Changes a website.
#[utoipa::path(
    patch, path = "/admin/websites/{id}", operation_id = "updateWebsite", tag = "websites",
    params(("id" = String, Path, description = "Website id"), ("If-Match" = String, Header, description = "The ETag last read")),
    request_body = UpdateWebsite,
    security(("backend_token" = ["directory:write"])),
    responses((status = 200, description = "Updated", body = Website, headers(("ETag" = String))), WriteProblems)
)]
pub async fn update(
    State(state): State<DirectoryState>,
    admin: Admin<DirectoryWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<UpdateWebsite>,
) -> Result<Versioned<Website>, ApiError> {
    let current = load(&state, admin.principal(), &id).await?;
    if_match.check(current.version)?;
    let mut v = Validation::default();
    let mut website = current.clone();
    if let Some(name) = body
        .name
        .as_deref()
        .and_then(|n| v.check("name", Name::parse(n)))
    {
        website.name = name;
    }
    if let Some(url) = body
        .url
        .as_deref()
        .and_then(|u| v.check("url", WebUrl::parse(u)))
    {
        website.url = url;
    }
    if let Some(localizations) = body
        .localizations
        .as_deref()
        .and_then(|l| parse_localizations(&mut v, l))
    {
        website.localizations = localizations;
    }
    if let Some(role) = body.default_role_id {
        if let Some(role_id) = role {
            check_default_role(&state, &mut v, website.organization_id, role_id).await?;
        }
        website.default_role_id = role;
    }
    v.finish()?;
    if website == current {
        return Ok(Versioned::ok(current.version, current));
    }
    refuse_to_drop_preferred(&state, &current, &website).await?;
    website.updated_at = now();
    website.version = current.version + 1;
    state.websites.update_website(&website, &current).await?;
    Ok(Versioned::ok(website.version, website))
}

/// A website keeps every localization its customer users prefer: dropping one would
/// leave them preferring what their website no longer offers. Costs one paged Query of
/// the organization's customer users, only when a localization is dropped.
async fn refuse_to_drop_preferred(
    state: &DirectoryState,
    current: &Website,
    changed: &Website,
) -> Result<(), ApiError> {
    let dropped: Vec<Localization> = current
        .localizations
        .iter()
        .filter(|l| !changed.localizations.contains(l))
        .cloned()
        .collect();
    if dropped.is_empty() {
        return Ok(());
    }
    let preferring = state
        .websites
        .customer_users_preferring(current, &dropped)
        .await?;
    if preferring == 0 {
        return Ok(());
    }
    let names: Vec<&str> = dropped.iter().map(|l| l.as_str()).collect();
    Err(ApiError::Conflict(format!(
        "{preferring} customer user{} of this website prefer{} {}: give {} another preferred localization first",
        if preferring == 1 { "" } else { "s" },
        if preferring == 1 { "s" } else { "" },
        names.join(", "),
        if preferring == 1 { "it" } else { "them" },
    )))
}

/// Deletes a website.
#[utoipa::path(
    delete, path = "/admin/websites/{id}", operation_id = "deleteWebsite", tag = "websites",
    params(("id" = String, Path, description = "Website id"), ("If-Match" = String, Header, description = "The ETag last read")),
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
    state.websites.delete_website(&current).await?;
    Ok(StatusCode::NO_CONTENT)
}
