use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::{CustomerId, OrganizationId, RoleId};

/// A customer-user role. System roles (no customer) are offered to every customer;
/// a customer's own roles only to its users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustomerUserRole {
    pub id: RoleId,
    pub organization_id: OrganizationId,
    /// A stable identifier such as `ROLE_FRONTEND_ADMINISTRATOR`.
    pub role: String,
    pub label: String,
    pub customer_id: Option<CustomerId>,
    /// Whether customer administrators may assign it through the storefront.
    pub self_managed: bool,
    /// Whether it is offered for self-registration.
    pub public: bool,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub updated_at: OffsetDateTime,
    pub version: u64,
}
