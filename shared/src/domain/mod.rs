//! Value types that parse instead of validate: once built, they hold a valid value.

/// The conversions every string newtype shares: parsing on deserialization, back to a
/// plain string on serialization, and display.
macro_rules! string_newtype {
    ($name:ident) => {
        impl TryFrom<String> for $name {
            type Error = $crate::domain::InvalidValue;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

mod country;
mod email;
mod id;
mod localization;
mod name;
mod phone;
pub mod rfc3339_millis;
mod validation;
mod web_url;

pub use country::{CountryCode, RegionCode};
pub use email::Email;
pub use id::{
    AddressId, ApplicationId, AuditEventId, ConsentId, CustomerId, CustomerUserId, NotificationId,
    OrganizationId, RoleId, UserId, WebsiteId,
};
pub use localization::Localization;
pub use name::Name;
pub use phone::Phone;
pub use validation::{BrokenInvariant, FieldError, InvalidFields, Validation, checked};
pub use web_url::WebUrl;

/// Why a value was refused, in words the caller can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);

impl InvalidValue {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// The current time, truncated to milliseconds so it survives a round trip through RFC 3339.
pub fn now() -> time::OffsetDateTime {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(now.millisecond() as u32 * 1_000_000)
        .unwrap_or(now)
}
