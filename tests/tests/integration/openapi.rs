//! `openapi.json` is generated from the code; this fails while the committed copy
//! differs. `make openapi` rewrites it.

use integration_tests::{openapi_document, workspace_root};

#[test]
fn the_committed_openapi_document_is_the_generated_one() {
    let generated = serde_json::to_string_pretty(&openapi_document()).unwrap() + "\n";
    let path = workspace_root().join("openapi.json");
    if std::env::var("UPDATE_OPENAPI").is_ok() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    assert!(
        committed == generated,
        "openapi.json is stale: run `make openapi` and commit the result"
    );
}

#[test]
fn every_admin_operation_declares_its_scope_and_problems() {
    let document = serde_json::to_value(openapi_document()).unwrap();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if !path.starts_with("/admin") {
                continue;
            }
            let security = &operation["security"][0]["backend_token"];
            // A back-office user's own password takes any token that acts for them.
            let own = path == "/admin/users/{id}/password";
            assert!(
                security
                    .as_array()
                    .is_some_and(|s| s.len() == usize::from(!own)),
                "{method} {path} names one scope"
            );
            for code in ["401", "403"] {
                assert!(
                    operation["responses"].get(code).is_some(),
                    "{method} {path} documents {code}"
                );
            }
        }
    }
    assert!(document["components"]["securitySchemes"]["backend_token"].is_object());
}

/// Every 201 says where the new record is (the tests' `Stack::send` checks the answers).
#[test]
fn every_create_documents_its_location() {
    let document = serde_json::to_value(openapi_document()).unwrap();
    let mut creates = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let created = &operation["responses"]["201"];
            if created.is_object() {
                assert!(
                    created["headers"]["Location"].is_object(),
                    "{method} {path} documents Location"
                );
                creates += 1;
            }
        }
    }
    assert_eq!(creates, 12);
}

/// A route that takes JSON can answer 400, 413, 415 and 422 whatever else it does, and
/// every problem is `application/problem+json` (the OAuth endpoints answer RFC 6749
/// errors or, for people, HTML pages instead).
#[test]
fn every_json_body_documents_its_problems_as_problem_json() {
    let document = serde_json::to_value(openapi_document()).unwrap();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            if operation["requestBody"]["content"]["application/json"].is_object() {
                for code in ["400", "413", "415", "422"] {
                    assert!(
                        responses.contains_key(code),
                        "{method} {path} documents {code}"
                    );
                }
            }
            if path.starts_with("/oauth2") {
                continue;
            }
            for (code, response) in responses.iter().filter(|(c, _)| c.starts_with('4')) {
                assert!(
                    response["content"]["application/problem+json"].is_object(),
                    "{method} {path} documents {code} as application/problem+json"
                );
            }
        }
    }
}

/// The lengths the parsers enforce are stated in the document, so that a form built from
/// it refuses what the API would.
#[test]
fn the_documented_limits_are_the_parsers_limits() {
    use shared::domain::{Email, Name, Phone};
    let document = serde_json::to_value(openapi_document()).unwrap();
    let schema = |name: &str| document["components"]["schemas"][name].clone();
    assert_eq!(schema("Name")["minLength"], Name::MIN_CHARS);
    assert_eq!(schema("Name")["maxLength"], Name::MAX_CHARS);
    assert!(Name::parse(&"x".repeat(Name::MAX_CHARS)).is_ok());
    assert!(Name::parse(&"x".repeat(Name::MAX_CHARS + 1)).is_err());
    assert_eq!(schema("Email")["minLength"], Email::MIN_CHARS);
    assert_eq!(schema("Email")["maxLength"], Email::MAX_CHARS);
    assert!(Email::parse("a@b.co").is_ok());
    assert!(Email::parse("a@b.c").is_err());
    assert_eq!(schema("Phone")["minLength"], Phone::MIN_DIGITS);
    assert_eq!(schema("Phone")["maxLength"], Phone::MAX_CHARS);
    assert_eq!(schema("Phone")["pattern"], Phone::PATTERN);
    assert!(Phone::parse("+49 (30) 123-45.67").is_ok());
    assert!(Phone::parse("+49 30 1234567 ext 8").is_err());
    let mut lists = 0;
    for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
        let representatives = &schema["properties"]["sales_representative_ids"];
        let body = name.starts_with("Create") || name.starts_with("Update");
        if body && representatives.is_object() {
            assert_eq!(
                representatives["maxItems"],
                shared::rules::MAX_SALES_REPRESENTATIVES,
                "{name}"
            );
            lists += 1;
        }
    }
    assert_eq!(lists, 4, "the create and update bodies");
}

/// Client generators need one stable, unique operationId per operation; linters and
/// clients need a summary, and to know which operations anyone may call.
#[test]
fn every_operation_has_a_unique_id_a_summary_and_its_security() {
    let document = serde_json::to_value(openapi_document()).unwrap();
    let mut ids = std::collections::BTreeSet::new();
    let mut public = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap_or_default();
            assert!(
                id.len() > 3 && id.chars().all(|c| c.is_ascii_alphanumeric()),
                "{method} {path}: {id:?}"
            );
            assert!(ids.insert(id.to_owned()), "{method} {path}: {id} twice");
            assert!(
                operation["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{method} {path} has a summary"
            );
            let security = operation["security"].as_array();
            assert!(security.is_some(), "{method} {path} declares its security");
            if security.is_some_and(|s| s.is_empty()) {
                public.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    assert_eq!(
        public,
        [
            "GET /.well-known/jwks.json",
            "GET /.well-known/oauth-authorization-server",
            "POST /customer-user/confirm",
            "POST /customer-user/password-reset",
            "POST /customer-user/password-reset/request",
            "POST /oauth2-token",
            "GET /oauth2/authorize",
            "POST /oauth2/authorize",
            "POST /oauth2/revoke",
            "GET /openapi.json",
        ]
    );
    let customer_users = &document["paths"]["/admin/customer-users"];
    assert_eq!(customer_users["get"]["operationId"], "listCustomerUsers");
    assert_eq!(customer_users["post"]["operationId"], "createCustomerUser");
}
