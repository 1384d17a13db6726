use serde::{Deserialize, Serialize};

use super::InvalidValue;

/// A display name: trimmed, 1 to 255 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String)]
pub struct Name(String);

impl Name {
    /// Not blank: one character left after trimming.
    pub const MIN_CHARS: usize = 1;
    pub const MAX_CHARS: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(InvalidValue::new("must not be blank"));
        }
        if value.chars().count() > Self::MAX_CHARS {
            return Err(InvalidValue::new("must be at most 255 characters long"));
        }
        if value.chars().any(char::is_control) {
            return Err(InvalidValue::new("must not contain control characters"));
        }
        Ok(Self(value.to_owned()))
    }
}

string_newtype!(Name);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts() {
        assert_eq!(Name::parse("  Acme Corp ").unwrap().as_str(), "Acme Corp");
    }

    #[test]
    fn refuses_blank_long_and_control() {
        assert!(Name::parse("   ").is_err());
        assert!(Name::parse(&"x".repeat(256)).is_err());
        assert!(Name::parse(&"x".repeat(255)).is_ok());
        assert!(Name::parse("a\u{0}b").is_err());
    }
}
