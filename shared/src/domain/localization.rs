use serde::{Deserialize, Serialize};

use super::InvalidValue;

/// A localization code: an ISO 639-1 language and an ISO 3166-1 region, as `en_US`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "en_US", pattern = "^[a-z]{2}_[A-Z]{2}$")]
pub struct Localization(String);

impl Localization {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let bytes = raw.as_bytes();
        let ok = bytes.len() == 5
            && bytes[..2].iter().all(u8::is_ascii_lowercase)
            && bytes[2] == b'_'
            && bytes[3..].iter().all(u8::is_ascii_uppercase);
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidValue::new(
                "must be a localization code like en_US (language, underscore, region)",
            ))
        }
    }
}

string_newtype!(Localization);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_language_and_region() {
        assert!(Localization::parse("de_DE").is_ok());
        for bad in ["de", "DE_de", "de-DE", "deu_DE", ""] {
            assert!(Localization::parse(bad).is_err(), "{bad}");
        }
    }
}
