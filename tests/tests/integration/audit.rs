//! The audit log: every successful write through the admin or storefront API is one
//! event naming who, which route, which record and when; nothing else is recorded.

use http::{Method, StatusCode};
use integration_tests::{Reply, Stack};
use serde_json::{Value, json};
use shared::auth::Scope;

async fn events(stack: &Stack, token: &str, query: &str) -> Reply {
    let reply = stack
        .request(Method::GET, &format!("/admin/audit-events{query}"))
        .bearer(token)
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply
}

fn actions(reply: &Reply) -> Vec<String> {
    reply.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn admin_writes_are_recorded_with_who_what_and_which_record() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let created = stack
        .request(Method::POST, "/admin/customers")
        .bearer(&token)
        .json(&json!({"name": "Acme"}))
        .send()
        .await;
    let customer = created.json["id"].as_str().unwrap().to_owned();
    // The id percent-encoded, as a client may send it: the event names it as stored.
    let encoded = format!("%{:02X}{}", customer.as_bytes()[0], &customer[1..]);
    let renamed = stack
        .request(Method::PATCH, &format!("/admin/customers/{encoded}"))
        .bearer(&token)
        .if_match(&created.etag())
        .json(&json!({"name": "Acme Corp"}))
        .send()
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    // Neither a refused write nor a read is an event.
    let refused = stack
        .request(Method::POST, "/admin/customers")
        .bearer(&token)
        .json(&json!({"name": ""}))
        .send()
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    stack
        .request(Method::GET, &format!("/admin/customers/{customer}"))
        .bearer(&token)
        .send()
        .await;

    let log = events(&stack, &token, "").await;
    assert_eq!(
        actions(&log),
        ["PATCH /admin/customers/{id}", "POST /admin/customers"],
        "newest first"
    );
    let newest = &log.json["items"][0];
    assert_eq!(newest["resource_id"], customer.as_str());
    assert_eq!(newest["status"], 200);
    assert_eq!(
        newest["organization_id"],
        stack.provisioned.organization_id.to_string()
    );
    assert_eq!(
        newest["actor"],
        json!({
            "kind": "backend",
            "user_id": stack.provisioned.admin_user_id,
            "client_id": stack.admin.client_id,
        })
    );
    assert!(newest["at"].is_string() && newest["id"].is_string());
    let oldest = &log.json["items"][1];
    assert_eq!(
        oldest["resource_id"],
        customer.as_str(),
        "the created record"
    );
    assert_eq!(oldest["status"], 201);

    // One record's events, a page at a time.
    let other = stack.customer("Other").await;
    let about = events(&stack, &token, &format!("?resource_id={customer}&limit=1")).await;
    assert_eq!(actions(&about), ["PATCH /admin/customers/{id}"]);
    let cursor = about.json["next_cursor"].as_str().expect("a second page");
    let rest = events(
        &stack,
        &token,
        &format!("?resource_id={customer}&limit=1&cursor={cursor}"),
    )
    .await;
    assert_eq!(actions(&rest), ["POST /admin/customers"]);
    assert!(!rest.text.contains(&other), "{}", rest.text);
    let upper = customer.to_uppercase().replace('-', "");
    let normalized = events(&stack, &token, &format!("?resource_id={upper}")).await;
    assert_eq!(actions(&normalized).len(), 2, "any spelling of the id");

    // Each event expires after the retention period.
    let items = stack.table_items().await;
    let event = items
        .iter()
        .find(|i| i["pk"].as_s().is_ok_and(|pk| pk.starts_with("AUDIT#")))
        .expect("an event item");
    let expires: i64 = event[shared::store::TABLE.ttl_attribute]
        .as_n()
        .unwrap()
        .parse()
        .unwrap();
    let retention = shared::audit::RETENTION_DAYS * 86_400;
    let left = expires - shared::domain::now().unix_timestamp();
    assert!(
        (retention - 60..=retention).contains(&left),
        "expires in {left} s"
    );
}

#[tokio::test]
async fn storefront_writes_name_the_customer_user_and_no_secret_is_recorded() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let (boss, frontend) = stack.storefront_administrator().await;
    let colleague = stack
        .request(Method::POST, "/api/customer-users")
        .bearer(&frontend)
        .json(&json!({"first_name": "Max", "last_name": "Buyer", "email": "max@example.com"}))
        .send()
        .await;
    assert_eq!(colleague.status, StatusCode::CREATED, "{}", colleague.text);
    let application = stack
        .request(
            Method::POST,
            &format!(
                "/admin/users/{}/oauth-applications",
                stack.provisioned.admin_user_id
            ),
        )
        .bearer(&token)
        .json(&json!({"name": "ERP", "scopes": ["directory:read"]}))
        .send()
        .await;
    let secret = application.json["client_secret"].as_str().unwrap();

    let log = events(&stack, &token, "").await;
    let items: &Vec<Value> = log.json["items"].as_array().unwrap();
    let storefront = items
        .iter()
        .find(|e| e["action"] == "POST /api/customer-users")
        .expect("the storefront write");
    assert_eq!(
        storefront["actor"]["customer_user_id"], boss.json["id"],
        "{storefront}"
    );
    assert_eq!(storefront["actor"]["kind"], "frontend");
    assert_eq!(storefront["resource_id"], colleague.json["id"]);
    let created = items
        .iter()
        .find(|e| e["action"] == "POST /admin/users/{id}/oauth-applications")
        .expect("the application's create");
    assert_eq!(
        created["resource_id"], application.json["id"],
        "the record created, not the owner the path names"
    );
    assert!(!log.text.contains(secret), "{}", log.text);
}

#[tokio::test]
async fn reading_the_log_takes_audit_read_and_a_record_id() {
    let stack = Stack::new().await;
    let without = stack.token_with(&[Scope::DirectoryRead]).await;
    let refused = stack
        .request(Method::GET, "/admin/audit-events")
        .bearer(&without)
        .send()
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text.contains("audit:read"), "{}", refused.text);
    let auditor = stack.token_with(&[Scope::AuditRead]).await;
    events(&stack, &auditor, "").await;
    let bad = stack
        .request(Method::GET, "/admin/audit-events?resource_id=acme")
        .bearer(&auditor)
        .send()
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_fields(), ["resource_id"]);
}

#[tokio::test]
async fn an_event_belongs_to_the_organization_of_the_record_changed() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let other = stack
        .request(Method::POST, "/admin/organizations")
        .bearer(&token)
        .json(&json!({"name": "Other Org"}))
        .send()
        .await;
    let other_id = other.json["id"].as_str().unwrap().to_owned();
    // The provisioned administrator has global access: it acts in the other organization.
    let customer = stack
        .request(Method::POST, "/admin/customers")
        .bearer(&token)
        .json(&json!({"name": "Far Away", "organization_id": other_id}))
        .send()
        .await;
    assert_eq!(customer.status, StatusCode::CREATED, "{}", customer.text);
    // An application of a user of ours, placed in the other organization.
    let application = stack
        .request(
            Method::POST,
            &format!(
                "/admin/users/{}/oauth-applications",
                stack.provisioned.admin_user_id
            ),
        )
        .bearer(&token)
        .json(&json!({"name": "Abroad", "organization_id": other_id}))
        .send()
        .await;
    assert_eq!(
        application.status,
        StatusCode::CREATED,
        "{}",
        application.text
    );

    let theirs = events(&stack, &token, &format!("?organization_id={other_id}")).await;
    assert_eq!(
        actions(&theirs),
        [
            "POST /admin/users/{id}/oauth-applications",
            "POST /admin/customers",
            "POST /admin/organizations"
        ],
        "an organization's log starts with its creation"
    );
    assert_eq!(
        theirs.json["items"][0]["resource_id"],
        application.json["id"]
    );
    assert_eq!(theirs.json["items"][1]["resource_id"], customer.json["id"]);
    let ours = events(&stack, &token, "").await;
    assert_eq!(actions(&ours), Vec::<String>::new(), "{}", ours.text);
}

#[tokio::test]
async fn an_address_added_is_found_in_its_users_history() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    let user = stack
        .customer_user(
            &customer,
            "home@example.com",
            &[stack.provisioned.buyer_role_id],
        )
        .await;
    let id = user.json["id"].as_str().unwrap();
    let added = stack
        .request(Method::POST, &format!("/admin/customer-users/{id}/addresses"))
        .bearer(&token)
        .json(&json!({"street": "Main Street 1", "city": "Berlin", "postal_code": "10115", "country_code": "DE"}))
        .send()
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    let about = events(&stack, &token, &format!("?resource_id={id}")).await;
    assert_eq!(
        actions(&about),
        [
            "POST /admin/customer-users/{id}/addresses",
            "POST /admin/customer-users"
        ]
    );
}

#[tokio::test]
async fn an_event_past_its_retention_is_not_listed_before_dynamodb_deletes_it() {
    use shared::{
        audit::{AuditActor, AuditEvent, RETENTION_DAYS},
        domain::{AuditEventId, now},
        ports::AuditLog,
    };
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let event = |days_ago: i64, action: &str| AuditEvent {
        id: AuditEventId::generate(),
        organization_id: stack.provisioned.organization_id,
        at: now() - time::Duration::days(days_ago),
        actor: AuditActor::Backend {
            user_id: stack.provisioned.admin_user_id,
            client_id: stack.admin.client_id.clone(),
        },
        action: action.to_owned(),
        resource_id: None,
        status: 200,
        request_id: None,
    };
    let store = &stack.services.store;
    store
        .record(&event(RETENTION_DAYS + 1, "POST /expired"))
        .await
        .unwrap();
    store
        .record(&event(RETENTION_DAYS - 1, "POST /kept"))
        .await
        .unwrap();
    assert_eq!(actions(&events(&stack, &token, "").await), ["POST /kept"]);
}

#[tokio::test]
async fn a_storefront_change_is_found_under_the_user_in_the_users_organization() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let other = stack
        .request(Method::POST, "/admin/organizations")
        .bearer(&token)
        .json(&json!({"name": "Other Org"}))
        .send()
        .await;
    let other_id = other.json["id"].as_str().unwrap();
    let customer = stack.customer("Acme").await;
    let user = stack
        .customer_user(
            &customer,
            "far@example.com",
            &[stack.provisioned.buyer_role_id],
        )
        .await;
    let id = user.json["id"].as_str().unwrap();
    // Its application lives in the other organization.
    let application = stack
        .request(
            Method::POST,
            &format!("/admin/customer-users/{id}/oauth-applications"),
        )
        .bearer(&token)
        .json(&json!({"name": "Abroad", "organization_id": other_id}))
        .send()
        .await;
    assert_eq!(
        application.status,
        StatusCode::CREATED,
        "{}",
        application.text
    );
    let frontend = stack
        .token(
            &shared::provision::ClientCredentials {
                client_id: application.json["client_id"].as_str().unwrap().to_owned(),
                client_secret: application.json["client_secret"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            },
            None,
        )
        .await;
    let consents = stack
        .request(Method::GET, "/api/me/consents")
        .bearer(&frontend)
        .send()
        .await;
    let answered = stack
        .request(Method::PUT, "/api/me/consents")
        .bearer(&frontend)
        .if_match(&consents.etag())
        .json(&json!({"accepted": []}))
        .send()
        .await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.text);
    let ours = events(&stack, &token, &format!("?resource_id={id}")).await;
    assert!(
        actions(&ours).contains(&"PUT /api/me/consents".to_owned()),
        "{}",
        ours.text
    );
}
