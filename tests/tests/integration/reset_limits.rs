//! The forgot-password limits count per requester: nobody can spend an account
//! holder's allowance, and one requester cannot mail many addresses.

use http::{Request, StatusCode};
use integration_tests::{Stack, emails_to};
use serde_json::json;

/// A reset request as API Gateway delivers it, from `source_ip`.
fn reset_request(stack: &Stack, source_ip: &str, email: &str) -> Request<axum::body::Body> {
    let path = "/customer-user/password-reset/request";
    let body = json!({"email": email, "website_id": stack.provisioned.website_id}).to_string();
    let event = json!({
        "version": "2.0",
        "routeKey": format!("POST {path}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "host": "api.example.test"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "api.example.test", "domainPrefix": "api",
            "http": {"method": "POST", "path": path, "protocol": "HTTP/1.1", "sourceIp": source_ip, "userAgent": "test"},
            "requestId": uuid::Uuid::now_v7().to_string(), "routeKey": format!("POST {path}"), "stage": "$default",
            "time": "28/Nov/2026:12:00:00 +0000", "timeEpoch": 1795867200000u64
        },
        "body": body,
        "isBase64Encoded": false
    });
    lambda_http::request::from_str(&event.to_string())
        .unwrap()
        .map(axum::body::Body::new)
}

#[tokio::test]
async fn a_requester_spends_its_own_allowance_never_the_account_holders() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let victim = format!("victim-{}@example.com", uuid::Uuid::now_v7().simple());
    let customer = stack.customer("Victim Co").await;
    let created = stack
        .request(http::Method::POST, "/admin/customer-users")
        .bearer(&token)
        .json(&json!({
            "customer_id": customer, "first_name": "Vera", "last_name": "Victim",
            "email": victim, "role_ids": [stack.provisioned.buyer_role_id],
        }))
        .send()
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);

    for attempt in 1..=5 {
        let reply = stack
            .send(reset_request(&stack, "198.51.100.7", &victim))
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "attempt {attempt}");
    }
    let refused = stack
        .send(reset_request(&stack, "198.51.100.7", &victim))
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.text.contains("for this email"), "{}", refused.text);
    assert!(refused.header("retry-after").is_some());
    let sent = emails_to(&victim).await.len();

    // The account holder, from its own address, still gets its link.
    let own = stack
        .send(reset_request(&stack, "203.0.113.9", &victim))
        .await;
    assert_eq!(own.status, StatusCode::ACCEPTED, "{}", own.text);
    assert_eq!(
        emails_to(&victim).await.len(),
        sent + 1,
        "the link went out"
    );
}

#[tokio::test]
async fn one_requester_cannot_mail_many_addresses() {
    let stack = Stack::new().await;
    // The window opens with the first request: the wait is an hour less the time taken.
    let started = std::time::Instant::now();
    let tag = uuid::Uuid::now_v7().simple().to_string();
    for n in 1..=20 {
        let email = format!("spray-{n}-{tag}@example.com");
        let reply = stack
            .send(reset_request(&stack, "192.0.2.44", &email))
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "request {n}");
    }
    let refused = stack
        .send(reset_request(
            &stack,
            "192.0.2.44",
            &format!("spray-21-{tag}@example.com"),
        ))
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        refused.text.contains("from this address"),
        "{}",
        refused.text
    );
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    let taken = started.elapsed().as_secs();
    assert!(
        retry + taken + 1 >= 3600 && retry <= 3600,
        "{retry} after {taken} s"
    );
    let elsewhere = stack
        .send(reset_request(
            &stack,
            "192.0.2.45",
            &format!("spray-21-{tag}@example.com"),
        ))
        .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::ACCEPTED,
        "other addresses are not held up"
    );
}
