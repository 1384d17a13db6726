//! `GET /admin/audit-events`: who changed what in an organization, newest first
//! (scope `audit:read`). The events are written by the audit layer of every function.

use axum::{Json, extract::State};
use serde::Deserialize;
use shared::{
    ApiError,
    audit::AuditEvent,
    http::QueryParams,
    http::access,
    http::{Admin, scopes::AuditRead},
    openapi::ReadProblems,
    paging::{Page, PageRequest},
};

use crate::DirectoryState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListEvents {
    /// Defaults to the caller's organization.
    pub organization_id: Option<String>,
    /// Only the events about this record (the id a route names, or the one it created).
    pub resource_id: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// The changes made through the API in one organization, newest first: who (the user
/// and its application), which route, which record, when.
#[utoipa::path(
    get, path = "/admin/audit-events", operation_id = "listAuditEvents", tag = "audit",
    params(ListEvents),
    security(("backend_token" = ["audit:read"])),
    responses((status = 200, description = "One page of events, newest first", body = Page<AuditEvent>), ReadProblems)
)]
pub async fn list(
    State(state): State<DirectoryState>,
    admin: Admin<AuditRead>,
    QueryParams(query): QueryParams<ListEvents>,
) -> Result<Json<Page<AuditEvent>>, ApiError> {
    let page = PageRequest::try_from((query.limit, query.cursor))?;
    let resource_id = query
        .resource_id
        .map(|raw| {
            shared::http::audit::record_id(&raw).ok_or_else(|| {
                ApiError::field(
                    "resource_id",
                    "must be a record's id, a UUID such as 0190b1e4-7c1a-7d3e-9f00-1a2b3c4d5e6f",
                )
            })
        })
        .transpose()?;
    let organization_id = access::organization_for_read(
        state.organizations.as_ref(),
        admin.principal(),
        query.organization_id.as_deref(),
    )
    .await?;
    Ok(Json(
        state
            .audit
            .list_events(organization_id, resource_id.as_deref(), &page)
            .await?,
    ))
}
