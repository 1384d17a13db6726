use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{
    credentials::Scope,
    domain::{Email, Name, OrganizationId, UserId},
};

/// A back-office user: an employee of the organization (administrator, sales
/// representative). Owns backend OAuth applications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: UserId,
    pub organization_id: OrganizationId,
    pub first_name: Name,
    pub last_name: Name,
    /// Unique across back-office users, case-insensitively.
    pub email: Email,
    pub enabled: bool,
    /// What the user's own sign-in sessions may hold (until back-office roles exist):
    /// a session gets the scopes its client asks for that the user holds.
    #[serde(default)]
    pub scopes: Vec<Scope>,
    /// Backend OAuth applications it owns (at most 10); kept in the same transaction as
    /// each one's create and delete, so its own delete and disable cannot miss one.
    #[serde(default)]
    pub application_count: u64,
    /// Sign-in sessions started before this instant are over: set when the person is
    /// disabled or their password changes, so that re-enabling revives none.
    #[serde(default, with = "crate::domain::rfc3339_millis::option")]
    pub sessions_valid_after: Option<OffsetDateTime>,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub updated_at: OffsetDateTime,
    pub version: u64,
}
