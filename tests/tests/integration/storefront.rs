//! The storefront side: frontend tokens, permissions from roles, one customer's users only.

use http::{Method, StatusCode};
use integration_tests::{Stack, watch_routes};
use serde_json::json;

#[tokio::test]
async fn me_returns_the_tokens_customer_user() {
    let stack = Stack::new().await;
    let (user, token) = stack.storefront_administrator().await;
    let me = stack
        .request(Method::GET, "/api/me")
        .bearer(&token)
        .send()
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.json["id"], user.json["id"]);
    assert!(me.json.get("notifications").is_none());
    assert_eq!(
        me.json["permissions"],
        serde_json::json!([
            "customer_users:view",
            "customer_users:create",
            "customer_users:edit",
            "customer_users:delete",
            "roles:view",
            "roles:manage"
        ]),
        "the Administrator role grants them all"
    );
}

#[tokio::test]
async fn tokens_are_not_interchangeable_between_admin_and_storefront() {
    let stack = Stack::new().await;
    let (_, frontend) = stack.storefront_administrator().await;
    let backend = stack.admin_token().await;
    assert_eq!(
        stack
            .request(Method::GET, "/api/me")
            .bearer(&backend)
            .send()
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        stack
            .request(Method::GET, "/api/customer-users")
            .bearer(&backend)
            .send()
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        stack
            .request(Method::GET, "/admin/customer-users")
            .bearer(&frontend)
            .send()
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        stack.request(Method::GET, "/api/me").send().await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// Every route of the route table, with the other side's token (and with none), is a
/// 401 before anything else is looked at: a route added without its guard fails here.
#[tokio::test]
async fn every_admin_and_storefront_route_refuses_the_other_sides_token() {
    let stack = Stack::new().await;
    let (_, frontend) = stack.storefront_administrator().await;
    let backend = stack.admin_token().await;
    let id = uuid::Uuid::now_v7().to_string();
    let mut checked = 0;
    for route in watch_routes() {
        let wrong = if route.path.starts_with("/admin/") {
            &frontend
        } else if route.path.starts_with("/api/") {
            &backend
        } else {
            continue;
        };
        let path = route
            .path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    id.as_str()
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let method = Method::from_bytes(route.method.as_bytes()).unwrap();
        for token in [Some(wrong.as_str()), None] {
            let mut call = stack.request(method.clone(), &path).json(&json!({}));
            if let Some(token) = token {
                call = call.bearer(token);
            }
            let reply = call.send().await;
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{} {path} with {}: {}",
                route.method,
                if token.is_some() {
                    "the other side's token"
                } else {
                    "no token"
                },
                reply.text
            );
        }
        checked += 1;
    }
    assert!(checked > 50, "the route table was read ({checked} routes)");
}

#[tokio::test]
async fn only_administrators_manage_and_only_their_own_customer() {
    let stack = Stack::new().await;
    let (boss, token) = stack.storefront_administrator().await;
    let customer = boss.json["customer_id"].as_str().unwrap().to_owned();

    // A colleague with the Buyer role may not manage.
    let buyer = stack
        .customer_user(
            &customer,
            "buyer@example.com",
            &[stack.provisioned.buyer_role_id],
        )
        .await;
    let buyer_token = stack
        .frontend_token(buyer.json["id"].as_str().unwrap())
        .await;
    let refused = stack
        .request(Method::GET, "/api/customer-users")
        .bearer(&buyer_token)
        .send()
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // Someone of another customer stays invisible.
    let elsewhere = stack.customer("Elsewhere").await;
    let stranger = stack
        .customer_user(
            &elsewhere,
            "stranger@example.com",
            &[stack.provisioned.buyer_role_id],
        )
        .await;
    let stranger_id = stranger.json["id"].as_str().unwrap();
    let list = stack
        .request(Method::GET, "/api/customer-users")
        .bearer(&token)
        .send()
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let ids: Vec<&str> = list.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(!ids.contains(&stranger_id));
    for method in [Method::GET, Method::DELETE] {
        let reply = stack
            .request(
                method.clone(),
                &format!("/api/customer-users/{stranger_id}"),
            )
            .bearer(&token)
            .if_match("\"1\"")
            .send()
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method}");
    }
    let disabled = stack
        .request(
            Method::POST,
            &format!("/api/customer-users/{stranger_id}/disable"),
        )
        .bearer(&token)
        .send()
        .await;
    assert_eq!(disabled.status, StatusCode::NOT_FOUND);
    let still = stack
        .request(Method::GET, &format!("/admin/customer-users/{stranger_id}"))
        .bearer(&stack.admin_token().await)
        .send()
        .await;
    assert_eq!(still.json["enabled"], true);
}

#[tokio::test]
async fn an_administrator_creates_edits_disables_and_deletes_colleagues() {
    let stack = Stack::new().await;
    let (boss, token) = stack.storefront_administrator().await;
    let created = stack
        .request(Method::POST, "/api/customer-users")
        .bearer(&token)
        .json(&json!({"first_name": "Max", "last_name": "Buyer", "email": "max@example.com"}))
        .send()
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json["customer_id"], boss.json["customer_id"]);
    assert_eq!(
        created.json["role_ids"],
        json!([stack.provisioned.buyer_role_id]),
        "the website's default role"
    );
    let path = format!(
        "/api/customer-users/{}",
        created.json["id"].as_str().unwrap()
    );

    let moved = stack
        .request(Method::PATCH, &path)
        .bearer(&token)
        .if_match(&created.etag())
        .json(&json!({"customer_id": shared::domain::CustomerId::generate()}))
        .send()
        .await;
    assert_eq!(
        moved.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the storefront cannot move users to another customer"
    );
    let edited = stack
        .request(Method::PATCH, &path)
        .bearer(&token)
        .if_match(&created.etag())
        .json(&json!({"first_name": "Maximilian"}))
        .send()
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    let disabled = stack
        .request(Method::POST, &format!("{path}/disable"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(disabled.json["enabled"], false);
    let deleted = stack
        .request(Method::DELETE, &path)
        .bearer(&token)
        .if_match(&disabled.etag())
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);

    let own = format!("/api/customer-users/{}", boss.json["id"].as_str().unwrap());
    let herself = stack
        .request(Method::POST, &format!("{own}/disable"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(herself.status, StatusCode::CONFLICT);
    let erase = stack
        .request(Method::DELETE, &own)
        .bearer(&token)
        .if_match(&boss.etag())
        .send()
        .await;
    assert_eq!(erase.status, StatusCode::CONFLICT);
    let demoted = stack
        .request(Method::PATCH, &own)
        .bearer(&token)
        .if_match(&boss.etag())
        .json(&json!({"role_ids": [stack.provisioned.buyer_role_id]}))
        .send()
        .await;
    assert_eq!(demoted.status, StatusCode::CONFLICT, "{}", demoted.text);
    assert!(demoted.text.contains("yourself"), "{}", demoted.text);
    let same_roles = stack
        .request(Method::PATCH, &own)
        .bearer(&token)
        .if_match(&boss.etag())
        .json(&json!({"role_ids": boss.json["role_ids"], "first_name": "Bo"}))
        .send()
        .await;
    assert_eq!(
        same_roles.status,
        StatusCode::OK,
        "resending one's own roles unchanged is no change: {}",
        same_roles.text
    );
}

#[tokio::test]
async fn roles_are_listed_for_admin_uis() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let roles = stack
        .request(Method::GET, "/admin/customer-user-roles")
        .bearer(&token)
        .send()
        .await;
    assert_eq!(roles.status, StatusCode::OK, "{}", roles.text);
    let labels: Vec<&str> = roles.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        ["Administrator", "Buyer", "Non-Authenticated Visitors"],
        "ordered by label"
    );
    let first = &roles.json["items"][0];
    for field in [
        "id",
        "role",
        "label",
        "customer_id",
        "self_managed",
        "public",
        "permissions",
        "user_count",
    ] {
        assert!(first.get(field).is_some(), "{field}");
    }
    let paged = stack
        .request(Method::GET, "/admin/customer-user-roles?limit=2")
        .bearer(&token)
        .send()
        .await;
    assert_eq!(paged.json["items"].as_array().unwrap().len(), 2);
    assert!(paged.json["next_cursor"].is_string());
    let no_scope = stack
        .token_with(&[shared::auth::Scope::DirectoryRead])
        .await;
    let refused = stack
        .request(Method::GET, "/admin/customer-user-roles")
        .bearer(&no_scope)
        .send()
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

/// Each storefront create may send a welcome email: a customer creates at most 20 users
/// an hour, so that nobody sends mail in our name at will.
#[tokio::test]
async fn storefront_creates_are_limited_per_customer() {
    let stack = Stack::new().await;
    let (_, token) = stack.storefront_administrator().await;
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let create = |n: usize| {
        stack
            .request(Method::POST, "/api/customer-users")
            .bearer(&token)
            .json(&json!({"first_name": "Many", "last_name": "Users", "email": format!("many-{n}-{tag}@example.com")}))
            .send()
    };
    // The window opens with the first request: the wait is an hour less the time taken.
    let started = std::time::Instant::now();
    for n in 1..=20 {
        let created = create(n).await;
        assert_eq!(created.status, StatusCode::CREATED, "{n}: {}", created.text);
    }
    let refused = create(21).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.text
    );
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    let taken = started.elapsed().as_secs();
    assert!(
        retry + taken + 1 >= 3600 && retry <= 3600,
        "{retry} after {taken} s"
    );
    let listed = stack
        .request(Method::GET, "/api/customer-users?email=many-21")
        .bearer(&token)
        .send()
        .await;
    assert_eq!(listed.json["items"], json!([]), "nothing written");

    let (_, other) = stack.storefront_administrator().await;
    let elsewhere = stack
        .request(Method::POST, "/api/customer-users")
        .bearer(&other)
        .json(&json!({"first_name": "Other", "last_name": "Company", "email": format!("other-{tag}@example.com")}))
        .send()
        .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::CREATED,
        "another customer is not held up"
    );
}
