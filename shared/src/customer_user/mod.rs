//! Customer users: the people who act for a customer, with their roles, addresses,
//! password and notification log.

mod address;
mod password;

pub use address::{Address, MAX_ADDRESSES, upsert as upsert_address};
pub use password::{Password, PasswordDigest};

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::{
    directory::{CustomerUserRole, Website},
    domain::{
        CustomerId, CustomerUserId, Email, InvalidValue, Localization, Name, NotificationId,
        OrganizationId, Phone, RoleId, UserId, WebsiteId,
    },
};

/// The role identifier of the customer administrator that provisioning creates.
pub const ADMINISTRATOR_ROLE: &str = "ROLE_FRONTEND_ADMINISTRATOR";

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// Roles one customer user may hold: each is counted in the user's transactions,
/// which hold at most 100 writes.
pub const MAX_ROLES: usize = 30;

pub const ROLE_REQUIRED: &str =
    "Please select at least one role before you enable the customer user.";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerUser {
    pub id: CustomerUserId,
    pub organization_id: OrganizationId,
    pub customer_id: CustomerId,
    pub website_id: WebsiteId,
    pub name_prefix: Option<Name>,
    pub first_name: Name,
    pub middle_name: Option<Name>,
    pub last_name: Name,
    pub name_suffix: Option<Name>,
    /// Unique within the organization, case-insensitively.
    pub email: Email,
    #[serde(default, with = "iso_date::option")]
    pub birthday: Option<Date>,
    pub phone: Option<Phone>,
    pub sales_representative_ids: Vec<UserId>,
    pub preferred_localization: Option<Localization>,
    pub role_ids: Vec<RoleId>,
    pub enabled: bool,
    pub confirmed: bool,
    pub password: Option<PasswordDigest>,
    /// Set by an administrator's forced reset: storefront sign-in is refused until the
    /// user chooses a new password.
    #[serde(default)]
    pub password_reset_required: bool,
    pub addresses: Vec<Address>,
    /// The consents the user accepted, and when.
    #[serde(default)]
    pub consents: Vec<crate::consent::ConsentAcceptance>,
    /// Frontend applications it owns; kept in the same transaction as each one's create
    /// and delete, so its own delete and disable cannot miss one.
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

/// Parses a birthday: an ISO 8601 date, not in the future and not before 1900.
pub fn parse_birthday(raw: &str, today: Date) -> Result<Date, InvalidValue> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = Date::parse(raw, format)
        .map_err(|_| InvalidValue::new("must be a date such as 1990-04-23"))?;
    if date > today {
        return Err(InvalidValue::new("must not be in the future"));
    }
    if date.year() < 1900 {
        return Err(InvalidValue::new("must be in 1900 or later"));
    }
    Ok(date)
}

/// Why a role may not be given to a user of `customer_id`, if it may not.
pub fn role_problem(
    role: Option<&CustomerUserRole>,
    organization_id: OrganizationId,
    customer_id: CustomerId,
) -> Option<&'static str> {
    match role {
        None => Some("no role has this id: list them with GET /admin/customer-user-roles"),
        Some(r) if r.organization_id != organization_id => {
            Some("is a role of another organization")
        }
        Some(r) if r.customer_id.is_some_and(|c| c != customer_id) => Some(
            "is a role of another customer: choose a system role or one of the user's customer",
        ),
        Some(_) => None,
    }
}

/// The preferred localization a customer user gets on `website`: the one chosen, or,
/// when none is, the website's default (its first), so that a client that sends none
/// keeps working when a website enables a second localization.
pub fn preferred_localization(
    chosen: Option<Localization>,
    website: &Website,
) -> Option<Localization> {
    chosen.or_else(|| website.default_localization().cloned())
}

/// A preferred localization must be one the customer user's website enables.
pub fn localization_problem(chosen: Option<&Localization>, website: &Website) -> Option<String> {
    match chosen {
        Some(l) if !website.localizations.contains(l) => Some(format!(
            "must be enabled on the chosen website: choose one of {}",
            list(&website.localizations)
        )),
        _ => None,
    }
}

fn list(localizations: &[Localization]) -> String {
    localizations
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What happened to an email sent to a customer user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Sent,
    Failed,
}

/// One entry of a customer user's notification log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: NotificationId,
    /// The template, such as `welcome`.
    pub template: String,
    pub recipient: Email,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub at: OffsetDateTime,
    pub status: DeliveryStatus,
    /// Why sending failed, when it did.
    pub error: Option<String>,
}

/// What a one-time link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkPurpose {
    Confirmation,
    PasswordReset,
    Welcome,
}

impl OneTimeLink {
    /// Whether the link still works at `now` (TTL deletion is lazy, so expired items
    /// may still be read).
    pub fn is_valid_at(&self, now: OffsetDateTime) -> bool {
        now < self.valid_until
    }
}

impl LinkPurpose {
    pub const ALL: [LinkPurpose; 3] = [
        LinkPurpose::Confirmation,
        LinkPurpose::PasswordReset,
        LinkPurpose::Welcome,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Confirmation => "confirmation",
            LinkPurpose::PasswordReset => "password_reset",
            LinkPurpose::Welcome => "welcome",
        }
    }
}

/// A pending one-time link: only the token's hash is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneTimeLink {
    pub customer_user_id: CustomerUserId,
    pub purpose: LinkPurpose,
    pub token_hash: crate::credentials::SecretHash,
    /// Checked on use; the table's TTL only cleans up later.
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub valid_until: OffsetDateTime,
}

/// A fresh one-time link of `purpose` for `user`: the token goes in the email, only its
/// hash is stored.
pub fn new_link(
    user: &CustomerUser,
    purpose: LinkPurpose,
    lifetime: std::time::Duration,
) -> (String, OneTimeLink) {
    let token = crate::credentials::ClientSecret::generate();
    let link = OneTimeLink {
        customer_user_id: user.id,
        purpose,
        token_hash: token.hash(),
        valid_until: crate::domain::now() + lifetime,
    };
    (token.expose().to_owned(), link)
}

/// An id no customer user has: requests about unknown accounts read and write under it,
/// so they cost what requests about real accounts cost.
pub fn decoy_customer_user_id() -> CustomerUserId {
    CustomerUserId::DECOY
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn birthdays_are_past_dates() {
        let today = date!(2026 - 11 - 28);
        assert!(parse_birthday("1990-04-23", today).is_ok());
        assert!(parse_birthday("2026-11-28", today).is_ok());
        assert!(parse_birthday("2026-11-29", today).is_err());
        assert!(parse_birthday("1899-12-31", today).is_err());
        assert!(parse_birthday("23.04.1990", today).is_err());
    }

    fn website(codes: &[&str]) -> Website {
        let now = crate::domain::now();
        Website {
            id: WebsiteId::generate(),
            organization_id: OrganizationId::generate(),
            name: Name::parse("Shop").unwrap(),
            url: crate::domain::WebUrl::parse("https://shop.example").unwrap(),
            localizations: codes
                .iter()
                .map(|c| Localization::parse(c).unwrap())
                .collect(),
            default_role_id: None,
            customer_user_count: 0,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    #[test]
    fn an_omitted_localization_is_the_websites_default_and_must_be_on_the_website() {
        let en = website(&["en_US"]);
        let de = website(&["de_DE", "en_US"]);
        let us = Localization::parse("en_US").unwrap();
        let fr = Localization::parse("fr_FR").unwrap();
        assert_eq!(preferred_localization(None, &de).unwrap().as_str(), "de_DE");
        assert_eq!(
            preferred_localization(Some(us.clone()), &de),
            Some(us.clone())
        );
        assert_eq!(localization_problem(None, &de), None);
        assert_eq!(localization_problem(Some(&us), &en), None);
        let problem = localization_problem(Some(&fr), &de).unwrap();
        assert!(problem.contains("de_DE, en_US"), "{problem}");
    }

    #[test]
    fn roles_must_be_system_roles_or_of_the_users_customer() {
        let org = OrganizationId::generate();
        let customer = CustomerId::generate();
        let now = crate::domain::now();
        let mut role = CustomerUserRole {
            id: RoleId::generate(),
            organization_id: org,
            role: "ROLE_X".into(),
            label: Name::parse("X").unwrap(),
            customer_id: None,
            self_managed: true,
            public: false,
            permissions: Default::default(),
            user_count: 0,
            default_for_websites: 0,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        assert_eq!(role_problem(Some(&role), org, customer), None);
        role.customer_id = Some(customer);
        assert_eq!(role_problem(Some(&role), org, customer), None);
        role.customer_id = Some(CustomerId::generate());
        assert!(role_problem(Some(&role), org, customer).is_some());
        assert!(role_problem(None, org, customer).is_some());
        role.customer_id = None;
        assert!(role_problem(Some(&role), OrganizationId::generate(), customer).is_some());
    }
}
