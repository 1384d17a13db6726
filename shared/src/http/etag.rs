use axum::{
    Json,
    extract::FromRequestParts,
    response::{IntoResponse, Response},
};
use http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts};
use serde::Serialize;

use crate::error::ApiError;

/// The strong ETag of a resource version.
pub fn etag(version: u64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).expect("digits are a valid header value")
}

/// The versions a PATCH, PUT or DELETE accepts, from its mandatory `If-Match` header:
/// one ETag, or a list of them (RFC 9110). `*` is refused: it would make the write
/// unconditional, and every write here must say which version it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfMatch(Vec<u64>);

impl IfMatch {
    /// Refuses a stale write before any work is done.
    pub fn check(self, current: u64) -> Result<(), ApiError> {
        if self.0.contains(&current) {
            Ok(())
        } else {
            Err(ApiError::PreconditionFailed)
        }
    }

    fn parse(raw: &str) -> Result<Self, ApiError> {
        let malformed = || {
            ApiError::BadRequest("If-Match must be the ETag of the resource, such as \"3\"".into())
        };
        let mut versions = Vec::new();
        // Empty list elements are allowed and mean nothing (RFC 9110, 5.6.1).
        for tag in raw.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let (weak, quoted) = match tag.strip_prefix("W/") {
                Some(rest) => (true, rest),
                None => (false, tag),
            };
            let digits = quoted
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .ok_or_else(malformed)?;
            if weak {
                // Weak tags never match under If-Match (RFC 9110, 13.1.1).
                continue;
            }
            // As the ETags are written: decimal digits, no sign, no leading zero.
            let canonical = !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && (digits == "0" || !digits.starts_with('0'));
            if !canonical {
                return Err(malformed());
            }
            versions.push(digits.parse().map_err(|_| malformed())?);
        }
        if versions.is_empty() {
            return Err(ApiError::PreconditionFailed);
        }
        Ok(IfMatch(versions))
    }

    /// Every `If-Match` line of a request, as one list (RFC 9110, 5.3).
    fn from_headers(headers: &HeaderMap) -> Result<Option<Self>, ApiError> {
        let mut lines = Vec::new();
        for value in headers.get_all(header::IF_MATCH) {
            lines.push(value.to_str().map_err(|_| {
                ApiError::BadRequest(
                    "If-Match must be ASCII: the ETag of the resource, such as \"3\"".into(),
                )
            })?);
        }
        if lines.is_empty() {
            return Ok(None);
        }
        IfMatch::parse(&lines.join(",")).map(Some)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        IfMatch::from_headers(&parts.headers)?.ok_or(ApiError::PreconditionRequired)
    }
}

/// For actions where `If-Match` is welcome but not required.
impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        IfMatch::from_headers(&parts.headers)
    }
}

/// A resource in a response, with its version as the `ETag` header.
pub struct Versioned<T> {
    pub status: StatusCode,
    pub version: u64,
    pub body: T,
    /// Where a created record is read and changed from now on.
    pub location: Option<String>,
}

impl<T> Versioned<T> {
    pub fn ok(version: u64, body: T) -> Self {
        Self {
            status: StatusCode::OK,
            version,
            body,
            location: None,
        }
    }

    /// A new record, found at `location` (a path) from now on.
    pub fn created(location: String, version: u64, body: T) -> Self {
        Self {
            status: StatusCode::CREATED,
            version,
            body,
            location: Some(location),
        }
    }
}

impl<T: Serialize> IntoResponse for Versioned<T> {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::ETAG, etag(self.version));
        if let Some(location) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            headers.insert(header::LOCATION, location);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_strong_tags_only() {
        assert_eq!(IfMatch::parse("\"7\"").unwrap(), IfMatch(vec![7]));
        assert!(matches!(
            IfMatch::parse("W/\"7\""),
            Err(ApiError::PreconditionFailed)
        ));
        for malformed in ["7", "*", "\"+7\"", "\"007\"", "\"\"", "\"7\" junk"] {
            assert!(
                matches!(IfMatch::parse(malformed), Err(ApiError::BadRequest(_))),
                "{malformed}"
            );
        }
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_MATCH,
            HeaderValue::from_bytes(b"\"7\xff\"").unwrap(),
        );
        assert!(matches!(
            IfMatch::from_headers(&headers),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            IfMatch::parse("W/garbage, \"7\""),
            Err(ApiError::BadRequest(_))
        ));
    }

    #[test]
    fn every_if_match_line_counts_and_empty_elements_are_ignored() {
        let mut headers = HeaderMap::new();
        headers.append(header::IF_MATCH, HeaderValue::from_static("\"3\""));
        headers.append(header::IF_MATCH, HeaderValue::from_static("\"7\","));
        let list = IfMatch::from_headers(&headers).unwrap().unwrap();
        assert!(list.clone().check(7).is_ok());
        assert!(list.check(3).is_ok());
        assert_eq!(IfMatch::from_headers(&HeaderMap::new()).unwrap(), None);
    }

    #[test]
    fn a_list_matches_any_of_its_versions() {
        let list = IfMatch::parse("\"3\", W/\"5\", \"7\"").unwrap();
        assert!(list.clone().check(7).is_ok());
        assert!(list.clone().check(3).is_ok());
        assert!(matches!(list.check(5), Err(ApiError::PreconditionFailed)));
    }

    #[test]
    fn stale_versions_fail() {
        assert!(IfMatch(vec![2]).check(2).is_ok());
        assert!(matches!(
            IfMatch(vec![1]).check(2),
            Err(ApiError::PreconditionFailed)
        ));
        assert!(IfMatch(vec![0]).check(0).is_ok());
    }
}
