//! The customer-user grid: every filter is a Query on a key designed for it, and a
//! page costs the same whatever the table holds.

use http::{Method, StatusCode};
use integration_tests::Stack;
use shared::{
    customer_user::CustomerUser,
    domain::{CustomerId, CustomerUserId, Email, Name, now},
    http::PageRequest,
    store::{CustomerUserQuery, CustomerUserStore},
};

/// Writes customer users straight through the store adapter (no password hashing), as
/// a bulk import would.
async fn seed(stack: &Stack, customer: CustomerId, count: usize, tag: &str) {
    for i in 0..count {
        let at = now();
        let user = CustomerUser {
            id: CustomerUserId::generate(),
            organization_id: stack.provisioned.organization_id,
            customer_id: customer,
            website_id: stack.provisioned.website_id,
            name_prefix: None,
            first_name: Name::parse(&format!("{tag}first{i:04}")).unwrap(),
            middle_name: None,
            last_name: Name::parse(&format!("{tag}last{i:04}")).unwrap(),
            name_suffix: None,
            email: Email::parse(&format!("{tag}{i:04}@example.com")).unwrap(),
            birthday: None,
            phone: None,
            sales_representative_ids: vec![],
            preferred_localization: None,
            role_ids: vec![stack.provisioned.buyer_role_id],
            enabled: i % 2 == 0,
            confirmed: i % 3 == 0,
            password: None,
            password_reset_required: false,
            addresses: vec![],
            created_at: at,
            updated_at: at,
            version: 1,
        };
        stack
            .services
            .store
            .create_customer_user(&user, None, &[])
            .await
            .unwrap();
    }
}

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
    seed(&stack, acme, 12, "a").await;
    seed(&stack, beta, 6, "b").await;

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

async fn page_cost(stack: &Stack, query: &CustomerUserQuery) -> u64 {
    let before = stack.services.store.items_read();
    let page = stack
        .services
        .store
        .list_customer_users(query, &PageRequest::first(20))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 20);
    stack.services.store.items_read() - before
}

#[tokio::test]
async fn a_page_of_20_reads_20_items_at_45_and_at_225_users() {
    let small = Stack::new().await;
    let large = Stack::new().await;
    let small_customer: CustomerId = small.customer("Small").await.parse().unwrap();
    let large_customer: CustomerId = large.customer("Large").await.parse().unwrap();
    seed(&small, small_customer, 45, "s").await;
    seed(&large, large_customer, 225, "l").await;

    let queries = |stack: &Stack, customer: CustomerId, tag: &str| {
        let org = stack.provisioned.organization_id;
        vec![
            CustomerUserQuery::of_organization(org),
            CustomerUserQuery {
                customer_id: Some(customer),
                ..CustomerUserQuery::of_organization(org)
            },
            CustomerUserQuery {
                email_prefix: Some(tag.to_owned()),
                ..CustomerUserQuery::of_organization(org)
            },
            CustomerUserQuery {
                first_name_prefix: Some(format!("{tag}first")),
                ..CustomerUserQuery::of_organization(org)
            },
            CustomerUserQuery {
                last_name_prefix: Some(format!("{tag}last")),
                ..CustomerUserQuery::of_organization(org)
            },
            CustomerUserQuery {
                enabled: Some(true),
                ..CustomerUserQuery::of_organization(org)
            },
            CustomerUserQuery {
                confirmed: Some(false),
                ..CustomerUserQuery::of_organization(org)
            },
        ]
    };
    let small_costs: Vec<u64> = {
        let mut costs = Vec::new();
        for q in queries(&small, small_customer, "s") {
            costs.push(page_cost(&small, &q).await);
        }
        costs
    };
    let mut large_costs = Vec::new();
    for q in queries(&large, large_customer, "l") {
        large_costs.push(page_cost(&large, &q).await);
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
    seed(&stack, customer, 45, "p").await;
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
