use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(Uuid);

        impl $name {
            /// A new time-ordered (UUIDv7) identifier.
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }

            /// An id no record has (the nil UUIDv7 shape): what a request for an
            /// unknown account reads and writes under, so that it does the same work.
            pub const DECOY: Self = Self(Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0000));
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.as_hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = super::InvalidValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::try_parse(s)
                    .map(Self)
                    .map_err(|_| super::InvalidValue::new("must be a UUID such as 0190b1e4-7c1a-7d3e-9f00-1a2b3c4d5e6f"))
            }
        }
    };
}

id_type!(
    /// An organization: the top tenant that owns websites, customers and back-office users.
    OrganizationId
);
id_type!(
    /// A website (storefront) of an organization.
    WebsiteId
);
id_type!(
    /// A back-office user.
    UserId
);
id_type!(
    /// A customer (company).
    CustomerId
);
id_type!(
    /// A customer user: a person acting for a customer.
    CustomerUserId
);
id_type!(
    /// A customer-user role.
    RoleId
);
id_type!(
    /// An OAuth 2.0 application.
    ApplicationId
);
id_type!(
    /// A consent to the processing of personal data.
    ConsentId
);
id_type!(
    /// An address of a customer user.
    AddressId
);
id_type!(
    /// An entry of a customer user's notification log.
    NotificationId
);
id_type!(
    /// An entry of the audit log: time-ordered, so the newest sorts last.
    AuditEventId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_version_7_and_round_trip() {
        let id = CustomerId::generate();
        assert_eq!(id.as_uuid().get_version_num(), 7);
        assert_eq!(id.to_string().parse::<CustomerId>().unwrap(), id);
    }

    #[test]
    fn parse_refuses_non_uuids() {
        assert!("42".parse::<UserId>().is_err());
        assert!("".parse::<UserId>().is_err());
    }
}
