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
