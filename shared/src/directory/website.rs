use serde::{Deserialize, Deserializer, Serialize};
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
    /// The localizations enabled on this website; never empty. The first is the
    /// website's default.
    pub localizations: Vec<Localization>,
    /// The role given to customer users who register on this website.
    pub default_role_id: Option<RoleId>,
    /// Customer users registered on this website (read-only): while there are any, the
    /// website cannot be deleted.
    #[serde(default, deserialize_with = "at_least_zero")]
    pub customer_user_count: u64,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub updated_at: OffsetDateTime,
    pub version: u64,
}

impl Website {
    /// The localization a customer user of this website prefers unless told otherwise:
    /// the first of `localizations`.
    pub fn default_localization(&self) -> Option<&Localization> {
        self.localizations.first()
    }
}

/// A count below zero, left by customer users written before websites counted them,
/// reads as none.
fn at_least_zero<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    Ok(i64::deserialize(deserializer)?.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_below_zero_reads_as_none() {
        let mut json = serde_json::json!({
            "id": "0193a5e0-0000-7000-8000-000000000001",
            "organization_id": "0193a5e0-0000-7000-8000-000000000002",
            "name": "Shop", "url": "https://shop.example.test", "localizations": ["en_US"],
            "default_role_id": null, "customer_user_count": -1,
            "created_at": "2026-11-29T09:00:00.000Z", "updated_at": "2026-11-29T09:00:00.000Z",
            "version": 1
        });
        let website: Website = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(website.customer_user_count, 0);
        json["customer_user_count"] = 3.into();
        let website: Website = serde_json::from_value(json).unwrap();
        assert_eq!(website.customer_user_count, 3);
    }
}
