//! The audit log: who changed what, and when. Every write an authenticated caller makes
//! through the admin or storefront API, and every use of an email's link (confirming
//! an address, setting a password), becomes, once it succeeded, one event of the
//! changed record's organization, kept for [`RETENTION_DAYS`]. Bodies are never recorded (they
//! can hold passwords and client secrets): only the route, the record's id and who
//! called. The HTTP edge records them (`crate::http::audit`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::{AuditEventId, CustomerUserId, OrganizationId, UserId};

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
    /// The organization of the record changed (of the caller's application when the
    /// route acts on no record of an organization).
    pub organization_id: OrganizationId,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub at: OffsetDateTime,
    pub actor: AuditActor,
    /// The route called, such as `PATCH /admin/customer-users/{id}`.
    pub action: String,
    /// The record changed: the one created, the one the route names by `{id}`, or for
    /// the caller's own routes (`/api/me/...`) the caller.
    pub resource_id: Option<String>,
    /// The status of the answer: a success, since a refused request changes nothing.
    pub status: u16,
    /// API Gateway's id of the request, to find it in the function's logs.
    pub request_id: Option<String>,
}
