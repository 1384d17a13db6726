//! What the API shows of a customer user: never the password hash.

use std::collections::BTreeSet;

use serde::Serialize;
use shared::{
    customer_user::{Address, CustomerUser, Notification},
    directory::Permission,
    domain::{
        CustomerId, CustomerUserId, Email, Localization, Name, OrganizationId, Phone, RoleId,
        UserId, WebsiteId,
    },
};
use time::OffsetDateTime;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerUserView {
    pub id: CustomerUserId,
    pub organization_id: OrganizationId,
    pub customer_id: CustomerId,
    pub website_id: WebsiteId,
    pub name_prefix: Option<Name>,
    pub first_name: Name,
    pub middle_name: Option<Name>,
    pub last_name: Name,
    pub name_suffix: Option<Name>,
    pub email: Email,
    /// `YYYY-MM-DD`.
    pub birthday: Option<String>,
    pub phone: Option<Phone>,
    pub sales_representative_ids: Vec<UserId>,
    pub preferred_localization: Option<Localization>,
    pub role_ids: Vec<RoleId>,
    pub enabled: bool,
    pub confirmed: bool,
    /// Whether a password is set (the password itself is never shown).
    pub has_password: bool,
    /// Whether an administrator required a new password: storefront sign-in is refused
    /// until the user sets one.
    pub password_reset_required: bool,
    pub addresses: Vec<Address>,
    /// Frontend OAuth applications it owns (at most 10).
    pub application_count: u64,
    #[serde(with = "shared::domain::rfc3339_millis")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "shared::domain::rfc3339_millis")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    pub version: u64,
    /// The emails sent to the user, newest first (on the single-user view).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notifications: Option<Vec<Notification>>,
    /// What the user may do in the storefront, from all its roles (on `GET /api/me`,
    /// so a storefront shows only what will be allowed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<BTreeSet<Permission>>,
    pub links: Links,
    /// Things that went wrong without stopping the request, such as an email that
    /// could not be sent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Related resources.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Links {
    pub addresses: String,
    pub oauth_applications: String,
    pub consents: String,
}

impl CustomerUserView {
    pub fn of(user: CustomerUser) -> Self {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        Self {
            links: Links {
                addresses: format!("/admin/customer-users/{}/addresses", user.id),
                oauth_applications: format!("/admin/customer-users/{}/oauth-applications", user.id),
                consents: format!("/admin/customer-users/{}/consents", user.id),
            },
            id: user.id,
            organization_id: user.organization_id,
            customer_id: user.customer_id,
            website_id: user.website_id,
            name_prefix: user.name_prefix,
            first_name: user.first_name,
            middle_name: user.middle_name,
            last_name: user.last_name,
            name_suffix: user.name_suffix,
            email: user.email,
            birthday: user.birthday.and_then(|d| d.format(format).ok()),
            phone: user.phone,
            sales_representative_ids: user.sales_representative_ids,
            preferred_localization: user.preferred_localization,
            role_ids: user.role_ids,
            enabled: user.enabled,
            confirmed: user.confirmed,
            has_password: user.password.is_some(),
            password_reset_required: user.password_reset_required,
            addresses: user.addresses,
            application_count: user.application_count,
            created_at: user.created_at,
            updated_at: user.updated_at,
            version: user.version,
            notifications: None,
            permissions: None,
            warnings: Vec::new(),
        }
    }
}
