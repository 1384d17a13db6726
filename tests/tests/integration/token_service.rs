//! The token service beyond the basics: a standard OAuth client, key rotation seen
//! through the JWKS and the published public keys, brute-force lockout, and
//! `last_used_at`.

use http::{Method, StatusCode};
use integration_tests::{ISSUER, Stack};
use jsonwebtoken::{DecodingKey, Validation, decode, decode_header, jwk::JwkSet};
use oauth2::{
    AuthUrl, ClientId, ClientSecret, Scope as OAuthScope, TokenResponse, TokenUrl,
    basic::BasicClient,
};
use serde_json::json;
use shared::{
    application::Owner,
    auth::{KeyKind, Scope, generate_private_key_pem, lockout},
    key_source::{KeyMaterial, PublicKeyStore},
    ports::ApplicationStore,
    provision::ClientCredentials,
};

/// A token through the `oauth2` crate's client_credentials flow, its HTTP calls served
/// by the stack's router.
async fn token_with_oauth2_crate(
    stack: &Stack,
    credentials: &ClientCredentials,
    scope: &str,
) -> String {
    token_from(stack, &format!("{ISSUER}/oauth2-token"), credentials, scope).await
}

/// A token through the `oauth2` crate from the token endpoint at `token_url`.
async fn token_from(
    stack: &Stack,
    token_url: &str,
    credentials: &ClientCredentials,
    scope: &str,
) -> String {
    let client = BasicClient::new(ClientId::new(credentials.client_id.clone()))
        .set_client_secret(ClientSecret::new(credentials.client_secret.clone()))
        .set_auth_uri(AuthUrl::new("https://api.example.test/unused".into()).unwrap())
        .set_token_uri(TokenUrl::new(token_url.to_owned()).unwrap());
    let http_client = |request: oauth2::HttpRequest| async move {
        let (parts, body) = request.into_parts();
        let path = parts.uri.path().to_owned();
        let mut forwarded = http::Request::builder().method(parts.method).uri(path);
        for (name, value) in &parts.headers {
            forwarded = forwarded.header(name, value);
        }
        let reply = stack
            .send(forwarded.body(axum::body::Body::from(body)).unwrap())
            .await;
        let mut response = http::Response::builder().status(reply.status);
        for (name, value) in &reply.headers {
            response = response.header(name, value);
        }
        Ok::<_, std::io::Error>(response.body(reply.text.into_bytes()).unwrap())
    };
    let token = client
        .exchange_client_credentials()
        .add_scope(OAuthScope::new(scope.into()))
        .request_async(&http_client)
        .await
        .expect("the standard client gets a token");
    assert_eq!(
        token.expires_in(),
        Some(std::time::Duration::from_secs(3600))
    );
    token.access_token().secret().clone()
}

async fn verify(stack: &Stack, token: &str) -> Result<(), jsonwebtoken::errors::Error> {
    verify_with(stack, "/.well-known/jwks.json", token).await
}

async fn verify_with(
    stack: &Stack,
    jwks_path: &str,
    token: &str,
) -> Result<(), jsonwebtoken::errors::Error> {
    let jwks = stack.request(Method::GET, jwks_path).send().await;
    let set: JwkSet = serde_json::from_value(jwks.json).unwrap();
    let header = decode_header(token)?;
    let jwk = set.find(header.kid.as_deref().unwrap()).ok_or_else(|| {
        jsonwebtoken::errors::Error::from(jsonwebtoken::errors::ErrorKind::InvalidKeyFormat)
    })?;
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&["backend-api"]);
    validation.set_issuer(&[ISSUER]);
    decode::<serde_json::Value>(token, &DecodingKey::from_jwk(jwk)?, &validation).map(|_| ())
}

#[tokio::test]
async fn the_server_metadata_leads_a_client_from_the_issuer_to_a_verified_token() {
    let stack = Stack::new().await;
    let reply = stack
        .request(Method::GET, "/.well-known/oauth-authorization-server")
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.header("cache-control"), Some("public, max-age=3600"));
    let metadata = reply.json;
    assert_eq!(metadata["issuer"], ISSUER);
    assert_eq!(
        metadata["grant_types_supported"],
        json!(["client_credentials", "authorization_code", "refresh_token"])
    );
    // The oauth2 crate authenticates with HTTP Basic, the first method advertised;
    // public clients send none.
    assert_eq!(
        metadata["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post", "none"])
    );
    assert_eq!(
        metadata["authorization_endpoint"],
        format!("{ISSUER}/oauth2/authorize")
    );
    assert_eq!(
        metadata["revocation_endpoint"],
        format!("{ISSUER}/oauth2/revoke")
    );
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        json!(["S256"])
    );
    assert_eq!(metadata["response_types_supported"], json!(["code"]));
    let scopes: Vec<&str> = metadata["scopes_supported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(scopes, Scope::ALL.map(Scope::as_str));

    let token_endpoint = metadata["token_endpoint"].as_str().unwrap();
    let token = token_from(&stack, token_endpoint, &stack.admin, scopes[0]).await;
    let jwks_path = metadata["jwks_uri"]
        .as_str()
        .unwrap()
        .strip_prefix(ISSUER)
        .expect("the keys are served by the issuer");
    verify_with(&stack, jwks_path, &token)
        .await
        .expect("the token verifies with the advertised keys and issuer");
    let documentation = metadata["service_documentation"].as_str().unwrap();
    let described = stack
        .request(Method::GET, documentation.strip_prefix(ISSUER).unwrap())
        .send()
        .await;
    assert!(
        described.json["paths"]["/.well-known/oauth-authorization-server"].is_object(),
        "the advertised documentation describes this route"
    );
}

#[tokio::test]
async fn a_standard_client_gets_a_token_that_verifies_before_and_after_a_key_rotation() {
    let stack = Stack::new().await;
    let before = token_with_oauth2_crate(&stack, &stack.admin, "directory:read").await;
    verify(&stack, &before)
        .await
        .expect("verifies through the JWKS");
    let old_kid = decode_header(&before).unwrap().kid.unwrap();

    // Rotate to an ES256 key: the new one becomes AWSCURRENT, the old AWSPREVIOUS.
    let rotated = stack.rotated("rotated-es256", KeyKind::Es256).await;
    let after = token_with_oauth2_crate(&rotated, &rotated.admin, "directory:read").await;
    let header = decode_header(&after).unwrap();
    assert_eq!(header.kid.as_deref(), Some("rotated-es256"));
    assert_eq!(header.alg, jsonwebtoken::Algorithm::ES256);
    verify(&rotated, &after)
        .await
        .expect("the new token verifies");
    verify(&rotated, &before)
        .await
        .expect("tokens signed before the rotation still verify");
    assert_eq!(
        served_kids(&rotated).await,
        ["rotated-es256", old_kid.as_str()]
    );
    for token in [&before, &after] {
        assert_eq!(
            organizations(&rotated, token).await,
            StatusCode::OK,
            "verifiers started after the rotation read both keys"
        );
    }
    assert_eq!(
        organizations(&stack, &after).await,
        StatusCode::OK,
        "a verifier started before the rotation reads the new key when a token names it"
    );
}

#[tokio::test]
async fn a_staged_key_is_published_before_it_signs_and_signs_once_promoted() {
    let stack = Stack::new().await;
    let current_kid = decode_header(&stack.admin_token().await)
        .unwrap()
        .kid
        .unwrap();
    let secrets = integration_tests::secrets_client().await;
    let secret_id = &stack.services.config.signing_key_secret_id;
    let material = KeyMaterial {
        kid: "staged".into(),
        private_key_pem: generate_private_key_pem(KeyKind::Es256).unwrap(),
    };
    let staged = secrets
        .put_secret_value()
        .secret_id(secret_id)
        .secret_string(serde_json::to_string(&material).unwrap())
        .version_stages("AWSPENDING")
        .send()
        .await
        .unwrap()
        .version_id
        .unwrap();

    let restarted = stack.reloaded().await;
    let token = restarted.admin_token().await;
    assert_eq!(
        decode_header(&token).unwrap().kid.as_deref(),
        Some(current_kid.as_str()),
        "a staged key does not sign"
    );
    let published = restarted.services.store.published_keys().await.unwrap();
    let entry = published.iter().find(|k| k.kid == "staged").unwrap();
    assert_eq!(
        entry.secret_version.as_deref(),
        Some(staged.as_str()),
        "published with the version it comes from: {published:?}"
    );
    assert_eq!(
        served_kids(&restarted).await,
        [current_kid.as_str(), "staged"]
    );

    // Promoted, the staged version signs (and the replaced one still verifies).
    let versions = secrets
        .describe_secret()
        .secret_id(secret_id)
        .send()
        .await
        .unwrap();
    let current_version = versions
        .version_ids_to_stages()
        .unwrap()
        .iter()
        .find(|(_, stages)| stages.iter().any(|s| s == "AWSCURRENT"))
        .map(|(version, _)| version.clone())
        .unwrap();
    secrets
        .update_secret_version_stage()
        .secret_id(secret_id)
        .version_stage("AWSCURRENT")
        .move_to_version_id(&staged)
        .remove_from_version_id(current_version)
        .send()
        .await
        .unwrap();
    let promoted = stack.reloaded().await;
    let after = promoted.admin_token().await;
    assert_eq!(
        decode_header(&after).unwrap().kid.as_deref(),
        Some("staged")
    );
    for token in [&token, &after] {
        assert_eq!(organizations(&promoted, token).await, StatusCode::OK);
    }
}

/// The kids `/.well-known/jwks.json` lists, in its order.
async fn served_kids(stack: &Stack) -> Vec<String> {
    let jwks = stack
        .request(Method::GET, "/.well-known/jwks.json")
        .send()
        .await;
    jwks.json["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

async fn organizations(stack: &Stack, token: &str) -> StatusCode {
    stack
        .request(Method::GET, "/admin/organizations")
        .bearer(token)
        .send()
        .await
        .status
}

async fn published_kids(stack: &Stack) -> Vec<String> {
    let mut kids: Vec<_> = stack
        .services
        .store
        .published_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    kids.sort();
    kids
}

#[tokio::test]
async fn a_key_rotated_out_of_the_secret_is_withdrawn_and_its_tokens_refused() {
    let stack = Stack::new().await;
    let first = stack.admin_token().await;
    let first_kid = decode_header(&first).unwrap().kid.unwrap();
    assert_eq!(
        published_kids(&stack).await,
        std::slice::from_ref(&first_kid)
    );

    let second = stack.rotated("k2", KeyKind::Rs256).await;
    let mut both = vec![first_kid, "k2".to_owned()];
    both.sort();
    assert_eq!(published_kids(&second).await, both);

    // The first key is neither current nor previous any more.
    let third = second.rotated("k3", KeyKind::Rs256).await;
    assert_eq!(published_kids(&third).await, ["k2", "k3"]);
    assert_eq!(
        organizations(&third, &first).await,
        StatusCode::UNAUTHORIZED,
        "a withdrawn key verifies nothing"
    );
    let fresh = third.admin_token().await;
    assert_eq!(organizations(&third, &fresh).await, StatusCode::OK);
}

#[tokio::test]
async fn verifiers_need_only_the_table_not_the_signing_key_secret() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    integration_tests::secrets_client()
        .await
        .delete_secret()
        .secret_id(&stack.services.config.signing_key_secret_id)
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();
    let restarted = stack.reloaded().await;
    assert_eq!(
        restarted.try_token(&restarted.admin, None).await.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "the token function cannot sign"
    );
    assert_eq!(
        organizations(&restarted, &token).await,
        StatusCode::OK,
        "the other functions verify with the published key"
    );
}

#[tokio::test]
async fn ten_wrong_secrets_lock_the_client_out_even_for_the_right_one() {
    let stack = Stack::new().await;
    let owner = Owner::Backend {
        user_id: stack.provisioned.admin_user_id,
    };
    let (_, credentials) = stack.application(owner, &[Scope::DirectoryRead]).await;
    let wrong = ClientCredentials {
        client_id: credentials.client_id.clone(),
        client_secret: "guess".into(),
    };
    for attempt in 1..=10 {
        let reply = stack.try_token(&wrong, None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let locked = stack.try_token(&credentials, None).await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        locked.text
    );
    let retry: u64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 800 && retry <= 900, "{retry}");
    assert!(!locked.text.contains(&credentials.client_secret));
    // Other clients are not affected.
    assert_eq!(
        stack.try_token(&stack.admin, None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn failures_at_the_same_moment_all_count() {
    let stack = Stack::new().await;
    let owner = Owner::Backend {
        user_id: stack.provisioned.admin_user_id,
    };
    let (application, _) = stack.application(owner, &[Scope::DirectoryRead]).await;
    let now = shared::domain::now().unix_timestamp();
    let mut parallel = tokio::task::JoinSet::new();
    for _ in 0..lockout::CLIENT_FAILURES {
        let store = stack.services.store.clone();
        parallel.spawn(async move {
            store
                .record_auth_failure(Some(application.id), "198.51.100.7", now)
                .await
        });
    }
    while let Some(done) = parallel.join_next().await {
        done.unwrap().expect("counted");
    }
    let store = &stack.services.store;
    let (read, source) = store
        .application_for_token(application.id, "198.51.100.7")
        .await
        .unwrap();
    let failures = read.unwrap().auth_failures;
    assert_eq!(failures.len(), lockout::CLIENT_FAILURES, "{failures:?}");
    assert!(lockout::locked_for(&failures, lockout::CLIENT_FAILURES, now).is_some());
    assert_eq!(source.len(), lockout::CLIENT_FAILURES);

    // Past twice the limit the list is trimmed to the window's newest, never below
    // the limit.
    for later in 1..=(2 * lockout::CLIENT_FAILURES as i64) {
        store
            .record_auth_failure(Some(application.id), "198.51.100.7", now + later)
            .await
            .unwrap();
    }
    let (read, _) = store
        .application_for_token(application.id, "198.51.100.7")
        .await
        .unwrap();
    let failures = read.unwrap().auth_failures;
    assert!(
        (lockout::CLIENT_FAILURES..=2 * lockout::CLIENT_FAILURES).contains(&failures.len()),
        "{failures:?}"
    );
    assert_eq!(
        failures.last(),
        Some(&(now + 2 * lockout::CLIENT_FAILURES as i64))
    );

    // An application deleted meanwhile is not brought back by a failure.
    store.delete_application(&application).await.unwrap();
    store
        .record_auth_failure(Some(application.id), "198.51.100.7", now)
        .await
        .unwrap();
    let (gone, _) = store
        .application_for_token(application.id, "198.51.100.7")
        .await
        .unwrap();
    assert!(gone.is_none());
}

#[tokio::test]
async fn last_used_at_is_written_at_most_once_a_minute() {
    let stack = Stack::new().await;
    let owner = Owner::Backend {
        user_id: stack.provisioned.admin_user_id,
    };
    let (application, credentials) = stack.application(owner, &[Scope::DirectoryRead]).await;
    assert!(application.last_used_at.is_none());
    stack.token(&credentials, None).await;
    let first = stack
        .services
        .store
        .get_application(application.id)
        .await
        .unwrap()
        .unwrap()
        .last_used_at;
    assert!(first.is_some());
    stack.token(&credentials, None).await;
    let second = stack
        .services
        .store
        .get_application(application.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.last_used_at, first, "no write within the minute");
    assert_eq!(
        second.version, application.version,
        "usage does not change the version"
    );
}

/// A token request as API Gateway delivers it, from `source_ip`.
fn from_address(
    stack: &Stack,
    source_ip: &str,
    client_id: &str,
    secret: &str,
) -> http::Request<axum::body::Body> {
    let body =
        format!("grant_type=client_credentials&client_id={client_id}&client_secret={secret}");
    let event = serde_json::json!({
        "version": "2.0",
        "routeKey": "POST /oauth2-token",
        "rawPath": "/oauth2-token",
        "rawQueryString": "",
        "headers": {"content-type": "application/x-www-form-urlencoded", "host": "api.example.test"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "api.example.test", "domainPrefix": "api",
            "http": {"method": "POST", "path": "/oauth2-token", "protocol": "HTTP/1.1", "sourceIp": source_ip, "userAgent": "test"},
            "requestId": uuid::Uuid::now_v7().to_string(), "routeKey": "POST /oauth2-token", "stage": "$default",
            "time": "28/Nov/2026:12:00:00 +0000", "timeEpoch": 1795867200000u64
        },
        "body": body,
        "isBase64Encoded": false
    });
    let _ = stack;
    lambda_http::request::from_str(&event.to_string())
        .unwrap()
        .map(axum::body::Body::new)
}

#[tokio::test]
async fn a_hundred_failures_from_one_address_lock_that_address_only() {
    let stack = Stack::new().await;
    for attempt in 0..100 {
        // A different unknown client each time: only the address ties them together.
        let client = format!("{:032x}", attempt);
        let reply = stack
            .send(from_address(&stack, "203.0.113.7", &client, "guess"))
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let admin = &stack.admin;
    let locked = stack
        .send(from_address(
            &stack,
            "203.0.113.7",
            &admin.client_id,
            &admin.client_secret,
        ))
        .await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        locked.text
    );
    assert!(locked.header("retry-after").is_some());
    let elsewhere = stack
        .send(from_address(
            &stack,
            "198.51.100.1",
            &admin.client_id,
            &admin.client_secret,
        ))
        .await;
    assert_eq!(elsewhere.status, StatusCode::OK, "{}", elsewhere.text);
}
