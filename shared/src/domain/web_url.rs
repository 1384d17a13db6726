use serde::{Deserialize, Serialize};

use super::InvalidValue;

/// An absolute http(s) URL with a host and no query or fragment, kept without a
/// trailing slash so links can be joined to it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "https://shop.example.com")]
pub struct WebUrl(String);

impl WebUrl {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let invalid = || {
            InvalidValue::new(
                "must be an absolute http or https URL such as https://shop.example.com",
            )
        };
        let value = raw.trim();
        if value.len() > 2048 {
            return Err(InvalidValue::new("must be at most 2048 characters long"));
        }
        let uri: http::Uri = value.parse().map_err(|_| invalid())?;
        let scheme_ok = matches!(uri.scheme_str(), Some("http") | Some("https"));
        let host_ok = uri.host().is_some_and(|h| !h.is_empty());
        if !scheme_ok || !host_ok || uri.query().is_some() || value.contains('#') {
            return Err(invalid());
        }
        Ok(Self(value.trim_end_matches('/').to_owned()))
    }
}

string_newtype!(WebUrl);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_absolute_http_urls_without_trailing_slash() {
        assert_eq!(
            WebUrl::parse("https://shop.example.com/").unwrap().as_str(),
            "https://shop.example.com"
        );
        assert!(WebUrl::parse("http://127.0.0.1:8080/store").is_ok());
    }

    #[test]
    fn refuses_other_schemes_relative_and_queries() {
        for bad in [
            "ftp://example.com",
            "/relative",
            "example.com",
            "https://x.com/?a=1",
            "https://x.com/#top",
            "",
        ] {
            assert!(WebUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
