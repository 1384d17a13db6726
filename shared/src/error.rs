//! The one error type of the HTTP edge, rendered as RFC 9457 `application/problem+json`.

use axum::{
    Json,
    response::{IntoResponse, Response},
};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

pub use crate::domain::FieldError;
use crate::{
    application::MAX_APPLICATIONS_PER_OWNER,
    domain::{BrokenInvariant, InvalidFields},
    ports::{Dependency, Outage, Reference, StoreError, Unique},
};

/// The `Retry-After` of every 503: a dependency that failed a call is retried by the
/// SDK already, so the caller waits a little longer than that before trying again.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    BadRequest(String),
    #[error("{detail}")]
    Unauthorized {
        detail: String,
        /// Whether the client sent a token at all (RFC 6750 leaves out the error code then).
        token_sent: bool,
    },
    #[error("{0}")]
    Forbidden(String),
    /// A valid token without the route's scope: 403 with RFC 6750's challenge naming it.
    #[error("{detail}")]
    InsufficientScope { detail: String, scope: &'static str },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the request must carry an If-Match header with the resource's ETag")]
    PreconditionRequired,
    #[error(
        "the resource was changed since it was read: fetch it again and retry with its new ETag"
    )]
    PreconditionFailed,
    #[error("the request body must be at most {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Sent with `Retry-After`: the seconds until a new attempt counts again.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_seconds: u64,
    },
    #[error("{0}")]
    Unavailable(String),
    /// A dependency failed to answer: 503 with `Retry-After`; which one and the
    /// operation go to the log only.
    #[error("a service this API depends on is not answering: retry after the Retry-After seconds")]
    Outage(Outage),
    /// Details go to the log, never to the caller.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::Unauthorized {
            detail: detail.into(),
            token_sent: true,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::InsufficientScope { .. } => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::Outage(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn slug(&self) -> &'static str {
        match self {
            Self::Validation(_) => "validation-error",
            Self::BadRequest(_) => "bad-request",
            Self::Unauthorized { .. } => "unauthorized",
            Self::Forbidden(_) | Self::InsufficientScope { .. } => "forbidden",
            Self::NotFound(_) => "not-found",
            Self::Conflict(_) => "conflict",
            Self::PreconditionRequired => "precondition-required",
            Self::PreconditionFailed => "precondition-failed",
            Self::PayloadTooLarge { .. } => "payload-too-large",
            Self::UnsupportedMediaType(_) => "unsupported-media-type",
            Self::TooManyRequests { .. } => "too-many-requests",
            Self::Unavailable(_) | Self::Outage(_) => "service-unavailable",
            Self::Internal(_) => "internal-error",
        }
    }

    pub fn to_problem(&self) -> Problem {
        let status = self.status();
        Problem {
            problem_type: format!("urn:problem-type:customer-users:{}", self.slug()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.to_string(),
            errors: match self {
                Self::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            Self::Internal(detail) => tracing::error!(error = %detail, "request failed"),
            Self::Unavailable(detail) => tracing::warn!(error = %detail, "service unavailable"),
            Self::Outage(outage) => tracing::warn!(
                dependency = outage.dependency,
                operation = outage.operation,
                error = %outage,
                "a dependency failed: answered 503"
            ),
            _ => {}
        }
        let mut response = (self.status(), Json(self.to_problem())).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Self::TooManyRequests {
            retry_after_seconds,
            ..
        } = &self
        {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_seconds));
        }
        if self.status() == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
        }
        if let Self::Unauthorized { token_sent, .. } = &self {
            let challenge = if *token_sent {
                r#"Bearer error="invalid_token""#
            } else {
                "Bearer"
            };
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        // Only a missing scope is the token's fault; other refusals (organization,
        // storefront permissions) are not solved by another token.
        if let Self::InsufficientScope { scope, .. } = &self
            && let Ok(challenge) = HeaderValue::from_str(&format!(
                r#"Bearer error="insufficient_scope", scope="{scope}""#
            ))
        {
            headers.insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::NotFound("the resource does not exist".into()),
            StoreError::VersionConflict => Self::PreconditionFailed,
            StoreError::Taken(unique) => Self::Conflict(taken(unique).into()),
            StoreError::InUse(reference) => Self::Conflict(in_use(reference)),
            StoreError::Moved(dependency) => Self::Conflict(moved(dependency).into()),
            StoreError::TooManyApplications => Self::Conflict(format!(
                "the owner already has {MAX_APPLICATIONS_PER_OWNER} applications, the most allowed: delete an unused application first"
            )),
            StoreError::BadCursor => Self::Validation(vec![FieldError::new(
                "cursor",
                "is not a cursor this list returned for these filters: start again without it",
            )]),
            StoreError::Contention => Self::Conflict(
                "the record is being changed by another request at the same moment: read it again and retry".into(),
            ),
            StoreError::Unavailable(outage) => Self::Outage(outage),
            StoreError::Backend(detail) => Self::Internal(detail),
        }
    }
}

/// A unique value another record holds, in words for the caller.
fn taken(unique: Unique) -> &'static str {
    match unique {
        Unique::Id => "a record with this id already exists",
        Unique::UserEmail => "another back-office user already has this email",
        Unique::CustomerUserEmail => {
            "another customer user of this organization already has this email"
        }
        Unique::ApplicationName => {
            "the owner already has an application of this name in this organization"
        }
    }
}

/// Why a record cannot go, and what to do first.
fn in_use(reference: Reference) -> String {
    match reference {
        Reference::WebsiteCustomerUsers => "customer users are registered on this website: move them to another website first".into(),
        Reference::CustomerSubsidiaries => "the customer has subsidiaries: move or delete them first".into(),
        Reference::CustomerCustomerUsers => "the customer has customer users: move or delete them first".into(),
        Reference::CustomerOwnRoles { most } => format!("the customer has more than {most} roles of its own: delete some first"),
        Reference::RoleHolders => "customer users hold this role: give them other roles first".into(),
        Reference::RoleDefaultForWebsites => "a website gives this role to new customer users by default: choose another default first".into(),
        Reference::ConsentAcceptances => "customer users accepted this consent: it stays as the record of their acceptance".into(),
    }
}

/// What changed under a write, and how to go on.
fn moved(dependency: Dependency) -> &'static str {
    match dependency {
        Dependency::OwnerApplications => {
            "an application of this user was created or deleted meanwhile: retry"
        }
        Dependency::DefaultRole => {
            "the default role was just deleted: choose another default_role_id"
        }
        Dependency::CustomerAncestors => {
            "the new parent, or a customer above it, was moved or deleted meanwhile: read the hierarchy again and retry"
        }
        Dependency::Customer => "the customer user's customer changed meanwhile: retry",
        Dependency::Role => "one of the chosen roles was just deleted: list the roles again",
        Dependency::Consent => {
            "one of the chosen consents was just deleted: list the consents again"
        }
        Dependency::Website => "the website was just deleted: choose another",
    }
}

impl From<InvalidFields> for ApiError {
    fn from(InvalidFields(errors): InvalidFields) -> Self {
        Self::Validation(errors)
    }
}

/// A broken invariant of our own code answers 500 and is logged, never a panic
/// (which, with `panic = "abort"`, would end the container and every request in it).
impl From<BrokenInvariant> for ApiError {
    fn from(broken: BrokenInvariant) -> Self {
        Self::Internal(broken.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Validation;

    #[test]
    fn problem_carries_status_type_and_field_errors() {
        let problem = ApiError::field("name", "must not be blank").to_problem();
        assert_eq!(problem.status, 422);
        assert!(problem.problem_type.ends_with("validation-error"));
        assert_eq!(
            problem.errors,
            vec![FieldError::new("name", "must not be blank")]
        );
    }

    #[test]
    fn internal_details_are_not_shown() {
        let problem = ApiError::Internal("table xyz throttled".into()).to_problem();
        assert!(!problem.detail.contains("xyz"));
    }

    #[test]
    fn invalid_fields_are_a_422_naming_each_field() {
        let mut v = Validation::default();
        v.add("a", "is wrong");
        let error = ApiError::from(v.finish().unwrap_err());
        assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            error.to_problem().errors,
            vec![FieldError::new("a", "is wrong")]
        );
    }

    #[test]
    fn too_many_applications_says_the_cap_and_what_to_do() {
        let refused = ApiError::from(StoreError::TooManyApplications).to_string();
        assert!(refused.contains("10 applications"), "{refused}");
        assert!(
            refused.contains("delete an unused application"),
            "{refused}"
        );
    }

    #[test]
    fn too_many_requests_says_when_to_retry() {
        let response = ApiError::TooManyRequests {
            message: "too many".into(),
            retry_after_seconds: 42,
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "42");
    }

    #[test]
    fn store_conflicts_are_409s_that_say_what_to_do() {
        for (error, words) in [
            (
                StoreError::Taken(Unique::CustomerUserEmail),
                "already has this email",
            ),
            (
                StoreError::InUse(Reference::CustomerOwnRoles { most: 98 }),
                "more than 98 roles",
            ),
            (
                StoreError::Moved(Dependency::OwnerApplications),
                "meanwhile: retry",
            ),
        ] {
            let answer = ApiError::from(error);
            assert_eq!(answer.status(), StatusCode::CONFLICT);
            assert!(answer.to_string().contains(words), "{answer}");
        }
    }

    #[test]
    fn an_outage_is_a_503_with_retry_after_that_names_no_dependency() {
        let outage = Outage {
            dependency: "DynamoDB",
            operation: "Query",
            cause: crate::ports::OutageCause::TimedOut,
        };
        let error = ApiError::from(StoreError::Unavailable(outage));
        assert_eq!(error.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(!error.to_string().contains("DynamoDB"), "{error}");
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let unavailable = ApiError::Unavailable("no signing key".into()).into_response();
        assert_eq!(unavailable.headers()[header::RETRY_AFTER], "5");
    }

    #[test]
    fn a_broken_invariant_is_internal() {
        let error = ApiError::from(crate::domain::checked::<u8>(None).unwrap_err());
        assert_eq!(error.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!error.to_problem().detail.contains("missing"));
    }
}
