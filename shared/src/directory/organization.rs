use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::{Name, OrganizationId};

/// The top tenant. An organization with global access may act on other organizations'
/// records (for example, create applications in them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Organization {
    pub id: OrganizationId,
    pub name: Name,
    pub global_access: bool,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub updated_at: OffsetDateTime,
    pub version: u64,
}
