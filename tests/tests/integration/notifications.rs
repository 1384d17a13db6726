//! A customer user's email log, page by page, newest first.

use http::{Method, StatusCode};
use integration_tests::Stack;
use serde_json::json;

#[tokio::test]
async fn the_email_log_pages_newest_first() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Logged").await;
    let mut users = Vec::new();
    for email in ["log-a@example.com", "log-b@example.com"] {
        let created = stack
            .request(Method::POST, "/admin/customer-users")
            .bearer(&token)
            .json(&json!({
                "customer_id": customer,
                "first_name": "Lena",
                "last_name": "Log",
                "email": email,
                "role_ids": [stack.provisioned.buyer_role_id],
            }))
            .send()
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        users.push(created.json["id"].as_str().unwrap().to_owned());
    }
    let path = format!("/admin/customer-users/{}", users[0]);
    for _ in 0..3 {
        let sent = stack
            .request(Method::POST, &format!("{path}/welcome-email"))
            .bearer(&token)
            .send()
            .await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    }
    let view = stack
        .request(Method::GET, &path)
        .bearer(&token)
        .send()
        .await;
    let embedded = view.json["notifications"].as_array().unwrap().clone();
    assert!(embedded.len() >= 3, "{}", view.text);

    let mut listed = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let query = match &cursor {
            Some(cursor) => format!("?limit=2&cursor={cursor}"),
            None => "?limit=2".to_owned(),
        };
        let page = stack
            .request(Method::GET, &format!("{path}/notifications{query}"))
            .bearer(&token)
            .send()
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        let items = page.json["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        listed.extend(items.iter().cloned());
        cursor = page.json["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(listed, embedded, "the whole log, in the view's order");
    let times: Vec<&str> = listed.iter().map(|n| n["at"].as_str().unwrap()).collect();
    let mut newest_first = times.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, newest_first);
    assert_eq!(listed[0]["template"], "welcome");

    // A cursor is good for its own log only; an unknown user is a 404.
    let first = stack
        .request(Method::GET, &format!("{path}/notifications?limit=1"))
        .bearer(&token)
        .send()
        .await;
    let theirs = first.json["next_cursor"].as_str().unwrap();
    let elsewhere = stack
        .request(
            Method::GET,
            &format!(
                "/admin/customer-users/{}/notifications?cursor={theirs}",
                users[1]
            ),
        )
        .bearer(&token)
        .send()
        .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        elsewhere.text
    );
    assert_eq!(elsewhere.error_fields(), ["cursor"]);
    let unknown = stack
        .request(
            Method::GET,
            "/admin/customer-users/0193a5e0-0000-7000-8000-000000000001/notifications",
        )
        .bearer(&token)
        .send()
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}
