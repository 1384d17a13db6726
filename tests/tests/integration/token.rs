//! POST /oauth2-token and the JWKS, against the emulator.

use base64::{Engine, engine::general_purpose::STANDARD};
use http::{Method, StatusCode};
use integration_tests::{ISSUER, Stack};
use jsonwebtoken::{DecodingKey, Validation, decode, decode_header, jwk::JwkSet};
use serde_json::Value;
use shared::{
    application::Owner,
    auth::{KEYS_NOT_CONFIGURED, Scope},
    ports::ApplicationStore,
    provision::ClientCredentials,
};

fn error_of(reply: &integration_tests::Reply) -> &str {
    reply.json["error"].as_str().unwrap_or_default()
}

async fn verify_with_jwks(stack: &Stack, token: &str, audience: &str) -> Value {
    let jwks = stack
        .request(Method::GET, "/.well-known/jwks.json")
        .send()
        .await;
    assert_eq!(jwks.status, StatusCode::OK);
    let set: JwkSet = serde_json::from_value(jwks.json.clone()).expect("a JWK set");
    let header = decode_header(token).unwrap();
    let jwk = set
        .find(header.kid.as_deref().expect("kid"))
        .expect("the token's key is published");
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[ISSUER]);
    decode::<Value>(token, &DecodingKey::from_jwk(jwk).unwrap(), &validation)
        .expect("the token verifies with the published key")
        .claims
}

#[tokio::test]
async fn issues_an_rfc_9068_token_to_a_backend_application() {
    let stack = Stack::new().await;
    let reply = stack.try_token(&stack.admin, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.json["token_type"], "Bearer");
    assert_eq!(reply.json["expires_in"], 3600);
    let token = reply.json["access_token"].as_str().unwrap();

    let header = decode_header(token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);

    let claims = verify_with_jwks(&stack, token, "backend-api").await;
    assert_eq!(claims["iss"], ISSUER);
    assert_eq!(claims["sub"], stack.provisioned.admin_user_id.to_string());
    assert_eq!(claims["client_id"], stack.admin.client_id);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    assert_eq!(claims["nbf"], claims["iat"]);
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));
    let granted: Vec<&str> = claims["scope"].as_str().unwrap().split(' ').collect();
    assert_eq!(
        granted.len(),
        Scope::ALL.len(),
        "no scope requested means all held"
    );
}

#[tokio::test]
async fn accepts_http_basic_client_authentication_and_the_scopes_alias() {
    let stack = Stack::new().await;
    let basic = STANDARD.encode(format!(
        "{}:{}",
        stack.admin.client_id,
        integration_tests::encode(&stack.admin.client_secret)
    ));
    let reply = stack
        .request(Method::POST, "/oauth2-token")
        .header("authorization", &format!("Basic {basic}"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scopes", "directory:read"),
        ])
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["scope"], "directory:read");
}

#[tokio::test]
async fn frontend_applications_get_frontend_tokens() {
    let stack = Stack::new().await;
    let (_, token) = stack.storefront_administrator().await;
    let claims = verify_with_jwks(&stack, &token, "frontend-api").await;
    assert_eq!(claims["aud"], "frontend-api");
    assert!(claims.get("scope").is_none());
    // ...and a frontend token is no key to the back office.
    let reply = stack
        .request(Method::GET, "/admin/organizations")
        .bearer(&token)
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn refuses_scopes_the_application_does_not_hold() {
    let stack = Stack::new().await;
    let owner = Owner::Backend {
        user_id: stack.provisioned.admin_user_id,
    };
    let (_, credentials) = stack.application(owner, &[Scope::DirectoryRead]).await;
    for scope in ["directory:write", "directory:read roles:read", "everything"] {
        let reply = stack.try_token(&credentials, Some(scope)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{scope}");
        assert_eq!(error_of(&reply), "invalid_scope", "{scope}");
    }
    assert_eq!(
        stack
            .try_token(&credentials, Some("directory:read"))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn malformed_requests_are_invalid_request() {
    let stack = Stack::new().await;
    let id = stack.admin.client_id.as_str();
    let secret = stack.admin.client_secret.as_str();
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "no grant_type",
            vec![("client_id", id), ("client_secret", secret)],
        ),
        (
            "a repeated parameter",
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_id", id),
                ("client_secret", secret),
            ],
        ),
    ];
    for (what, form) in cases {
        let reply = stack
            .request(Method::POST, "/oauth2-token")
            .form(&form)
            .send()
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{what}: {}",
            reply.text
        );
        assert_eq!(error_of(&reply), "invalid_request", "{what}");
        assert!(
            reply.json["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
    }
    let json = stack
        .request(Method::POST, "/oauth2-token")
        .raw("application/json", format!(r#"{{"grant_type":"client_credentials","client_id":"{id}","client_secret":"{secret}"}}"#))
        .send()
        .await;
    assert_eq!(json.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&json), "invalid_request");
    let both = STANDARD.encode(format!("{id}:{secret}"));
    let twice = stack
        .request(Method::POST, "/oauth2-token")
        .header("authorization", &format!("Basic {both}"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await;
    assert_eq!(error_of(&twice), "invalid_request");
    let padding = "x".repeat(65 * 1024);
    let huge = stack
        .request(Method::POST, "/oauth2-token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
            ("padding", padding.as_str()),
        ])
        .send()
        .await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", huge.text);
    assert_eq!(error_of(&huge), "invalid_request");
    assert_eq!(huge.header("cache-control"), Some("no-store"));
    // Bytes that are not UTF-8, and Basic credentials that are not base64 or lack the
    // colon, are the caller's mistakes too.
    let mut not_utf8 = b"grant_type=client_credentials&client_id=".to_vec();
    not_utf8.extend_from_slice(&[0xff, 0xfe]);
    not_utf8.extend_from_slice(format!("&client_secret={secret}").as_bytes());
    let bytes = stack
        .request(Method::POST, "/oauth2-token")
        .raw("application/x-www-form-urlencoded", not_utf8)
        .send()
        .await;
    assert!(bytes.status.is_client_error(), "{}", bytes.text);
    assert!(!error_of(&bytes).is_empty(), "{}", bytes.text);
}

/// RFC 6749 (5.2): a request without client authentication, or whose Authorization
/// header is not valid HTTP Basic, is `invalid_client` with 401 and the challenge.
#[tokio::test]
async fn missing_or_malformed_client_authentication_is_invalid_client() {
    let stack = Stack::new().await;
    let id = stack.admin.client_id.as_str();
    let secret = stack.admin.client_secret.as_str();
    let grant = ("grant_type", "client_credentials");
    // What is sent: its name, an Authorization header, the form.
    type Case<'a> = (String, Option<String>, Vec<(&'a str, &'a str)>);
    let mut cases: Vec<Case> = vec![
        ("no client".into(), None, vec![grant]),
        ("no secret".into(), None, vec![grant, ("client_id", id)]),
        (
            "empty values".into(),
            None,
            vec![grant, ("client_id", ""), ("client_secret", "")],
        ),
        (
            "a Bearer header".into(),
            Some("Bearer abc".into()),
            vec![grant, ("client_id", id), ("client_secret", secret)],
        ),
    ];
    for basic in [
        "not base64!".to_owned(),
        STANDARD.encode("no colon"),
        STANDARD.encode([0xff, b':', 0xfe]),
    ] {
        cases.push((basic.clone(), Some(format!("Basic {basic}")), vec![grant]));
    }
    for (what, authorization, form) in cases {
        let mut request = stack.request(Method::POST, "/oauth2-token").form(&form);
        if let Some(value) = &authorization {
            request = request.header("authorization", value);
        }
        let reply = request.send().await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{what}: {}",
            reply.text
        );
        assert_eq!(error_of(&reply), "invalid_client", "{what}");
        assert!(
            reply
                .header("www-authenticate")
                .is_some_and(|c| c.starts_with("Basic"))
        );
    }
}

/// RFC 6749 (3.1): a parameter without a value counts as omitted; naming the client
/// beside its Basic credentials is identification, not a second authentication.
#[tokio::test]
async fn empty_parameters_are_omitted_and_a_basic_client_may_name_itself() {
    let stack = Stack::new().await;
    let id = stack.admin.client_id.as_str();
    let secret = stack.admin.client_secret.as_str();
    let basic = format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")));
    let ask = |form: &[(&str, &str)]| {
        stack
            .request(Method::POST, "/oauth2-token")
            .header("authorization", &basic)
            .form(form)
            .send()
    };
    let grant = ("grant_type", "client_credentials");
    for form in [
        vec![grant, ("client_id", ""), ("client_secret", "")],
        vec![grant, ("client_id", id)],
        vec![grant, ("scope", "")],
    ] {
        let reply = ask(&form).await;
        assert_eq!(reply.status, StatusCode::OK, "{form:?}: {}", reply.text);
    }
    let someone_else = "0".repeat(32);
    let other = ask(&[grant, ("client_id", &someone_else)]).await;
    assert_eq!(other.status, StatusCode::BAD_REQUEST, "{}", other.text);
    assert_eq!(error_of(&other), "invalid_request");
    let no_grant = ask(&[("grant_type", "")]).await;
    assert_eq!(error_of(&no_grant), "invalid_request", "{}", no_grant.text);
}

/// RFC 6749 (5.2) limits an error description to printable ASCII without `"` and `\`:
/// a description that quotes the request keeps to it.
#[tokio::test]
async fn error_descriptions_keep_to_the_characters_the_rfc_allows() {
    let stack = Stack::new().await;
    let reply = stack
        .try_token(&stack.admin.clone(), Some("café \"x\\"))
        .await;
    assert_eq!(error_of(&reply), "invalid_scope", "{}", reply.text);
    let description = reply.json["error_description"].as_str().unwrap();
    assert!(
        description
            .chars()
            .all(|c| matches!(c, '\x20'..='\x21' | '\x23'..='\x5b' | '\x5d'..='\x7e')),
        "{description}"
    );
    assert!(description.contains("caf?"), "{description}");
}

#[tokio::test]
async fn other_grant_types_are_unsupported() {
    let stack = Stack::new().await;
    // authorization_code and refresh_token are served since people sign in.
    for grant in [
        "password",
        "implicit",
        "urn:ietf:params:oauth:grant-type:device_code",
    ] {
        let reply = stack
            .request(Method::POST, "/oauth2-token")
            .form(&[
                ("grant_type", grant),
                ("client_id", &stack.admin.client_id),
                ("client_secret", &stack.admin.client_secret),
            ])
            .send()
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(error_of(&reply), "unsupported_grant_type");
    }
}

#[tokio::test]
async fn bad_client_credentials_are_invalid_client_without_saying_which() {
    let stack = Stack::new().await;
    let owner = Owner::Backend {
        user_id: stack.provisioned.admin_user_id,
    };
    let (mut inactive, inactive_credentials) =
        stack.application(owner, &[Scope::DirectoryRead]).await;
    inactive.active = false;
    inactive.version += 1;
    stack
        .services
        .store
        .update_application(&inactive, 1)
        .await
        .unwrap();
    let (mut orphan, orphan_credentials) = stack.application(owner, &[Scope::DirectoryRead]).await;
    orphan.owner_enabled = false;
    orphan.version += 1;
    stack
        .services
        .store
        .update_application(&orphan, 1)
        .await
        .unwrap();

    let cases = [
        (
            "unknown client",
            ClientCredentials {
                client_id: "0".repeat(32),
                client_secret: "x".into(),
            },
        ),
        (
            "malformed client id",
            ClientCredentials {
                client_id: "admin".into(),
                client_secret: "x".into(),
            },
        ),
        (
            "wrong secret",
            ClientCredentials {
                client_id: stack.admin.client_id.clone(),
                client_secret: "wrong".into(),
            },
        ),
        ("inactive application", inactive_credentials),
        ("disabled owner", orphan_credentials),
    ];
    let mut descriptions = Vec::new();
    for (what, credentials) in cases {
        let reply = stack.try_token(&credentials, None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(error_of(&reply), "invalid_client", "{what}");
        assert!(
            reply
                .header("www-authenticate")
                .is_some_and(|h| h.starts_with("Basic")),
            "{what}"
        );
        assert!(
            !reply.text.contains(&credentials.client_secret) || credentials.client_secret == "x"
        );
        descriptions.push(reply.json["error_description"].clone());
    }
    descriptions.dedup();
    assert_eq!(descriptions.len(), 1, "every failure reads the same");
}

#[tokio::test]
async fn without_a_signing_key_the_endpoint_answers_503_with_the_documented_words() {
    for deleted in [false, true] {
        let stack = Stack::without_signing_key(deleted).await;
        let reply = stack.try_token(&stack.admin, None).await;
        assert_eq!(
            reply.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            reply.text
        );
        assert_eq!(reply.json["error_description"], KEYS_NOT_CONFIGURED);
        assert_eq!(reply.header("cache-control"), Some("no-store"));
    }
    assert_eq!(
        KEYS_NOT_CONFIGURED,
        "OAuth authorization is not available as encryption keys configuration was not complete. Please contact your administrator."
    );
}

#[tokio::test]
async fn without_the_client_secret_pepper_the_endpoint_answers_503_too() {
    let stack = Stack::new().await;
    integration_tests::secrets_client()
        .await
        .delete_secret()
        .secret_id(&stack.services.config.pepper_secret_id)
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();
    let fresh = stack.reloaded().await;
    let reply = fresh.try_token(&fresh.admin, None).await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.text
    );
    assert_eq!(reply.json["error_description"], KEYS_NOT_CONFIGURED);
}
