//! People sign in through public clients: the authorization endpoint and its page,
//! the authorization code grant with PKCE, refresh-token rotation and reuse, and
//! revocation, through the functions' routers against the emulator.

use http::{Method, StatusCode};
use integration_tests::{Reply, Stack};
use serde_json::json;

/// RFC 7636, appendix B.
pub(crate) const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub(crate) const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub(crate) const REDIRECT: &str = "https://shop.example.test/callback";
pub(crate) const PASSWORD: &str = "Corr3ct-Horse";

/// A customer user with a password, and a public storefront client.
pub(crate) struct Storefront {
    pub client_id: String,
    pub user_id: String,
    pub email: String,
}

pub(crate) async fn storefront(stack: &Stack) -> Storefront {
    let admin = stack.admin_token().await;
    let customer = stack
        .customer(&format!("Sign-in {}", uuid::Uuid::now_v7().simple()))
        .await;
    let email = format!("jane-{}@example.com", uuid::Uuid::now_v7().simple());
    let user = stack
        .request(Method::POST, "/admin/customer-users")
        .bearer(&admin)
        .json(&json!({
            "customer_id": customer, "first_name": "Jane", "last_name": "Doe",
            "email": email, "password": PASSWORD,
            "role_ids": [stack.provisioned.administrator_role_id],
        }))
        .send()
        .await;
    assert_eq!(user.status, StatusCode::CREATED, "{}", user.text);
    let user_id = user.json["id"].as_str().unwrap().to_owned();
    // The client belongs to another customer user: Jane only signs in through it.
    let registrant = stack
        .customer_user(
            &customer,
            &format!("shop-{}@example.com", uuid::Uuid::now_v7().simple()),
            &[stack.provisioned.administrator_role_id],
        )
        .await;
    let registrant = registrant.json["id"].as_str().unwrap();
    let client = stack
        .request(
            Method::POST,
            &format!("/admin/customer-users/{registrant}/oauth-applications"),
        )
        .bearer(&admin)
        .json(&json!({
            "name": "Storefront", "client_type": "public", "redirect_uris": [REDIRECT],
        }))
        .send()
        .await;
    assert_eq!(client.status, StatusCode::CREATED, "{}", client.text);
    assert!(
        client.json.get("client_secret").is_none(),
        "{}",
        client.text
    );
    Storefront {
        client_id: client.json["client_id"].as_str().unwrap().to_owned(),
        user_id,
        email,
    }
}

pub(crate) fn authorize_query(client_id: &str, redirect: &str, extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("state", "st-123"),
    ];
    pairs.extend_from_slice(extra);
    format!(
        "/oauth2/authorize?{}",
        serde_urlencoded::to_string(&pairs).unwrap()
    )
}

/// The value of the hidden field or attribute `name="<name>" value="..."` of a page.
pub(crate) fn field(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let end = page[start..].find('"')? + start;
    Some(page[start..end].replace("&amp;", "&"))
}

/// The sign-in page and its form's cookie.
pub(crate) async fn page(stack: &Stack, path: &str) -> (Reply, String) {
    let reply = stack.request(Method::GET, path).send().await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let cookie = reply
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .expect("a CSRF cookie")
        .to_owned();
    (reply, cookie)
}

/// Submits the page's form with these credentials.
pub(crate) async fn submit(
    stack: &Stack,
    page: &Reply,
    cookie: &str,
    email: &str,
    password: &str,
) -> Reply {
    let names = [
        "client_id",
        "redirect_uri",
        "response_type",
        "code_challenge",
        "code_challenge_method",
        "state",
        "scope",
        "ui_locales",
        "csrf",
    ];
    let values: Vec<(String, String)> = names
        .iter()
        .filter_map(|n| field(&page.text, n).map(|v| ((*n).to_owned(), v)))
        .chain([
            ("email".to_owned(), email.to_owned()),
            ("password".to_owned(), password.to_owned()),
        ])
        .collect();
    let pairs: Vec<(&str, &str)> = values
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    stack
        .request(Method::POST, "/oauth2/authorize")
        .header("cookie", cookie)
        .form(&pairs)
        .send()
        .await
}

/// The query parameters of a redirect's Location.
pub(crate) fn location_params(reply: &Reply) -> Vec<(String, String)> {
    let location = reply.header("location").expect("a Location");
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    serde_urlencoded::from_str(query).unwrap()
}

pub(crate) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Signs in through the page and answers the code.
pub(crate) async fn code_for(stack: &Stack, client: &Storefront) -> String {
    let (page, cookie) = page(stack, &authorize_query(&client.client_id, REDIRECT, &[])).await;
    let reply = submit(stack, &page, &cookie, &client.email, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    let location = reply.header("location").unwrap();
    assert!(location.starts_with(&format!("{REDIRECT}?")), "{location}");
    let params = location_params(&reply);
    assert_eq!(param(&params, "state"), Some("st-123"));
    assert_eq!(param(&params, "iss"), Some(integration_tests::ISSUER));
    param(&params, "code").expect("a code").to_owned()
}

pub(crate) async fn exchange(stack: &Stack, client_id: &str, code: &str, verifier: &str) -> Reply {
    stack
        .request(Method::POST, "/oauth2-token")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
            ("client_id", client_id),
        ])
        .send()
        .await
}

pub(crate) async fn refresh(stack: &Stack, client_id: &str, token: &str) -> Reply {
    stack
        .request(Method::POST, "/oauth2-token")
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", token),
            ("client_id", client_id),
        ])
        .send()
        .await
}

pub(crate) async fn me(stack: &Stack, access: &str) -> StatusCode {
    stack
        .request(Method::GET, "/api/me")
        .bearer(access)
        .send()
        .await
        .status
}

pub(crate) fn tokens(reply: &Reply) -> (String, String) {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    (
        reply.json["access_token"].as_str().unwrap().to_owned(),
        reply.json["refresh_token"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn a_customer_user_signs_in_refreshes_and_a_reused_refresh_token_ends_the_session() {
    let stack = Stack::new().await;
    let client = storefront(&stack).await;
    let code = code_for(&stack, &client).await;
    let (access, first) = tokens(&exchange(&stack, &client.client_id, &code, VERIFIER).await);
    let me_reply = stack
        .request(Method::GET, "/api/me")
        .bearer(&access)
        .send()
        .await;
    assert_eq!(me_reply.status, StatusCode::OK, "{}", me_reply.text);
    assert_eq!(me_reply.json["id"], client.user_id.as_str());

    let (access2, second) = tokens(&refresh(&stack, &client.client_id, &first).await);
    assert_ne!(first, second, "every refresh rotates");
    assert_eq!(me(&stack, &access2).await, StatusCode::OK);
    // A retry of the same refresh at once (its answer was lost) gets the same token.
    let (_, retried) = tokens(&refresh(&stack, &client.client_id, &first).await);
    assert_eq!(retried, second);
    let (_, third) = tokens(&refresh(&stack, &client.client_id, &second).await);

    // The first token again, two rotations later: stolen. The family is revoked.
    let reused = refresh(&stack, &client.client_id, &first).await;
    assert_eq!(reused.status, StatusCode::BAD_REQUEST, "{}", reused.text);
    assert_eq!(reused.json["error"], "invalid_grant");
    let after = refresh(&stack, &client.client_id, &third).await;
    assert_eq!(after.json["error"], "invalid_grant", "{}", after.text);
    assert_eq!(me(&stack, &access).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&stack, &access2).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn revoking_a_refresh_token_ends_its_session_and_its_access_tokens() {
    let stack = Stack::new().await;
    let client = storefront(&stack).await;
    let code = code_for(&stack, &client).await;
    let (access, refresh_token) =
        tokens(&exchange(&stack, &client.client_id, &code, VERIFIER).await);
    assert_eq!(me(&stack, &access).await, StatusCode::OK);
    // Another client cannot revoke it (RFC 7009: 200 all the same).
    let other = storefront(&stack).await;
    let revoke = |client_id: String, token: String| {
        let stack = &stack;
        async move {
            stack
                .request(Method::POST, "/oauth2/revoke")
                .form(&[
                    ("token", token.as_str()),
                    ("token_type_hint", "refresh_token"),
                    ("client_id", client_id.as_str()),
                ])
                .send()
                .await
        }
    };
    let foreign = revoke(other.client_id.clone(), refresh_token.clone()).await;
    assert_eq!(foreign.status, StatusCode::OK, "{}", foreign.text);
    assert_eq!(me(&stack, &access).await, StatusCode::OK);

    let revoked = revoke(client.client_id.clone(), refresh_token.clone()).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    assert_eq!(me(&stack, &access).await, StatusCode::UNAUTHORIZED);
    let refused = refresh(&stack, &client.client_id, &refresh_token).await;
    assert_eq!(refused.json["error"], "invalid_grant", "{}", refused.text);
    let missing = stack
        .request(Method::POST, "/oauth2/revoke")
        .form(&[("client_id", client.client_id.as_str())])
        .send()
        .await;
    assert_eq!(missing.json["error"], "invalid_request", "{}", missing.text);
}

#[tokio::test]
async fn a_code_needs_the_verifier_the_redirect_uri_and_the_client_it_was_issued_for() {
    let stack = Stack::new().await;
    let client = storefront(&stack).await;
    let other = storefront(&stack).await;
    let code = code_for(&stack, &client).await;
    let wrong_verifier = exchange(&stack, &client.client_id, &code, &"x".repeat(43)).await;
    assert_eq!(
        wrong_verifier.json["error"], "invalid_grant",
        "{}",
        wrong_verifier.text
    );
    let no_verifier = stack
        .request(Method::POST, "/oauth2-token")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("client_id", client.client_id.as_str()),
        ])
        .send()
        .await;
    assert_eq!(
        no_verifier.json["error"], "invalid_request",
        "{}",
        no_verifier.text
    );
    let other_client = exchange(&stack, &other.client_id, &code, VERIFIER).await;
    assert_eq!(
        other_client.json["error"], "invalid_grant",
        "{}",
        other_client.text
    );
    let other_redirect = stack
        .request(Method::POST, "/oauth2-token")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "https://shop.example.test/other"),
            ("code_verifier", VERIFIER),
            ("client_id", client.client_id.as_str()),
        ])
        .send()
        .await;
    assert_eq!(
        other_redirect.json["error"], "invalid_grant",
        "{}",
        other_redirect.text
    );
    // None of those spent it.
    tokens(&exchange(&stack, &client.client_id, &code, VERIFIER).await);
}

#[tokio::test]
async fn a_second_use_of_a_code_fails_and_revokes_what_the_first_issued() {
    let stack = Stack::new().await;
    let client = storefront(&stack).await;
    let code = code_for(&stack, &client).await;
    let (access, refresh_token) =
        tokens(&exchange(&stack, &client.client_id, &code, VERIFIER).await);
    let again = exchange(&stack, &client.client_id, &code, VERIFIER).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.text);
    assert_eq!(again.json["error"], "invalid_grant");
    assert_eq!(me(&stack, &access).await, StatusCode::UNAUTHORIZED);
    let refused = refresh(&stack, &client.client_id, &refresh_token).await;
    assert_eq!(refused.json["error"], "invalid_grant", "{}", refused.text);
    // The code is stored only as a keyed hash.
    let items = stack.items_naming(&code).await;
    assert!(items.is_empty(), "{items:?}");
}

#[tokio::test]
async fn disabling_a_customer_user_or_a_new_password_ends_their_sessions_for_good() {
    let stack = Stack::new().await;
    let client = storefront(&stack).await;
    let code = code_for(&stack, &client).await;
    let (access, refresh_token) =
        tokens(&exchange(&stack, &client.client_id, &code, VERIFIER).await);
    assert_eq!(me(&stack, &access).await, StatusCode::OK);
    let disabled = stack
        .request(
            Method::POST,
            &format!("/admin/customer-users/{}/disable", client.user_id),
        )
        .bearer(&stack.admin_token().await)
        .send()
        .await;
    assert!(disabled.status.is_success(), "{}", disabled.text);
    assert_eq!(me(&stack, &access).await, StatusCode::UNAUTHORIZED);
    let refused = refresh(&stack, &client.client_id, &refresh_token).await;
    assert_eq!(refused.json["error"], "invalid_grant", "{}", refused.text);

    // Enabling again revives no session; a new sign-in works.
    let admin = stack.admin_token().await;
    let enabled = stack
        .request(
            Method::POST,
            &format!("/admin/customer-users/{}/enable", client.user_id),
        )
        .bearer(&admin)
        .send()
        .await;
    assert!(enabled.status.is_success(), "{}", enabled.text);
    assert_eq!(me(&stack, &access).await, StatusCode::UNAUTHORIZED);
    let still = refresh(&stack, &client.client_id, &refresh_token).await;
    assert_eq!(still.json["error"], "invalid_grant", "{}", still.text);
    // Sessions are compared with the disabling to the millisecond.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let code = code_for(&stack, &client).await;
    let (access, _) = tokens(&exchange(&stack, &client.client_id, &code, VERIFIER).await);
    assert_eq!(me(&stack, &access).await, StatusCode::OK);

    // A new password ends the sessions too.
    let current = stack
        .request(
            Method::GET,
            &format!("/admin/customer-users/{}", client.user_id),
        )
        .bearer(&admin)
        .send()
        .await;
    let changed = stack
        .request(
            Method::PATCH,
            &format!("/admin/customer-users/{}", client.user_id),
        )
        .bearer(&admin)
        .if_match(&current.etag())
        .json(&json!({"password": "An0ther-Passw0rd"}))
        .send()
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(me(&stack, &access).await, StatusCode::UNAUTHORIZED);
}
