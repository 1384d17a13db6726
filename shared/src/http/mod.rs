//! The HTTP edge shared by every function: body and query parsing, paging parameters,
//! versions. Wording for API callers and HTTP types stay here and in `crate::error`.

pub mod access;
mod actor;
pub mod audit;
mod bearer;
mod body;
mod etag;
mod paging;
mod query;
mod source;

pub use actor::{Actor, storefront_user};
pub use bearer::{Admin, AdminPrincipal, Storefront, StorefrontPrincipal, Verifier, scopes};
pub use body::{JsonBody, MAX_BODY_BYTES, nullable, present};
pub use etag::{IfMatch, Versioned, etag};
pub use query::{MAX_PREFIX_CHARS, NoParams, QueryParams, search_prefix};
pub use source::{SourceAddress, source_address};

/// Marks an answer that carries a credential: no cache may keep it (RFC 6749, 5.1).
pub fn no_store(headers: &mut axum::http::HeaderMap) {
    use axum::http::{HeaderValue, header};
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// The answer for paths no route serves.
pub async fn route_not_found() -> crate::ApiError {
    crate::ApiError::NotFound("no such route: see /openapi.json for the routes".into())
}
