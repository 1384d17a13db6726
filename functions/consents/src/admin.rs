//! `/admin/consents` and `GET /admin/customer-users/{id}/consents`, for back-office
//! administrators.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;
use shared::{
    ApiError,
    consent::{Consent, ConsentAcceptance},
    domain::Validation,
    domain::checked,
    domain::{ConsentId, Name, OrganizationId, WebUrl, now},
    http::access,
    http::{
        Admin, AdminPrincipal,
        scopes::{ConsentsRead, ConsentsWrite},
    },
    http::{IfMatch, JsonBody, NoParams, QueryParams, Versioned, nullable, present, search_prefix},
    openapi::{ReadProblems, WriteProblems},
    paging::{Page, PageRequest},
};

use crate::ConsentsState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateConsent {
    /// Defaults to the caller's organization.
    pub organization_id: Option<OrganizationId>,
    pub name: String,
    /// The page with the full text, an absolute http or https URL.
    pub content_url: Option<String>,
    /// Once accepted, a mandatory consent cannot be declined. Default false.
    pub mandatory: Option<bool>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateConsent {
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    /// `null` removes the link.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub content_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub mandatory: Option<bool>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListConsents {
    /// Defaults to the caller's organization.
    pub organization_id: Option<String>,
    /// Only consents whose name starts with this (case-insensitive).
    #[param(max_length = 255)]
    pub name: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// The consents of an organization, by name.
#[utoipa::path(
    get, path = "/admin/consents", operation_id = "listConsents", tag = "consents",
    params(ListConsents),
    security(("backend_token" = ["consents:read"])),
    responses((status = 200, description = "One page of consents", body = Page<Consent>), ReadProblems)
)]
pub async fn list(
    State(state): State<ConsentsState>,
    admin: Admin<ConsentsRead>,
    QueryParams(q): QueryParams<ListConsents>,
) -> Result<Json<Page<Consent>>, ApiError> {
    let page = PageRequest::try_from((q.limit, q.cursor))?;
    let name = search_prefix("name", q.name)?;
    let organization_id = access::organization_for_read(
        state.organizations.as_ref(),
        admin.principal(),
        q.organization_id.as_deref(),
    )
    .await?;
    Ok(Json(
        state
            .consents
            .list_consents(organization_id, name.as_deref(), &page)
            .await?,
    ))
}

/// Creates a consent customer users may accept.
#[utoipa::path(
    post, path = "/admin/consents", operation_id = "createConsent", tag = "consents",
    request_body = CreateConsent,
    security(("backend_token" = ["consents:write"])),
    responses((status = 201, description = "Created", body = Consent, headers(("ETag" = String), ("Location" = String, description = "The new record's path"))), WriteProblems)
)]
pub async fn create(
    State(state): State<ConsentsState>,
    admin: Admin<ConsentsWrite>,
    JsonBody(body): JsonBody<CreateConsent>,
) -> Result<Versioned<Consent>, ApiError> {
    let mut v = Validation::default();
    let organization_id = access::organization_for_write(
        state.organizations.as_ref(),
        admin.principal(),
        &mut v,
        body.organization_id,
    )
    .await?;
    let name = v.check("name", Name::parse(&body.name));
    let content_url = match body.content_url.as_deref() {
        Some(url) => v.check("content_url", WebUrl::parse(url)),
        None => None,
    };
    v.finish()?;
    let at = now();
    let consent = Consent {
        id: ConsentId::generate(),
        organization_id,
        name: checked(name)?,
        content_url,
        mandatory: body.mandatory.unwrap_or(false),
        acceptance_count: 0,
        created_at: at,
        updated_at: at,
        version: 1,
    };
    state.consents.create_consent(&consent).await?;
    Ok(Versioned::created(
        format!("/admin/consents/{}", consent.id),
        consent.version,
        consent,
    ))
}

async fn load(
    state: &ConsentsState,
    admin: &AdminPrincipal,
    id: &str,
) -> Result<Consent, ApiError> {
    let consents = state.consents.as_ref();
    access::load(
        state.organizations.as_ref(),
        admin,
        id,
        "consent",
        |id| consents.get_consent(id),
        |c| c.organization_id,
    )
    .await
}

/// Reads one consent; its version is the `ETag`.
#[utoipa::path(
    get, path = "/admin/consents/{id}", operation_id = "getConsent", tag = "consents",
    params(("id" = String, Path, description = "Consent id")),
    security(("backend_token" = ["consents:read"])),
    responses((status = 200, description = "The consent", body = Consent, headers(("ETag" = String))), ReadProblems)
)]
pub async fn get(
    State(state): State<ConsentsState>,
    admin: Admin<ConsentsRead>,
    Path(id): Path<String>,
) -> Result<Versioned<Consent>, ApiError> {
    let consent = load(&state, admin.principal(), &id).await?;
    Ok(Versioned::ok(consent.version, consent))
}

/// Changes a consent. Acceptances keep the name the user saw when accepting.
#[utoipa::path(
    patch, path = "/admin/consents/{id}", operation_id = "updateConsent", tag = "consents",
    params(("id" = String, Path, description = "Consent id"), ("If-Match" = String, Header, description = "The ETag last read")),
    request_body = UpdateConsent,
    security(("backend_token" = ["consents:write"])),
    responses((status = 200, description = "Updated", body = Consent, headers(("ETag" = String))), WriteProblems)
)]
pub async fn update(
    State(state): State<ConsentsState>,
    admin: Admin<ConsentsWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<UpdateConsent>,
) -> Result<Versioned<Consent>, ApiError> {
    let current = load(&state, admin.principal(), &id).await?;
    if_match.check(current.version)?;
    let mut v = Validation::default();
    let mut consent = current.clone();
    if let Some(name) = body
        .name
        .as_deref()
        .and_then(|n| v.check("name", Name::parse(n)))
    {
        consent.name = name;
    }
    match body.content_url {
        Some(Some(url)) => {
            if let Some(url) = v.check("content_url", WebUrl::parse(&url)) {
                consent.content_url = Some(url);
            }
        }
        Some(None) => consent.content_url = None,
        None => {}
    }
    if let Some(mandatory) = body.mandatory {
        consent.mandatory = mandatory;
    }
    v.finish()?;
    if consent == current {
        return Ok(Versioned::ok(current.version, current));
    }
    consent.updated_at = now();
    consent.version = current.version + 1;
    state.consents.update_consent(&consent, &current).await?;
    Ok(Versioned::ok(consent.version, consent))
}

/// Deletes a consent nobody accepted; an accepted one stays as the record of it.
#[utoipa::path(
    delete, path = "/admin/consents/{id}", operation_id = "deleteConsent", tag = "consents",
    params(("id" = String, Path, description = "Consent id"), ("If-Match" = String, Header, description = "The ETag last read")),
    security(("backend_token" = ["consents:write"])),
    responses((status = 204, description = "Deleted"), WriteProblems)
)]
pub async fn delete(
    State(state): State<ConsentsState>,
    admin: Admin<ConsentsWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> Result<StatusCode, ApiError> {
    let current = load(&state, admin.principal(), &id).await?;
    if_match.check(current.version)?;
    state.consents.delete_consent(&current).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The consents a customer user accepted, with when and under which name; one that is
/// not listed was never accepted or was declined since.
#[utoipa::path(
    get, path = "/admin/customer-users/{id}/consents", operation_id = "listCustomerUserConsents", tag = "consents",
    params(("id" = String, Path, description = "Customer user id")),
    security(("backend_token" = ["consents:read"])),
    responses((status = 200, description = "Every acceptance, on one page", body = Page<ConsentAcceptance>), ReadProblems)
)]
pub async fn of_customer_user(
    State(state): State<ConsentsState>,
    admin: Admin<ConsentsRead>,
    Path(id): Path<String>,
    _: QueryParams<NoParams>,
) -> Result<Json<Page<ConsentAcceptance>>, ApiError> {
    let users = state.customer_users.as_ref();
    let user = access::load(
        state.organizations.as_ref(),
        admin.principal(),
        &id,
        "customer user",
        |id| users.get_customer_user(id),
        |u| u.organization_id,
    )
    .await?;
    Ok(Json(Page {
        items: user.consents,
        next_cursor: None,
    }))
}
