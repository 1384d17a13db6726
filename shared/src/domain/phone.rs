use serde::{Deserialize, Serialize};

use super::InvalidValue;

/// A phone number as people write it: digits with spaces, dashes, dots, parentheses and
/// an optional leading `+`; 5 to 20 digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "+49 30 1234567")]
pub struct Phone(String);

impl Phone {
    pub const MIN_DIGITS: usize = 5;
    pub const MAX_DIGITS: usize = 20;
    pub const MAX_CHARS: usize = 32;
    /// The characters a phone number is written with, as a JSON Schema pattern.
    pub const PATTERN: &str = r"^\+?[0-9 ().-]+$";

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let value = raw.trim();
        let allowed = value
            .char_indices()
            .all(|(i, c)| c.is_ascii_digit() || " -.()".contains(c) || (c == '+' && i == 0));
        let digits = value.chars().filter(char::is_ascii_digit).count();
        if allowed
            && (Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&digits)
            && value.len() <= Self::MAX_CHARS
        {
            Ok(Self(value.to_owned()))
        } else {
            Err(InvalidValue::new(
                "must be a phone number of 5 to 20 digits, such as +49 30 1234567",
            ))
        }
    }
}

string_newtype!(Phone);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_written_forms_and_refuses_letters() {
        for ok in ["+49 30 1234567", "(030) 123-45.67", "12345"] {
            assert!(Phone::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "1234",
            "call me",
            "49+30",
            "+".repeat(3).as_str(),
            &"1".repeat(21),
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }
}
