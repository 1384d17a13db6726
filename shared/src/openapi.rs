//! Pieces of the OpenAPI document every function's paths refer to.

use utoipa::{
    Modify,
    openapi::{
        OpenApi,
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};

/// Adds the bearer scheme: access tokens from `POST /oauth2-token`.
pub struct BearerSecurity;

impl Modify for BearerSecurity {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "backend_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from POST /oauth2-token issued to a backend application (owned by a back-office user), holding the scope the operation names.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Adds the storefront bearer scheme: tokens of applications owned by customer users.
pub struct FrontendSecurity;

impl Modify for FrontendSecurity {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "frontend_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from POST /oauth2-token issued to a frontend application (owned by a customer user); what it may do follows that user's roles.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Says of every operation that declares no security that anyone may call it
/// (`security: []`), as OpenAPI tools expect: without it, a client cannot tell a public
/// operation from one whose security was forgotten.
pub struct PublicOperations;

impl Modify for PublicOperations {
    fn modify(&self, openapi: &mut OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                operation.security.get_or_insert_with(Vec::new);
            }
        }
    }
}

use std::collections::BTreeMap;

use utoipa::{
    IntoResponses, ToSchema,
    openapi::{RefOr, ResponseBuilder, content::ContentBuilder, response::Response},
};

use crate::{
    domain::{Email, Name, Phone},
    error::Problem,
};

/// Writes the domain types' limits into their schemas, for clients that build forms
/// from this document: utoipa's derive cannot state lengths on a newtype. Apply it to
/// the merged document.
pub struct DomainLimits;

impl Modify for DomainLimits {
    fn modify(&self, openapi: &mut OpenApi) {
        use utoipa::openapi::schema::Schema;
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let limits = [
            ("Name", Name::MIN_CHARS, Name::MAX_CHARS, None),
            ("Email", Email::MIN_CHARS, Email::MAX_CHARS, None),
            // A number has at least as many characters as digits.
            (
                "Phone",
                Phone::MIN_DIGITS,
                Phone::MAX_CHARS,
                Some(Phone::PATTERN),
            ),
        ];
        for (name, min, max, pattern) in limits {
            if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(name) {
                object.min_length = Some(min);
                object.max_length = Some(max);
                object.pattern = pattern.map(str::to_owned);
            }
        }
    }
}

fn problem(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                    Problem::name(),
                ))))
                .build(),
        )
        .build()
        .into()
}

fn responses(codes: &[(&str, &str)]) -> BTreeMap<String, RefOr<Response>> {
    codes
        .iter()
        .map(|(code, description)| ((*code).to_owned(), problem(description)))
        .collect()
}

const UNAUTHORIZED: (&str, &str) = (
    "401",
    "Missing, expired, badly signed or revoked token, or a token for another audience",
);
const FORBIDDEN: (&str, &str) = ("403", "The token lacks the scope this operation needs");
const UNAVAILABLE: (&str, &str) = (
    "503",
    "A service this API depends on is not answering: retry after the Retry-After seconds",
);

/// The problems any authenticated read may answer.
pub struct ReadProblems;

impl IntoResponses for ReadProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(&[
            UNAUTHORIZED,
            FORBIDDEN,
            ("404", "No such resource"),
            ("422", "A query parameter is invalid; `errors` names it"),
            UNAVAILABLE,
        ])
    }
}

/// The problems any public route with a JSON body may answer besides its own.
pub struct BodyProblems;

impl IntoResponses for BodyProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(&[
            ("413", "The body is larger than 64 KiB"),
            ("415", "The body is not application/json"),
            UNAVAILABLE,
        ])
    }
}

/// The problems any authenticated write may answer.
pub struct WriteProblems;

impl IntoResponses for WriteProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(&[
            (
                "400",
                "The body is not valid JSON, or If-Match is neither * nor a list of entity-tags",
            ),
            UNAUTHORIZED,
            FORBIDDEN,
            ("404", "No such resource"),
            (
                "409",
                "The change conflicts with other records, or another request was changing the same records at that moment (retry)",
            ),
            (
                "412",
                "If-Match names no current version (a stale or unknown entity-tag): read the resource again",
            ),
            ("413", "The body is larger than 64 KiB"),
            ("415", "The body is not application/json"),
            ("422", "A field is invalid or unknown; `errors` names each"),
            ("428", "If-Match is required"),
            UNAVAILABLE,
        ])
    }
}
