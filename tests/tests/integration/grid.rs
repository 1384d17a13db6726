//! The customer-user grid: every filter is a Query on a key designed for it, and a
//! page costs the same whatever the table holds.

use http::{Method, StatusCode};
use integration_tests::Stack;
use shared::domain::CustomerId;

fn emails(reply: &integration_tests::Reply) -> Vec<String> {
    reply.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn each_filter_and_order() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let acme: CustomerId = stack.customer("Acme").await.parse().unwrap();
    let beta: CustomerId = stack.customer("Beta").await.parse().unwrap();
    stack.seed_customer_users(acme, 12, "a").await;
    stack.seed_customer_users(beta, 6, "b").await;

    let get = |query: String| {
        let (stack, token) = (&stack, &token);
        async move {
            let reply = stack
                .request(
                    Method::GET,
                    &format!("/admin/customer-users?limit=100&{query}"),
                )
                .bearer(token)
                .send()
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
            reply
        }
    };
    let all = emails(&get(String::new()).await);
    assert_eq!(all.len(), 18);
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "email order by default");

    assert_eq!(emails(&get(format!("customer_id={beta}")).await).len(), 6);
    assert_eq!(
        emails(&get("email=A001".into()).await).len(),
        2,
        "a0010 and a0011, case-insensitively"
    );
    assert_eq!(emails(&get("first_name=bfirst".into()).await).len(), 6);
    assert_eq!(emails(&get("last_name=alast000".into()).await).len(), 10);
    assert_eq!(emails(&get("enabled=true".into()).await).len(), 9);
    assert_eq!(emails(&get("confirmed=true".into()).await).len(), 6);
    assert_eq!(
        emails(&get(format!("customer_id={acme}&enabled=false&email=a")).await).len(),
        6
    );

    let by_creation = get("sort=created_at".into()).await;
    let created: Vec<&str> = by_creation.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["created_at"].as_str().unwrap())
        .collect();
    let mut in_order = created.clone();
    in_order.sort();
    assert_eq!(created, in_order);
    assert_eq!(created.len(), 18);

    for bad in ["enabled=yes", "sort=name", "customer_id=42"] {
        let reply = stack
            .request(Method::GET, &format!("/admin/customer-users?{bad}"))
            .bearer(&token)
            .send()
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
}

#[tokio::test]
async fn a_page_of_20_reads_20_items_at_45_and_at_225_users() {
    let small = Stack::new().await;
    let large = Stack::new().await;
    let small_customer: CustomerId = small.customer("Small").await.parse().unwrap();
    let large_customer: CustomerId = large.customer("Large").await.parse().unwrap();
    small.seed_customer_users(small_customer, 45, "s").await;
    large.seed_customer_users(large_customer, 225, "l").await;

    let mut small_costs = Vec::new();
    for (_, query) in small.grid_queries(small_customer, "s") {
        small_costs.push(small.page_cost(&query).await);
    }
    let mut large_costs = Vec::new();
    for (_, query) in large.grid_queries(large_customer, "l") {
        large_costs.push(large.page_cost(&query).await);
    }
    assert_eq!(small_costs, vec![20; 7]);
    assert_eq!(
        large_costs, small_costs,
        "five times the users, the same reads per page"
    );
}

#[tokio::test]
async fn pages_follow_cursors_without_gaps_or_repeats() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer: CustomerId = stack.customer("Acme").await.parse().unwrap();
    stack.seed_customer_users(customer, 45, "p").await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/admin/customer-users?cursor={c}"),
            None => "/admin/customer-users".to_owned(),
        };
        let page = stack
            .request(Method::GET, &path)
            .bearer(&token)
            .send()
            .await;
        assert!(page.json["items"].as_array().unwrap().len() <= 20);
        seen.extend(emails(&page));
        match page.json["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique.len(), 45);
    assert_eq!(seen, unique);
}
