use axum::extract::FromRequestParts;
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Query parameters parsed into a type that rejects unknown parameters, with errors as
/// problem documents rather than plain text.
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(query)
            .map(QueryParams)
            .map_err(|e| {
                let message = e.to_string();
                let field = message.split('`').nth(1).unwrap_or("query").to_owned();
                ApiError::Validation(vec![crate::error::FieldError::new(
                    field,
                    format!("{message}: fix or remove this query parameter"),
                )])
            })
    }
}

/// The query of a route that takes no parameters, although its answer looks like a
/// list's: a `limit` or a filter is refused by name rather than silently ignored.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// The longest prefix a list is filtered by: no name or email is longer. Even folded to
/// lower case it fits the 1,024 bytes DynamoDB allows a key condition.
pub const MAX_PREFIX_CHARS: usize = 255;

const _: () = assert!(
    MAX_PREFIX_CHARS >= crate::domain::Name::MAX_CHARS
        && MAX_PREFIX_CHARS >= crate::domain::Email::MAX_CHARS
        && MAX_PREFIX_CHARS * 4 <= 1024
);

/// The case-insensitive prefix of the query parameter `field`, refused when longer than
/// any value it could match.
pub fn search_prefix(field: &str, raw: Option<String>) -> Result<Option<String>, ApiError> {
    match raw {
        Some(prefix) if prefix.chars().count() > MAX_PREFIX_CHARS => Err(ApiError::field(
            field,
            format!(
                "is at most {MAX_PREFIX_CHARS} characters, as the values it matches are: shorten it"
            ),
        )),
        prefix => Ok(prefix),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_longer_than_any_value_is_refused_by_name() {
        let longest = "é".repeat(MAX_PREFIX_CHARS);
        assert_eq!(
            search_prefix("name", Some(longest.clone())).unwrap(),
            Some(longest)
        );
        assert_eq!(search_prefix("name", None).unwrap(), None);
        match search_prefix("email", Some("a".repeat(MAX_PREFIX_CHARS + 1))) {
            Err(ApiError::Validation(errors)) => assert_eq!(errors[0].field, "email"),
            other => panic!("{other:?}"),
        }
    }
}
