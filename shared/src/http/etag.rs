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

/// The versions a PATCH, PUT or DELETE accepts, from its mandatory `If-Match` header
/// (RFC 9110, 13.1.1): `*`, which matches whatever version the resource has now, or a
/// list of entity-tags. A well-formed tag that is not one of our ETags (`"abc"`,
/// `"007"`, a weak tag) matches nothing, so the write fails with 412; only a header that
/// is not `*` or a list of entity-tags is refused as malformed (400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// `*`: any current version. The write is still conditioned on the version read.
    Any,
    /// The versions named by strong tags; the tags that name none are dropped.
    Versions(Vec<u64>),
}

impl IfMatch {
    /// Refuses a stale write before any work is done.
    pub fn check(self, current: u64) -> Result<(), ApiError> {
        match self {
            IfMatch::Any => Ok(()),
            IfMatch::Versions(versions) if versions.contains(&current) => Ok(()),
            IfMatch::Versions(_) => Err(ApiError::PreconditionFailed),
        }
    }

    /// Parses `"*" / #entity-tag`, where `entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE` and
    /// `etagc = %x21 / %x23-7E / obs-text`. Lists allow empty elements and optional
    /// whitespace around commas (RFC 9110, 5.6.1).
    fn parse(raw: &[u8]) -> Result<Self, ApiError> {
        let malformed = || {
            ApiError::BadRequest(
                "If-Match must be * or a list of entity-tags, such as \"3\" (the ETag of the resource)"
                    .into(),
            )
        };
        let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
        let trimmed = trim(raw, is_ows);
        if trimmed == b"*" {
            return Ok(IfMatch::Any);
        }
        let mut versions = Vec::new();
        let mut rest = raw;
        loop {
            // Skip whitespace and empty list elements.
            while let Some((first, tail)) = rest.split_first() {
                if is_ows(first) || *first == b',' {
                    rest = tail;
                } else {
                    break;
                }
            }
            if rest.is_empty() {
                break;
            }
            let (weak, tagged) = match rest.strip_prefix(b"W/") {
                Some(tail) => (true, tail),
                None => (false, rest),
            };
            let opaque = tagged.strip_prefix(b"\"").ok_or_else(malformed)?;
            let end = opaque
                .iter()
                .position(|b| *b == b'"')
                .ok_or_else(malformed)?;
            let (tag, after) = (&opaque[..end], &opaque[end + 1..]);
            let etagc = |b: &u8| *b == 0x21 || (0x23..=0x7e).contains(b) || *b >= 0x80;
            if !tag.iter().all(etagc) {
                return Err(malformed());
            }
            // After a tag: optional whitespace, then a comma or the end.
            let after = trim(after, is_ows);
            if !(after.is_empty() || after.starts_with(b",")) {
                return Err(malformed());
            }
            rest = after;
            // Weak tags never match under If-Match (strong comparison, RFC 9110, 8.8.3.2),
            // and a tag matches only when it is exactly one of our ETags.
            if !weak && let Some(version) = version_of(tag) {
                versions.push(version);
            }
        }
        Ok(IfMatch::Versions(versions))
    }

    /// Every `If-Match` line of a request, as one list (RFC 9110, 5.3).
    fn from_headers(headers: &HeaderMap) -> Result<Option<Self>, ApiError> {
        let lines: Vec<&[u8]> = headers
            .get_all(header::IF_MATCH)
            .iter()
            .map(HeaderValue::as_bytes)
            .collect();
        if lines.is_empty() {
            return Ok(None);
        }
        IfMatch::parse(&lines.join(&b',')).map(Some)
    }
}

/// The version an opaque tag names, if it is written as our ETags are: decimal digits,
/// no sign, no leading zero.
fn version_of(tag: &[u8]) -> Option<u64> {
    let canonical = !tag.is_empty()
        && tag.iter().all(u8::is_ascii_digit)
        && (tag == b"0" || !tag.starts_with(b"0"));
    if !canonical {
        return None;
    }
    std::str::from_utf8(tag).ok()?.parse().ok()
}

fn trim(mut bytes: &[u8], space: impl Fn(&u8) -> bool) -> &[u8] {
    while let Some((first, tail)) = bytes.split_first() {
        if !space(first) {
            break;
        }
        bytes = tail;
    }
    while let Some((last, head)) = bytes.split_last() {
        if !space(last) {
            break;
        }
        bytes = head;
    }
    bytes
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

    fn parse(raw: &str) -> Result<IfMatch, ApiError> {
        IfMatch::parse(raw.as_bytes())
    }

    #[test]
    fn strong_tags_name_versions() {
        assert_eq!(parse("\"7\"").unwrap(), IfMatch::Versions(vec![7]));
        assert_eq!(parse(" \"0\" ").unwrap(), IfMatch::Versions(vec![0]));
    }

    #[test]
    fn a_well_formed_tag_that_is_no_version_matches_nothing() {
        for other in [
            "\"not-a-version\"",
            "\"+7\"",
            "\"007\"",
            "\"\"",
            "W/\"7\"",
            "\"a,b\"",
            "\"99999999999999999999999\"",
        ] {
            let parsed = parse(other).unwrap_or_else(|e| panic!("{other}: {e:?}"));
            assert_eq!(parsed, IfMatch::Versions(vec![]), "{other}");
            assert!(
                matches!(parsed.check(7), Err(ApiError::PreconditionFailed)),
                "{other}"
            );
        }
        // obs-text is an etagc too.
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_MATCH,
            HeaderValue::from_bytes(b"\"7\xff\"").unwrap(),
        );
        let parsed = IfMatch::from_headers(&headers).unwrap().unwrap();
        assert!(matches!(parsed.check(7), Err(ApiError::PreconditionFailed)));
    }

    #[test]
    fn only_a_malformed_header_is_a_bad_request() {
        for malformed in [
            "7",
            "\"7",
            "\"7\" junk",
            "\"7\"\"8\"",
            "W/garbage, \"7\"",
            "w/\"7\"",
            "\"a b\"",
            "*, \"7\"",
            "**",
            "\"7\", *",
        ] {
            assert!(
                matches!(parse(malformed), Err(ApiError::BadRequest(_))),
                "{malformed}"
            );
        }
    }

    #[test]
    fn a_star_matches_any_current_version() {
        assert_eq!(parse("*").unwrap(), IfMatch::Any);
        assert_eq!(parse(" * ").unwrap(), IfMatch::Any);
        assert!(IfMatch::Any.check(0).is_ok());
        assert!(IfMatch::Any.check(42).is_ok());
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
        assert_eq!(parse(" , ,").unwrap(), IfMatch::Versions(vec![]));
    }

    #[test]
    fn a_list_matches_any_of_its_versions() {
        let list = parse("\"3\", W/\"5\", \"x\",\"7\"").unwrap();
        assert!(list.clone().check(7).is_ok());
        assert!(list.clone().check(3).is_ok());
        assert!(matches!(list.check(5), Err(ApiError::PreconditionFailed)));
    }

    #[test]
    fn stale_versions_fail() {
        assert!(IfMatch::Versions(vec![2]).check(2).is_ok());
        assert!(matches!(
            IfMatch::Versions(vec![1]).check(2),
            Err(ApiError::PreconditionFailed)
        ));
        assert!(IfMatch::Versions(vec![0]).check(0).is_ok());
    }
}
