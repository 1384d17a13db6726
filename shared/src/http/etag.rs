use axum::{
    Json,
    extract::FromRequestParts,
    response::{IntoResponse, Response},
};
use http::{HeaderValue, StatusCode, header, request::Parts};
use serde::Serialize;

use crate::error::ApiError;

/// The strong ETag of a resource version.
pub fn etag(version: u64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).expect("digits are a valid header value")
}

/// The version a PATCH, PUT or DELETE expects, from its mandatory `If-Match` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(pub u64);

impl IfMatch {
    /// Refuses a stale write before any work is done.
    pub fn check(self, current: u64) -> Result<(), ApiError> {
        if self.0 == current {
            Ok(())
        } else {
            Err(ApiError::PreconditionFailed)
        }
    }

    fn parse(raw: &str) -> Result<Self, ApiError> {
        let raw = raw.trim();
        if raw.starts_with("W/") {
            // Weak tags never match under If-Match (RFC 9110, 13.1.1).
            return Err(ApiError::PreconditionFailed);
        }
        raw.strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .and_then(|v| v.parse::<u64>().ok())
            .map(IfMatch)
            .ok_or_else(|| {
                ApiError::BadRequest(
                    "If-Match must be the ETag of the resource, such as \"3\"".into(),
                )
            })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get(header::IF_MATCH)
            .ok_or(ApiError::PreconditionRequired)?;
        let raw = value.to_str().map_err(|_| ApiError::PreconditionFailed)?;
        IfMatch::parse(raw)
    }
}

/// For actions where `If-Match` is welcome but not required.
impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        match parts.headers.get(header::IF_MATCH) {
            None => Ok(None),
            Some(value) => {
                let raw = value.to_str().map_err(|_| ApiError::PreconditionFailed)?;
                IfMatch::parse(raw).map(Some)
            }
        }
    }
}

/// A resource in a response, with its version as the `ETag` header.
pub struct Versioned<T> {
    pub status: StatusCode,
    pub version: u64,
    pub body: T,
}

impl<T> Versioned<T> {
    pub fn ok(version: u64, body: T) -> Self {
        Self {
            status: StatusCode::OK,
            version,
            body,
        }
    }

    pub fn created(version: u64, body: T) -> Self {
        Self {
            status: StatusCode::CREATED,
            version,
            body,
        }
    }
}

impl<T: Serialize> IntoResponse for Versioned<T> {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        response
            .headers_mut()
            .insert(header::ETAG, etag(self.version));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_strong_tags_only() {
        assert_eq!(IfMatch::parse("\"7\"").unwrap(), IfMatch(7));
        assert!(matches!(
            IfMatch::parse("W/\"7\""),
            Err(ApiError::PreconditionFailed)
        ));
        assert!(matches!(IfMatch::parse("7"), Err(ApiError::BadRequest(_))));
        assert!(matches!(IfMatch::parse("*"), Err(ApiError::BadRequest(_))));
    }

    #[test]
    fn stale_versions_fail() {
        assert!(IfMatch(2).check(2).is_ok());
        assert!(matches!(
            IfMatch(1).check(2),
            Err(ApiError::PreconditionFailed)
        ));
    }
}
