//! Provisioning is idempotent, and recovers the admin credentials when they are lost.

use integration_tests::Stack;
use shared::provision::{ProvisionOptions, provision};

#[tokio::test]
async fn running_again_keeps_everything_and_known_credentials() {
    let stack = Stack::new().await;
    let options = ProvisionOptions {
        website_url: "https://shop.example.test".into(),
        admin_email: "ignored-on-rerun@example.com".into(),
        known_credentials: Some(stack.admin.clone()),
    };
    let again = provision(&stack.services, &options).await.unwrap();
    assert!(!again.table_created);
    assert!(!again.key_created);
    assert_eq!(again.provisioned, stack.provisioned);
    assert_eq!(again.credentials.client_id, stack.admin.client_id);
    assert_eq!(again.credentials.client_secret, stack.admin.client_secret);
    stack.admin_token().await;
}

#[tokio::test]
async fn lost_credentials_are_replaced_and_the_old_secret_stops_working() {
    let stack = Stack::new().await;
    let options = ProvisionOptions {
        website_url: "https://shop.example.test".into(),
        admin_email: "admin@example.com".into(),
        known_credentials: None,
    };
    let again = provision(&stack.services, &options).await.unwrap();
    assert_eq!(again.provisioned, stack.provisioned);
    assert_eq!(again.credentials.client_id, stack.admin.client_id);
    assert_ne!(again.credentials.client_secret, stack.admin.client_secret);
    assert_eq!(
        stack.try_token(&stack.admin, None).await.status,
        http::StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        stack.try_token(&again.credentials, None).await.status,
        http::StatusCode::OK
    );
}

#[tokio::test]
async fn the_table_holds_no_secret_in_plain_form() {
    let stack = Stack::new().await;
    let dump = format!("{:?}", stack.table_items().await);
    assert!(!dump.contains(&stack.admin.client_secret));
    assert!(
        dump.contains(&stack.admin.client_id[..8])
            || dump.contains(&stack.provisioned.admin_application_id.to_string())
    );
}

/// Sets (or with `None`, removes) one attribute of one item, behind the API's back.
async fn tamper(stack: &Stack, pk: String, sk: &str, counter: &str, value: Option<u64>) {
    use aws_sdk_dynamodb::types::AttributeValue;
    let update = stack
        .services
        .store
        .client()
        .update_item()
        .table_name(stack.services.store.table_name())
        .key("pk", AttributeValue::S(pk))
        .key("sk", AttributeValue::S(sk.to_owned()))
        .expression_attribute_names("#c", counter);
    let update = match value {
        Some(v) => update
            .update_expression("SET #c = :v")
            .expression_attribute_values(":v", AttributeValue::N(v.to_string())),
        None => update.update_expression("REMOVE #c"),
    };
    update.send().await.expect("tamper");
}

#[tokio::test]
async fn recount_sets_every_counter_from_what_it_counts() {
    use http::{Method, StatusCode};
    use serde_json::json;
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let parent = stack.customer("Holding").await;
    let child = stack
        .request(Method::POST, "/admin/customers")
        .bearer(&token)
        .json(&json!({"name": "Retail", "parent_id": parent}))
        .send()
        .await;
    assert_eq!(child.status, StatusCode::CREATED);
    let buyer = stack.provisioned.buyer_role_id;
    let user = stack
        .customer_user(&parent, "counted@example.com", &[buyer])
        .await;
    let user_id = user.json["id"].as_str().unwrap();
    stack.frontend_token(user_id).await;

    // Counters as a store written before they existed, or drifted, would hold them.
    let website = format!("WEBSITE#{}", stack.provisioned.website_id);
    let customer = format!("CUSTOMER#{parent}");
    let role = format!("ROLE#{buyer}");
    let profile = format!("CUSTOMER_USER#{user_id}");
    tamper(
        &stack,
        website.clone(),
        "WEBSITE",
        "customer_user_count",
        None,
    )
    .await;
    tamper(
        &stack,
        customer.clone(),
        "CUSTOMER",
        "subsidiary_count",
        Some(5),
    )
    .await;
    tamper(
        &stack,
        customer.clone(),
        "CUSTOMER",
        "customer_user_count",
        None,
    )
    .await;
    tamper(&stack, role.clone(), "ROLE", "user_count", Some(7)).await;
    tamper(
        &stack,
        profile.clone(),
        "PROFILE",
        "application_count",
        None,
    )
    .await;

    let corrected = stack.services.store.recount().await.unwrap();
    let mut seen: Vec<(String, &str, Option<i64>, u64)> = corrected
        .iter()
        .map(|c| (c.pk.clone(), c.counter, c.was, c.now))
        .collect();
    seen.sort();
    let mut expected = vec![
        (website, "customer_user_count", None, 1),
        (customer.clone(), "customer_user_count", None, 1),
        (customer, "subsidiary_count", Some(5), 1),
        (role, "user_count", Some(7), 1),
        (profile, "application_count", None, 1),
    ];
    expected.sort();
    assert_eq!(seen, expected);
    assert!(
        stack.services.store.recount().await.unwrap().is_empty(),
        "a second run finds nothing to correct"
    );
    let read = stack
        .request(Method::GET, &format!("/admin/customers/{parent}"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(read.json["subsidiary_count"], 1);
    assert_eq!(read.json["customer_user_count"], 1);
}

#[tokio::test]
async fn a_user_whose_website_was_deleted_before_websites_counted_can_still_move_and_go() {
    use http::{Method, StatusCode};
    use serde_json::json;
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    let mut users = Vec::new();
    for name in ["stays", "moves"] {
        let site = stack
            .request(Method::POST, "/admin/websites")
            .bearer(&token)
            .json(&json!({"name": format!("Gone {name}"), "url": "https://gone.example.test"}))
            .send()
            .await;
        let user = stack
            .request(Method::POST, "/admin/customer-users")
            .bearer(&token)
            .json(&json!({
                "first_name": "Old", "last_name": "Timer", "email": format!("{name}@example.com"),
                "customer_id": customer, "website_id": site.json["id"],
                "role_ids": [stack.provisioned.buyer_role_id],
            }))
            .send()
            .await;
        assert_eq!(user.status, StatusCode::CREATED, "{}", user.text);
        // As a release before websites counted their users allowed: the website goes.
        stack
            .services
            .store
            .client()
            .delete_item()
            .table_name(stack.services.store.table_name())
            .key(
                "pk",
                aws_sdk_dynamodb::types::AttributeValue::S(format!(
                    "WEBSITE#{}",
                    site.json["id"].as_str().unwrap()
                )),
            )
            .key(
                "sk",
                aws_sdk_dynamodb::types::AttributeValue::S("WEBSITE".into()),
            )
            .send()
            .await
            .unwrap();
        users.push(user);
    }
    let path = |user: &integration_tests::Reply| {
        format!(
            "/admin/customer-users/{}",
            user.json["id"].as_str().unwrap()
        )
    };
    let moved = stack
        .request(Method::PATCH, &path(&users[1]))
        .bearer(&token)
        .if_match(&users[1].etag())
        .json(&json!({"website_id": stack.provisioned.website_id}))
        .send()
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    let deleted = stack
        .request(Method::DELETE, &path(&users[0]))
        .bearer(&token)
        .if_match(&users[0].etag())
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
}
