//! The admin guard: 401 for every kind of bad token, 403 for a missing scope.

use http::{Method, StatusCode};
use integration_tests::{ISSUER, Stack};
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::json;
use shared::{
    application::Owner,
    auth::{KeyKind, Scope, generate_private_key_pem},
    ports::{ApplicationStore, UserStore},
};

async fn status_with(stack: &Stack, authorization: Option<&str>) -> (StatusCode, Option<String>) {
    let mut call = stack.request(Method::GET, "/admin/organizations");
    if let Some(value) = authorization {
        call = call.header("authorization", value);
    }
    let reply = call.send().await;
    if reply.status == StatusCode::UNAUTHORIZED {
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json")
        );
    }
    (
        reply.status,
        reply.header("www-authenticate").map(str::to_owned),
    )
}

#[tokio::test]
async fn missing_or_malformed_credentials_are_401_with_a_bearer_challenge() {
    let stack = Stack::new().await;
    for value in [
        None,
        Some("Basic YWRtaW46YWRtaW4="),
        Some("Bearer"),
        Some("Bearer not.a.jwt"),
        Some("Bearer "),
    ] {
        let (status, challenge) = status_with(&stack, value).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{value:?}");
        assert!(
            challenge.is_some_and(|c| c.starts_with("Bearer")),
            "{value:?}"
        );
    }
}

fn forged(claims: serde_json::Value, kid: &str, pem: &str) -> String {
    let mut header = Header::new(jsonwebtoken::Algorithm::RS256);
    header.typ = Some("at+jwt".into());
    header.kid = Some(kid.into());
    encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn expired_foreign_and_retyped_tokens_are_401() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let parts: Vec<&str> = token.split('.').collect();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, parts[1])
            .unwrap(),
    )
    .unwrap();
    let header = jsonwebtoken::decode_header(&token).unwrap();
    let kid = header.kid.unwrap();

    // Same claims and kid, signed by a key that is not ours.
    let stranger = generate_private_key_pem(KeyKind::Rs256).unwrap();
    let foreign = forged(claims.clone(), &kid, &stranger);
    assert_eq!(
        status_with(&stack, Some(&format!("Bearer {foreign}")))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );

    // A signature over altered claims.
    let mut tampered_claims = claims.clone();
    tampered_claims["scope"] = json!("directory:read directory:write audit:read");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            tampered_claims.to_string()
        ),
        parts[2]
    );
    assert_eq!(
        status_with(&stack, Some(&format!("Bearer {tampered}")))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );

    // alg=none.
    let unsigned = format!(
        "{}.{}.",
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            r#"{"alg":"none","typ":"at+jwt"}"#
        ),
        parts[1]
    );
    assert_eq!(
        status_with(&stack, Some(&format!("Bearer {unsigned}")))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );

    // The right key, but expired: sign through the stack's own key set.
    let keys = stack.signing_keys.get().await.unwrap();
    let signing = keys.signing();
    let mut expired_claims = claims.clone();
    let past = time::OffsetDateTime::now_utc().unix_timestamp() - 7200;
    expired_claims["iat"] = json!(past);
    expired_claims["nbf"] = json!(past);
    expired_claims["exp"] = json!(past + 3600);
    let mut header = Header::new(signing.public().algorithm);
    header.typ = Some("at+jwt".into());
    header.kid = Some(signing.public().kid.clone());
    let expired = signing.sign(&header, &expired_claims).unwrap();
    assert_eq!(
        status_with(&stack, Some(&format!("Bearer {expired}")))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );

    // The right key, but another issuer, or a plain JWT instead of an access token.
    let mut other_issuer = claims.clone();
    other_issuer["iss"] = json!("https://elsewhere.example");
    let wrong_iss = signing.sign(&header, &other_issuer).unwrap();
    assert_eq!(
        status_with(&stack, Some(&format!("Bearer {wrong_iss}")))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let mut plain = Header::new(signing.public().algorithm);
    plain.kid = Some(signing.public().kid.clone());
    let untyped = signing.sign(&plain, &claims).unwrap();
    assert_eq!(
        status_with(&stack, Some(&format!("Bearer {untyped}")))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );

    // And the genuine token still works, so the refusals above are about the token.
    assert_eq!(
        status_with(&stack, Some(&format!("Bearer {token}")))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(claims["iss"], ISSUER);
}

#[tokio::test]
async fn a_token_without_the_scope_is_403_and_names_the_scope() {
    let stack = Stack::new().await;
    let reader = stack.token_with(&[Scope::DirectoryRead]).await;
    let list = stack
        .request(Method::GET, "/admin/organizations")
        .bearer(&reader)
        .send()
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let create = stack
        .request(Method::POST, "/admin/customers")
        .bearer(&reader)
        .json(&json!({"name": "Acme"}))
        .send()
        .await;
    assert_eq!(create.status, StatusCode::FORBIDDEN);
    assert!(
        create.json["detail"]
            .as_str()
            .unwrap()
            .contains("directory:write")
    );
    assert_eq!(
        create.header("www-authenticate"),
        Some(r#"Bearer error="insufficient_scope", scope="directory:write""#)
    );
    let unrelated = stack.token_with(&[Scope::RolesRead]).await;
    let list = stack
        .request(Method::GET, "/admin/customers")
        .bearer(&unrelated)
        .send()
        .await;
    assert_eq!(list.status, StatusCode::FORBIDDEN);
    // Nothing was written by the refused create.
    let admin = stack.admin_token().await;
    let customers = stack
        .request(Method::GET, "/admin/customers")
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(customers.json["items"], json!([]));
}

#[tokio::test]
async fn a_scope_taken_from_an_application_leaves_its_tokens_at_once() {
    let stack = Stack::new().await;
    let admin = stack.admin_token().await;
    let created = stack
        .request(
            Method::POST,
            &format!(
                "/admin/users/{}/oauth-applications",
                stack.provisioned.admin_user_id
            ),
        )
        .bearer(&admin)
        .json(&json!({"name": "Importer", "scopes": ["directory:read", "directory:write"]}))
        .send()
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let credentials = shared::provision::ClientCredentials {
        client_id: created.json["client_id"].as_str().unwrap().to_owned(),
        client_secret: created.json["client_secret"].as_str().unwrap().to_owned(),
    };
    let token = stack.token(&credentials, None).await;
    let create_customer = |name: &'static str| {
        stack
            .request(Method::POST, "/admin/customers")
            .bearer(&token)
            .json(&json!({ "name": name }))
            .send()
    };
    assert_eq!(create_customer("Before").await.status, StatusCode::CREATED);

    let narrowed = stack
        .request(
            Method::PATCH,
            &format!(
                "/admin/oauth-applications/{}",
                created.json["id"].as_str().unwrap()
            ),
        )
        .bearer(&admin)
        .if_match(&created.etag())
        .json(&json!({"scopes": ["directory:read"]}))
        .send()
        .await;
    assert_eq!(narrowed.status, StatusCode::OK, "{}", narrowed.text);
    let refused = create_customer("After").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(
        status_with(&stack, Some(&format!("Bearer {token}")))
            .await
            .0,
        StatusCode::OK,
        "the scope it keeps still works"
    );
}

#[tokio::test]
async fn deactivating_an_application_revokes_its_tokens_for_good() {
    let stack = Stack::new().await;
    let owner = Owner::Backend {
        user_id: stack.provisioned.admin_user_id,
    };
    let (mut application, credentials) = stack.application(owner, &[Scope::DirectoryRead]).await;
    let token = stack.token(&credentials, None).await;
    assert_eq!(
        status_with(&stack, Some(&format!("Bearer {token}")))
            .await
            .0,
        StatusCode::OK
    );

    application.active = false;
    application.tokens_valid_after = Some(shared::domain::now());
    application.version += 1;
    stack
        .services
        .store
        .update_application(&application, 1)
        .await
        .unwrap();
    assert_eq!(
        status_with(&stack, Some(&format!("Bearer {token}")))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );

    application.active = true;
    application.version += 1;
    stack
        .services
        .store
        .update_application(&application, 2)
        .await
        .unwrap();
    assert_eq!(
        status_with(&stack, Some(&format!("Bearer {token}")))
            .await
            .0,
        StatusCode::UNAUTHORIZED,
        "re-activation does not revive earlier tokens"
    );

    // A token asked for in the cut-off's own second would be born refused (iat counts
    // whole seconds): the endpoint waits that second out. The cut-off is set a little
    // ahead so that the request surely falls in its second.
    application.tokens_valid_after =
        Some(shared::domain::now() + time::Duration::milliseconds(300));
    application.version += 1;
    stack
        .services
        .store
        .update_application(&application, 3)
        .await
        .unwrap();
    let fresh = stack.token(&credentials, None).await;
    assert_eq!(
        status_with(&stack, Some(&format!("Bearer {fresh}")))
            .await
            .0,
        StatusCode::OK,
        "a token issued right after the cut-off works"
    );
}

#[tokio::test]
async fn disabling_the_owner_revokes_its_tokens_and_enabling_does_not_revive_them() {
    let stack = Stack::new().await;
    let admin = stack.admin_token().await;
    let created = stack
        .request(Method::POST, "/admin/users")
        .bearer(&admin)
        .json(&json!({"first_name": "Sam", "last_name": "Sales", "email": "sam@example.com"}))
        .send()
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let user_id: shared::domain::UserId = created.json["id"].as_str().unwrap().parse().unwrap();
    let (_, credentials) = stack
        .application(Owner::Backend { user_id }, &[Scope::DirectoryRead])
        .await;
    let token = stack.token(&credentials, None).await;
    assert_eq!(
        status_with(&stack, Some(&format!("Bearer {token}")))
            .await
            .0,
        StatusCode::OK
    );

    let path = format!("/admin/users/{user_id}");
    let disabled = stack
        .request(Method::PATCH, &path)
        .bearer(&admin)
        .if_match(&created.etag())
        .json(&json!({"enabled": false}))
        .send()
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.text);
    assert_eq!(
        status_with(&stack, Some(&format!("Bearer {token}")))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        stack.try_token(&credentials, None).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Wait out the cut-off second so a new token could be told from the old one.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let enabled = stack
        .request(Method::PATCH, &path)
        .bearer(&admin)
        .if_match(&disabled.etag())
        .json(&json!({"enabled": true}))
        .send()
        .await;
    assert_eq!(enabled.status, StatusCode::OK);
    assert_eq!(
        status_with(&stack, Some(&format!("Bearer {token}")))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let fresh = stack.token(&credentials, None).await;
    assert_eq!(
        status_with(&stack, Some(&format!("Bearer {fresh}")))
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn deleting_the_owner_deletes_its_applications() {
    let stack = Stack::new().await;
    let admin = stack.admin_token().await;
    let created = stack
        .request(Method::POST, "/admin/users")
        .bearer(&admin)
        .json(&json!({"first_name": "Ada", "last_name": "Ops", "email": "ada@example.com"}))
        .send()
        .await;
    let user_id: shared::domain::UserId = created.json["id"].as_str().unwrap().parse().unwrap();
    let (application, credentials) = stack
        .application(Owner::Backend { user_id }, &[Scope::DirectoryRead])
        .await;
    let token = stack.token(&credentials, None).await;
    let deleted = stack
        .request(Method::DELETE, &format!("/admin/users/{user_id}"))
        .bearer(&admin)
        .if_match(&created.etag())
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_eq!(
        status_with(&stack, Some(&format!("Bearer {token}")))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        stack
            .services
            .store
            .get_application(application.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        stack
            .services
            .store
            .get_user(user_id)
            .await
            .unwrap()
            .is_none()
    );
    // The email is free again.
    let again = stack
        .request(Method::POST, "/admin/users")
        .bearer(&admin)
        .json(&json!({"first_name": "Ada", "last_name": "Ops", "email": "ADA@example.com"}))
        .send()
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
}
