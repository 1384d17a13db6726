use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::{Localization, Name, OrganizationId, RoleId, WebUrl, WebsiteId};

/// A storefront of an organization: where customer users register and where the links
/// in their emails point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Website {
    pub id: WebsiteId,
    pub organization_id: OrganizationId,
    pub name: Name,
    pub url: WebUrl,
    /// The localizations enabled on this website; never empty.
    pub localizations: Vec<Localization>,
    /// The role given to customer users who register on this website.
    pub default_role_id: Option<RoleId>,
    /// Customer users registered on this website (read-only): while there are any, the
    /// website cannot be deleted.
    #[serde(default)]
    pub customer_user_count: u64,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub updated_at: OffsetDateTime,
    pub version: u64,
}
