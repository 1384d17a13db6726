//! The HTTP edge shared by every function: body and query parsing, paging, versions.

mod body;
mod etag;
mod paging;
mod query;

pub use body::{JsonBody, MAX_BODY_BYTES, nullable};
pub use etag::{IfMatch, Versioned, etag};
pub use paging::{Page, PageRequest};
pub use query::QueryParams;

/// The answer for paths no route serves.
pub async fn route_not_found() -> crate::ApiError {
    crate::ApiError::NotFound("no such route: see /openapi.json for the routes".into())
}
