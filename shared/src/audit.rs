//! The audit log: who changed what, and when. Every write an authenticated caller makes
//! through the admin or storefront API, and every use of an email's link (confirming
//! an address, setting a password), becomes, once it succeeded, one event of the
//! caller's organization, kept for [`RETENTION_DAYS`]. Bodies are never recorded (they
//! can hold passwords and client secrets): only the route, the record's id and who
//! called.

use std::{
    convert::Infallible,
    sync::{Arc, OnceLock},
};

use axum::{
    Router,
    body::Body,
    extract::{FromRequestParts, MatchedPath, Request, State},
    middleware::Next,
    response::Response,
};
use http::{Extensions, Method, StatusCode, request::Parts};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{
    domain::{AuditEventId, CustomerUserId, OrganizationId, UserId, now},
    store::AuditLog,
};

/// How long an event is kept (DynamoDB's TTL deletes it afterwards): thirteen months,
/// so that a year's activity can always be compared with the year before.
pub const RETENTION_DAYS: i64 = 400;

/// Who made a change: the user a token acts for and the application it was issued to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuditActor {
    /// A back-office user, with a backend token.
    Backend { user_id: UserId, client_id: String },
    /// A customer user in the storefront, with a frontend token.
    Frontend {
        customer_user_id: CustomerUserId,
        client_id: String,
    },
    /// A customer user who followed a one-time link from an email (to confirm the
    /// address or set a password): no token, the link was the proof.
    EmailLink { customer_user_id: CustomerUserId },
}

/// One change made through the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEvent {
    pub id: AuditEventId,
    /// The organization of the caller's application.
    pub organization_id: OrganizationId,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub at: OffsetDateTime,
    pub actor: AuditActor,
    /// The route called, such as `PATCH /admin/customer-users/{id}`.
    pub action: String,
    /// The record the route names by `{id}`, or the one it created.
    pub resource_id: Option<String>,
    /// The status of the answer: a success, since a refused request changes nothing.
    pub status: u16,
    /// API Gateway's id of the request, to find it in the function's logs.
    pub request_id: Option<String>,
}

/// Who made a request, and the record it changed when its path does not say.
#[derive(Clone)]
struct Acted {
    organization_id: OrganizationId,
    actor: AuditActor,
    resource_id: Option<String>,
}

/// Where a request's authentication leaves who made it, for the audit layer to read
/// once the answer is known.
#[derive(Clone, Default)]
struct AuditSlot(Arc<OnceLock<Acted>>);

impl AuditSlot {
    fn set(&self, acted: Acted) {
        // The first to name the caller of a request is the one that counts.
        let _ = self.0.set(acted);
    }
}

/// Names the caller of an audited request (a no-op on requests the layer skips).
pub fn record_actor(extensions: &Extensions, organization_id: OrganizationId, actor: AuditActor) {
    if let Some(slot) = extensions.get::<AuditSlot>() {
        slot.set(Acted {
            organization_id,
            actor,
            resource_id: None,
        });
    }
}

/// For a handler that takes no token: lets it name who acted once it knows.
pub struct AuditTrail(Option<AuditSlot>);

impl<S: Send + Sync> FromRequestParts<S> for AuditTrail {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<AuditSlot>().cloned()))
    }
}

impl AuditTrail {
    /// The request was made by following an email's link, for `customer_user_id`.
    pub fn by_email_link(&self, organization_id: OrganizationId, customer_user_id: CustomerUserId) {
        if let Some(slot) = &self.0 {
            slot.set(Acted {
                organization_id,
                actor: AuditActor::EmailLink { customer_user_id },
                resource_id: Some(customer_user_id.to_string()),
            });
        }
    }
}

/// Records every successful write that an authenticated caller makes through `router`.
pub fn recorded(router: Router, log: Arc<dyn AuditLog>) -> Router {
    router.route_layer(axum::middleware::from_fn_with_state(log, record))
}

async fn record(
    State(log): State<Arc<dyn AuditLog>>,
    mut request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let slot = AuditSlot::default();
    request.extensions_mut().insert(slot.clone());
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| request.uri().path().to_owned());
    let action = format!("{} {template}", request.method());
    let path_id = id_in_path(&template, request.uri().path());
    let request_id = request_id(request.extensions());
    let response = next.run(request).await;
    let Some(acted) = slot.0.get().cloned() else {
        return response;
    };
    if !response.status().is_success() {
        return response;
    }
    let (response, resource_id) = match acted.resource_id.or(path_id) {
        Some(id) => (response, Some(id)),
        None => created_id(response).await,
    };
    let event = AuditEvent {
        id: AuditEventId::generate(),
        organization_id: acted.organization_id,
        at: now(),
        actor: acted.actor,
        action,
        resource_id,
        status: response.status().as_u16(),
        request_id,
    };
    // The change is made: a lost event is an operator's alarm, not the caller's error.
    if let Err(error) = log.record(&event).await {
        tracing::error!(%error, action = %event.action, event_id = %event.id, "an audit event was not recorded");
    }
    response
}

/// The path segment where the route template says `{id}`, written as ids are stored
/// (a route also takes an id in capitals or without hyphens).
fn id_in_path(template: &str, path: &str) -> Option<String> {
    template
        .split('/')
        .zip(path.split('/'))
        .find(|(t, _)| *t == "{id}")
        .map(|(_, segment)| match uuid::Uuid::try_parse(segment) {
            Ok(id) => id.as_hyphenated().to_string(),
            Err(_) => segment.to_owned(),
        })
}

/// The `id` of the record a 201 answer describes; the answer is passed on unchanged.
async fn created_id(response: Response) -> (Response, Option<String>) {
    if response.status() != StatusCode::CREATED {
        return (response, None);
    }
    let (parts, body) = response.into_parts();
    // Answers are built in memory: reading one back cannot fail short of a bug.
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(error) => {
            let failed = crate::ApiError::Internal(format!("reading a created answer: {error}"));
            return (axum::response::IntoResponse::into_response(failed), None);
        }
    };
    let id = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("id")?.as_str().map(str::to_owned));
    (Response::from_parts(parts, Body::from(bytes)), id)
}

fn request_id(extensions: &Extensions) -> Option<String> {
    match extensions.get::<lambda_http::request::RequestContext>()? {
        lambda_http::request::RequestContext::ApiGatewayV2(context) => context.request_id.clone(),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_read_where_the_template_names_it() {
        assert_eq!(
            id_in_path(
                "/admin/customer-users/{id}/addresses/{addressId}",
                "/admin/customer-users/0193/addresses/0194"
            )
            .as_deref(),
            Some("0193")
        );
        assert_eq!(id_in_path("/admin/customers", "/admin/customers"), None);
        assert_eq!(
            id_in_path(
                "/admin/customers/{id}",
                "/admin/customers/0193A5E0000070008000000000000001"
            )
            .as_deref(),
            Some("0193a5e0-0000-7000-8000-000000000001")
        );
        assert_eq!(id_in_path("/api/me/consents", "/api/me/consents"), None);
    }
}
