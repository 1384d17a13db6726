//! Recording the audit log at the edge: a layer around each function's router that,
//! once a write succeeded, stores one [`AuditEvent`] naming who made it. Handlers and
//! the edge's checks tell it who called and which record the write concerns.

use std::sync::{Arc, Mutex, OnceLock};

use axum::{
    Router,
    body::Body,
    extract::{MatchedPath, RawPathParams, Request, State, rejection::RawPathParamsRejection},
    middleware::Next,
    response::Response,
};
use http::{Extensions, Method, StatusCode};

use crate::{
    audit::{AuditActor, AuditEvent},
    domain::{AuditEventId, CustomerUserId, OrganizationId, now},
    ports::AuditLog,
};

/// Who made a request, and the organization it acts from.
#[derive(Clone)]
struct Acted {
    organization_id: OrganizationId,
    actor: AuditActor,
}

/// What the handling of one audited request learns, for the layer to read once the
/// answer is known.
#[derive(Default)]
struct AuditSlot {
    /// The first to name the caller counts.
    acted: OnceLock<Acted>,
    /// The organization of the record changed: the last checked, the most specific
    /// (an application's own organization after its owner's).
    organization: Mutex<Option<OrganizationId>>,
    /// The record changed, when neither the path nor a created id says it.
    resource: Mutex<Option<String>>,
}

tokio::task_local! {
    /// The slot of the audited request being handled: an audit concern is ambient, so
    /// that the extractors and access checks that learn who and where need no plumbing.
    static SLOT: Arc<AuditSlot>;
}

fn acted(acted: Acted) {
    let _ = SLOT.try_with(|slot| slot.acted.set(acted));
}

/// Names the caller of the request being handled (a no-op outside an audited write).
pub fn record_actor(organization_id: OrganizationId, actor: AuditActor) {
    acted(Acted {
        organization_id,
        actor,
    });
}

/// The request being handled was made by following an email's link, for
/// `customer_user_id`, whose record it changes.
pub fn by_email_link(organization_id: OrganizationId, customer_user_id: CustomerUserId) {
    acted(Acted {
        organization_id,
        actor: AuditActor::EmailLink { customer_user_id },
    });
    names(customer_user_id);
}

/// The request being handled acts on a record of `organization_id`: its event belongs
/// there, though a caller with global access may come from another organization.
pub fn concerns(organization_id: OrganizationId) {
    let _ = SLOT.try_with(|slot| *lock(&slot.organization) = Some(organization_id));
}

/// The request being handled changes the record `id`, whatever its answer describes
/// (an address added answers with the address; the record changed is its user).
pub fn names(id: impl std::fmt::Display) {
    let _ = SLOT.try_with(|slot| *lock(&slot.resource) = Some(id.to_string()));
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Nothing panics while holding these: a poisoned lock still holds a valid value.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Records every successful write that an authenticated caller makes through `router`.
pub fn recorded(router: Router, log: Arc<dyn AuditLog>) -> Router {
    router.route_layer(axum::middleware::from_fn_with_state(log, record))
}

async fn record(
    State(log): State<Arc<dyn AuditLog>>,
    params: Result<RawPathParams, RawPathParamsRejection>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| request.uri().path().to_owned());
    let action = format!("{} {template}", request.method());
    let path_id = params.ok().and_then(|p| {
        p.iter()
            .find(|(name, _)| *name == "id")
            .map(|(_, value)| record_id(value).unwrap_or_else(|| value.to_owned()))
    });
    let request_id = request_id(request.extensions());
    let slot = Arc::new(AuditSlot::default());
    let response = SLOT.scope(slot.clone(), next.run(request)).await;
    let Some(acted) = slot.acted.get().cloned() else {
        return response;
    };
    if !response.status().is_success() {
        return response;
    }
    // The record changed: the one the handler or a link names, the one just created,
    // the one the path names, or for the caller's own routes (`/api/me/...`) the caller.
    let (response, created) = created_id(response).await;
    let own = match &acted.actor {
        AuditActor::Frontend {
            customer_user_id, ..
        } => Some(customer_user_id.to_string()),
        _ => None,
    };
    let named = lock(&slot.resource).take();
    let resource_id = named.or(created).or(path_id).or(own);
    let event = AuditEvent {
        id: AuditEventId::generate(),
        organization_id: lock(&slot.organization).unwrap_or(acted.organization_id),
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

/// A record id as records store it, if `value` is one (a route also takes an id in
/// capitals or without hyphens).
pub fn record_id(value: &str) -> Option<String> {
    uuid::Uuid::try_parse(value)
        .ok()
        .map(|id| id.as_hyphenated().to_string())
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
    fn ids_are_written_as_records_store_them() {
        assert_eq!(
            record_id("0193A5E0000070008000000000000001").as_deref(),
            Some("0193a5e0-0000-7000-8000-000000000001")
        );
        assert_eq!(record_id("not-an-id"), None);
    }
}
