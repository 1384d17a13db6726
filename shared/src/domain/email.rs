use serde::{Deserialize, Serialize};

use super::InvalidValue;

/// An email address: 6 to 255 characters, one `@`, a plausible local part and a domain
/// with at least one dot. Kept as given; compare with [`Email::normalized`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, format = Email, example = "jane.doe@example.com")]
pub struct Email(String);

impl Email {
    pub const MIN_CHARS: usize = 6;
    pub const MAX_CHARS: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let value = raw.trim();
        let length = value.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&length) {
            return Err(InvalidValue::new(
                "must be between 6 and 255 characters long",
            ));
        }
        let invalid =
            || InvalidValue::new("must be a valid email address such as jane.doe@example.com");
        let (local, domain) = value.rsplit_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(invalid())
        }
    }

    /// The form used for uniqueness and lookups: addresses differing only in case are the same.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

string_newtype!(Email);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in [
            "jane.doe@example.com",
            "a+b@sub.example.co.uk",
            "Élodie@exemple.fr",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_malformed_addresses() {
        for bad in [
            "",
            "a@b.c",
            "plainaddress",
            "@example.com",
            "jane@",
            "jane@example",
            "jane..doe@example.com",
            "jane doe@example.com",
            "jane@-example.com",
            "jane@example..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_addresses_over_255_characters() {
        let long = format!("{}@{}.com", "a".repeat(60), "b".repeat(200));
        assert!(long.len() > 255);
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn normalizes_case_for_comparison() {
        let a = Email::parse("Jane.Doe@Example.com").unwrap();
        let b = Email::parse("jane.doe@example.com").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.normalized(), b.normalized());
    }
}
