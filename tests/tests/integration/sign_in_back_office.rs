//! Back-office people: their own password, and sign-in through a console client with
//! the scopes they hold.

use http::{Method, StatusCode};
use integration_tests::{Reply, Stack};
use serde_json::json;

use crate::sign_in::{CHALLENGE, PASSWORD, VERIFIER, location_params, page, param, submit};

const CONSOLE: &str = "http://127.0.0.1:8765/callback";

/// Signs a back-office person in through a console client and answers the token reply.
async fn console_sign_in(stack: &Stack, client_id: &str, email: &str, password: &str) -> Reply {
    let path = format!(
        "/oauth2/authorize?{}",
        serde_urlencoded::to_string([
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", CONSOLE),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
            ("state", "st-123"),
        ])
        .unwrap()
    );
    let (page_reply, cookie) = page(stack, &path).await;
    assert!(
        !page_reply.text.contains("password-reset"),
        "no storefront reset link"
    );
    let reply = submit(stack, &page_reply, &cookie, email, password).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    let params = location_params(&reply);
    let code = param(&params, "code").expect("a code");
    stack
        .request(Method::POST, "/oauth2-token")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", CONSOLE),
            ("code_verifier", VERIFIER),
            ("client_id", client_id),
        ])
        .send()
        .await
}

#[tokio::test]
async fn a_back_office_user_sets_a_password_and_signs_in_with_the_scopes_they_hold() {
    use shared::{application::Owner, auth::Scope};
    let stack = Stack::new().await;
    let admin = stack.admin_token().await;
    let console = stack
        .request(
            Method::POST,
            &format!(
                "/admin/users/{}/oauth-applications",
                stack.provisioned.admin_user_id
            ),
        )
        .bearer(&admin)
        .json(&json!({
            "name": "Console", "client_type": "public", "redirect_uris": [CONSOLE],
            "scopes": ["directory:read", "directory:write"],
        }))
        .send()
        .await;
    assert_eq!(console.status, StatusCode::CREATED, "{}", console.text);
    let console = console.json["client_id"].as_str().unwrap().to_owned();

    let email = format!("ops-{}@example.com", uuid::Uuid::now_v7().simple());
    let user = stack
        .request(Method::POST, "/admin/users")
        .bearer(&admin)
        .json(&json!({
            "first_name": "Olga", "last_name": "Ops", "email": email,
            "scopes": ["directory:read"],
        }))
        .send()
        .await;
    assert_eq!(user.status, StatusCode::CREATED, "{}", user.text);
    assert_eq!(user.json["scopes"], json!(["directory:read"]));
    let user_id = user.json["id"].as_str().unwrap().to_owned();
    // Nobody grants a person a scope they do not hold.
    let narrow = stack.token_with(&[Scope::DirectoryWrite]).await;
    let beyond = stack
        .request(Method::POST, "/admin/users")
        .bearer(&narrow)
        .json(&json!({
            "first_name": "E", "last_name": "Ve", "email": "eve@example.com",
            "scopes": ["audit:read"],
        }))
        .send()
        .await;
    assert_eq!(
        beyond.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        beyond.text
    );

    // No password yet: sign-in fails with the one answer.
    let (page_reply, cookie) = page(
        &stack,
        &format!(
            "/oauth2/authorize?{}",
            serde_urlencoded::to_string([
                ("response_type", "code"),
                ("client_id", console.as_str()),
                ("redirect_uri", CONSOLE),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ])
            .unwrap()
        ),
    )
    .await;
    let no_password = submit(&stack, &page_reply, &cookie, &email, PASSWORD).await;
    assert_eq!(
        no_password.status,
        StatusCode::BAD_REQUEST,
        "{}",
        no_password.text
    );

    // Olga sets her own password with a token that acts for her.
    let (_, own_app) = stack
        .application(
            Owner::Backend {
                user_id: user_id.parse().unwrap(),
            },
            &[],
        )
        .await;
    let own = stack.token(&own_app, None).await;
    let set = |token: String, id: String, body: serde_json::Value| {
        let stack = &stack;
        async move {
            stack
                .request(Method::PUT, &format!("/admin/users/{id}/password"))
                .bearer(&token)
                .json(&body)
                .send()
                .await
        }
    };
    let weak = set(own.clone(), user_id.clone(), json!({"password": "short"})).await;
    assert_eq!(
        weak.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        weak.text
    );
    let others = set(
        admin.clone(),
        user_id.clone(),
        json!({"password": PASSWORD}),
    )
    .await;
    assert_eq!(others.status, StatusCode::FORBIDDEN, "{}", others.text);
    let done = set(own.clone(), user_id.clone(), json!({"password": PASSWORD})).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.text);
    let again = set(
        own.clone(),
        user_id.clone(),
        json!({"password": "N3w-Passw0rd"}),
    )
    .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.text
    );
    assert_eq!(again.error_fields(), ["current_password"]);
    assert!(
        stack.items_naming(PASSWORD).await.is_empty(),
        "stored hashed"
    );

    let reply = console_sign_in(&stack, &console, &email, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // What the console asks (all it holds) narrowed to what Olga holds.
    assert_eq!(reply.json["scope"], "directory:read");
    let access = reply.json["access_token"].as_str().unwrap();
    let read = stack
        .request(Method::GET, "/admin/organizations")
        .bearer(access)
        .send()
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    let write = stack
        .request(Method::POST, "/admin/customers")
        .bearer(access)
        .json(&json!({"name": "Nope"}))
        .send()
        .await;
    assert_eq!(write.status, StatusCode::FORBIDDEN, "{}", write.text);

    // A scope taken from the person is gone from the live session at once.
    let current = stack
        .request(Method::GET, &format!("/admin/users/{user_id}"))
        .bearer(&admin)
        .send()
        .await;
    let taken = stack
        .request(Method::PATCH, &format!("/admin/users/{user_id}"))
        .bearer(&admin)
        .if_match(&current.etag())
        .json(&json!({"scopes": []}))
        .send()
        .await;
    assert_eq!(taken.status, StatusCode::OK, "{}", taken.text);
    let read = stack
        .request(Method::GET, "/admin/organizations")
        .bearer(access)
        .send()
        .await;
    assert_eq!(read.status, StatusCode::FORBIDDEN, "{}", read.text);
}
