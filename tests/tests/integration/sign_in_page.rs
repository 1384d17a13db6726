//! The authorization endpoint and its page: errors before and after the redirect URI
//! is trusted, the page's safety and languages, and public clients' registration.

use http::{Method, StatusCode};
use integration_tests::Stack;
use serde_json::json;

use crate::sign_in::{
    CHALLENGE, PASSWORD, REDIRECT, authorize_query, location_params, page, param, storefront,
    submit,
};

#[tokio::test]
async fn the_sign_in_page_is_localized_and_safe_and_every_failure_reads_the_same() {
    let stack = Stack::new().await;
    let client = storefront(&stack).await;
    let path = authorize_query(&client.client_id, REDIRECT, &[("ui_locales", "de-DE")]);
    let (page_reply, cookie) = page(&stack, &path).await;
    let csp = page_reply.header("content-security-policy").unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(!csp.contains("script-src"), "{csp}");
    assert_eq!(page_reply.header("cache-control"), Some("no-store"));
    assert_eq!(page_reply.header("x-frame-options"), Some("DENY"));
    assert_eq!(page_reply.header("referrer-policy"), Some("no-referrer"));
    assert!(
        page_reply
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let set_cookie = page_reply.header("set-cookie").unwrap();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    let html = &page_reply.text;
    assert!(html.contains("<html lang=\"de-DE\">"), "{html}");
    assert!(
        html.contains("<label for=\"password\">Passwort</label>"),
        "{html}"
    );
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("https://shop.example.test/customer-user/password-reset"));
    let french = stack
        .request(
            Method::GET,
            &authorize_query(&client.client_id, REDIRECT, &[]),
        )
        .header("accept-language", "fr-CH, en;q=0.5")
        .send()
        .await;
    assert!(french.text.contains("Mot de passe"), "{}", french.text);

    let wrong = submit(
        &stack,
        &page_reply,
        &cookie,
        &client.email,
        "Wr0ng-password",
    )
    .await;
    let unknown = submit(&stack, &page_reply, &cookie, "nobody@example.com", PASSWORD).await;
    for reply in [&wrong, &unknown] {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        assert!(reply.header("location").is_none());
        assert!(
            reply.text.contains("E-Mail oder Passwort ist falsch"),
            "{}",
            reply.text
        );
    }
    stack
        .request(
            Method::POST,
            &format!("/admin/customer-users/{}/disable", client.user_id),
        )
        .bearer(&stack.admin_token().await)
        .send()
        .await;
    let disabled = submit(&stack, &page_reply, &cookie, &client.email, PASSWORD).await;
    assert_eq!(disabled.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        disabled.text.replace(&client.email, ""),
        unknown.text.replace("nobody@example.com", ""),
        "one answer for every failure"
    );

    // Without the cookie the form's CSRF token proves nothing.
    let forged = submit(
        &stack,
        &page_reply,
        "__Host-sign-in=forged",
        &client.email,
        PASSWORD,
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.text);
    assert!(forged.header("location").is_none());
}

#[tokio::test]
async fn a_bad_client_or_redirect_uri_gets_an_error_page_and_later_errors_go_back_with_state() {
    let stack = Stack::new().await;
    let client = storefront(&stack).await;
    for path in [
        authorize_query(&client.client_id, "https://evil.example/callback", &[]),
        authorize_query(
            &client.client_id,
            "https://shop.example.test/callback/",
            &[],
        ),
        authorize_query("0123456789abcdef0123456789abcdef", REDIRECT, &[]),
        authorize_query("not-a-client", REDIRECT, &[]),
        format!(
            "{}&client_id=x",
            authorize_query(&client.client_id, REDIRECT, &[])
        ),
    ] {
        let reply = stack.request(Method::GET, &path).send().await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            reply.text
        );
        assert!(
            reply.header("location").is_none(),
            "{path}: never a redirect"
        );
        assert!(reply.text.contains("role=\"alert\""));
    }
    let cases = [
        ("code_challenge_method", "plain", "invalid_request"),
        ("code_challenge", "too-short", "invalid_request"),
        ("response_type", "token", "unsupported_response_type"),
        ("scope", "directory:read", "invalid_scope"),
    ];
    for (name, value, error) in cases {
        let pairs: Vec<(&str, &str)> = vec![
            (
                "response_type",
                if name == "response_type" {
                    value
                } else {
                    "code"
                },
            ),
            ("client_id", &client.client_id),
            ("redirect_uri", REDIRECT),
            (
                "code_challenge",
                if name == "code_challenge" {
                    value
                } else {
                    CHALLENGE
                },
            ),
            (
                "code_challenge_method",
                if name == "code_challenge_method" {
                    value
                } else {
                    "S256"
                },
            ),
            ("state", "st-9"),
        ]
        .into_iter()
        .chain((name == "scope").then_some(("scope", value)))
        .collect();
        let path = format!(
            "/oauth2/authorize?{}",
            serde_urlencoded::to_string(&pairs).unwrap()
        );
        let reply = stack.request(Method::GET, &path).send().await;
        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            reply.text
        );
        let params = location_params(&reply);
        assert_eq!(param(&params, "error"), Some(error), "{name}");
        assert_eq!(param(&params, "state"), Some("st-9"), "{name}");
        assert!(reply.header("location").unwrap().starts_with(REDIRECT));
    }
}

#[tokio::test]
async fn public_clients_have_exact_safe_redirect_uris_and_no_secret() {
    let stack = Stack::new().await;
    let client = storefront(&stack).await;
    let admin = stack.admin_token().await;
    let create = |body: serde_json::Value| {
        let (stack, admin, user) = (&stack, admin.clone(), client.user_id.clone());
        async move {
            stack
                .request(
                    Method::POST,
                    &format!("/admin/customer-users/{user}/oauth-applications"),
                )
                .bearer(&admin)
                .json(&body)
                .send()
                .await
        }
    };
    let refused = [
        (
            json!({"name": "a", "client_type": "public"}),
            "redirect_uris",
        ),
        (
            json!({"name": "b", "client_type": "public", "redirect_uris": ["http://shop.example.test/cb"]}),
            "redirect_uris.0",
        ),
        (
            json!({"name": "c", "redirect_uris": ["https://*.example.test/cb"]}),
            "redirect_uris.0",
        ),
        (
            json!({"name": "d", "redirect_uris": ["https://a.example/cb#x"]}),
            "redirect_uris.0",
        ),
        (
            json!({"name": "e", "redirect_uris": [REDIRECT, REDIRECT]}),
            "redirect_uris.1",
        ),
        (
            json!({"name": "f", "redirect_uris": ["https://a.example/1", "https://a.example/2", "https://a.example/3", "https://a.example/4", "https://a.example/5", "https://a.example/6"]}),
            "redirect_uris",
        ),
    ];
    for (body, field) in refused {
        let reply = create(body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            reply.text
        );
        assert!(
            reply.error_fields().contains(&field.to_owned()),
            "{body}: {}",
            reply.text
        );
    }
    let loopback = create(json!({"name": "g", "client_type": "public", "redirect_uris": ["http://127.0.0.1:8765/cb"]})).await;
    assert_eq!(loopback.status, StatusCode::CREATED, "{}", loopback.text);
    assert_eq!(loopback.json["client_type"], "public");
    assert_eq!(
        loopback.json["redirect_uris"],
        json!(["http://127.0.0.1:8765/cb"])
    );
    let confidential = create(json!({"name": "h"})).await;
    assert_eq!(confidential.json["client_type"], "confidential");
    assert!(confidential.json["client_secret"].is_string());

    // A public client has no secret: no client_credentials, nothing to rotate.
    let no_secret = stack
        .request(Method::POST, "/oauth2-token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client.client_id),
        ])
        .send()
        .await;
    assert_eq!(
        no_secret.json["error"], "unauthorized_client",
        "{}",
        no_secret.text
    );
    let id = loopback.json["id"].as_str().unwrap();
    let rotate = stack
        .request(
            Method::POST,
            &format!("/admin/oauth-applications/{id}/rotate-secret"),
        )
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(rotate.status, StatusCode::CONFLICT, "{}", rotate.text);
    let patched = stack
        .request(Method::PATCH, &format!("/admin/oauth-applications/{id}"))
        .bearer(&admin)
        .if_match(&loopback.etag())
        .json(&json!({"redirect_uris": []}))
        .send()
        .await;
    assert_eq!(
        patched.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        patched.text
    );
}
