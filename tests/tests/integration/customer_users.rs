//! The back-office customer-user feature, rule by rule, on the real adapter.

use http::{Method, StatusCode};
use integration_tests::{Reply, Stack, emails_to};
use serde_json::{Value, json};
use shared::mail::Mailer;

fn uid() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

async fn post(stack: &Stack, token: &str, body: Value) -> Reply {
    stack
        .request(Method::POST, "/admin/customer-users")
        .bearer(token)
        .json(&body)
        .send()
        .await
}

fn base(customer: &str, email: &str, stack: &Stack) -> Value {
    json!({
        "customer_id": customer,
        "first_name": "Jane",
        "last_name": "Doe",
        "email": email,
        "role_ids": [stack.provisioned.buyer_role_id],
    })
}

fn with(mut body: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

#[tokio::test]
async fn create_validates_each_field_and_writes_nothing_on_error() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    let cases = [
        (json!({"first_name": ""}), "first_name"),
        (json!({"last_name": "x".repeat(256)}), "last_name"),
        (json!({"email": "a@b.c"}), "email"),
        (json!({"email": "not-an-email"}), "email"),
        (json!({"birthday": "2999-01-01"}), "birthday"),
        (json!({"birthday": "01/02/1990"}), "birthday"),
        (json!({"phone": "call me"}), "phone"),
        (json!({"password": "weakpass"}), "password"),
        (
            json!({"password": "Secret123", "generate_password": true}),
            "password",
        ),
        (json!({"role_ids": []}), "role_ids"),
        (
            json!({"preferred_localization": "xx"}),
            "preferred_localization",
        ),
        (
            json!({"customer_id": shared::domain::CustomerId::generate()}),
            "customer_id",
        ),
        (
            json!({"addresses": [{"street": "S 1", "city": "C", "postal_code": "1", "country_code": "ZZ"}]}),
            "addresses.0.country_code",
        ),
    ];
    for (change, field) in cases {
        let reply = post(
            &stack,
            &token,
            with(base(&customer, "jane@example.com", &stack), change.clone()),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{change}: {}",
            reply.text
        );
        assert!(
            reply.error_fields().contains(&field.to_owned()),
            "{change}: {:?}",
            reply.error_fields()
        );
    }
    let empty_role = post(
        &stack,
        &token,
        with(
            base(&customer, "jane@example.com", &stack),
            json!({"role_ids": []}),
        ),
    )
    .await;
    assert_eq!(
        empty_role.json["errors"][0]["message"],
        "Please select at least one role before you enable the customer user."
    );
    let list = stack
        .request(Method::GET, "/admin/customer-users")
        .bearer(&token)
        .send()
        .await;
    assert_eq!(list.json["items"], json!([]), "nothing was written");
    // A disabled user may have no role.
    let disabled = post(
        &stack,
        &token,
        with(
            base(&customer, "jane@example.com", &stack),
            json!({"role_ids": [], "enabled": false}),
        ),
    )
    .await;
    assert_eq!(disabled.status, StatusCode::CREATED, "{}", disabled.text);
}

#[tokio::test]
async fn emails_are_unique_per_organization_case_insensitively_and_atomically() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    let other_customer = stack.customer("Other").await;
    assert_eq!(
        post(&stack, &token, base(&customer, "Jane@Example.com", &stack))
            .await
            .status,
        StatusCode::CREATED
    );
    let again = post(
        &stack,
        &token,
        base(&other_customer, "jane@example.COM", &stack),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);

    let (a, b) = tokio::join!(
        post(&stack, &token, base(&customer, "twin@example.com", &stack)),
        post(
            &stack,
            &token,
            base(&other_customer, "TWIN@example.com", &stack)
        ),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT]);
}

#[tokio::test]
async fn roles_must_be_system_roles_or_of_the_users_customer() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    let other = stack.customer("Other").await;
    let now = shared::domain::now();
    let foreign_role = shared::directory::CustomerUserRole {
        id: shared::domain::RoleId::generate(),
        organization_id: stack.provisioned.organization_id,
        role: "ROLE_OTHER_PURCHASER".into(),
        label: shared::domain::Name::parse("Other purchaser").unwrap(),
        customer_id: Some(other.parse().unwrap()),
        self_managed: true,
        public: false,
        permissions: Default::default(),
        user_count: 0,
        default_for_websites: 0,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    shared::ports::RoleStore::create_role(&stack.services.store, &foreign_role)
        .await
        .unwrap();
    let refused = post(
        &stack,
        &token,
        with(
            base(&customer, "a@example.com", &stack),
            json!({"role_ids": [foreign_role.id]}),
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.error_fields(), ["role_ids.0"]);
    let accepted = post(
        &stack,
        &token,
        with(
            base(&other, "b@example.com", &stack),
            json!({"role_ids": [foreign_role.id]}),
        ),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.text);
}

#[tokio::test]
async fn preferred_localization_follows_the_websites() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    // Left out, it is the website's default (its first localization).
    let plain = post(&stack, &token, base(&customer, "one@example.com", &stack)).await;
    assert_eq!(plain.status, StatusCode::CREATED, "{}", plain.text);
    assert_eq!(plain.json["preferred_localization"], "en_US");

    let german = stack
        .request(Method::POST, "/admin/websites")
        .bearer(&token)
        .json(&json!({"name": "Shop DE", "url": "https://shop.example.de", "localizations": ["de_DE", "en_US"]}))
        .send()
        .await;
    let german_id = german.json["id"].as_str().unwrap().to_owned();
    let website_required = post(&stack, &token, base(&customer, "two@example.com", &stack)).await;
    assert_eq!(
        website_required.error_fields(),
        ["website_id"],
        "two websites now: choose one"
    );

    // Several localizations enabled: a client that sends none still works.
    let defaulted = post(
        &stack,
        &token,
        with(
            base(&customer, "two@example.com", &stack),
            json!({"website_id": german_id}),
        ),
    )
    .await;
    assert_eq!(defaulted.status, StatusCode::CREATED, "{}", defaulted.text);
    assert_eq!(defaulted.json["preferred_localization"], "de_DE");
    let elsewhere = post(
        &stack,
        &token,
        with(
            base(&customer, "three@example.com", &stack),
            json!({"website_id": stack.provisioned.website_id, "preferred_localization": "de_DE"}),
        ),
    )
    .await;
    assert_eq!(
        elsewhere.error_fields(),
        ["preferred_localization"],
        "de_DE is not on the default website"
    );
    let message = elsewhere.json["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("choose one of en_US"), "{message}");
    let ok = post(
        &stack,
        &token,
        with(
            base(&customer, "three@example.com", &stack),
            json!({"website_id": german_id, "preferred_localization": "de_DE"}),
        ),
    )
    .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);

    // Moving the user to a website without de_DE re-checks the localization.
    let ok_path = format!("/admin/customer-users/{}", ok.json["id"].as_str().unwrap());
    let moved = stack
        .request(Method::PATCH, &ok_path)
        .bearer(&token)
        .if_match(&ok.etag())
        .json(&json!({"website_id": stack.provisioned.website_id}))
        .send()
        .await;
    assert_eq!(
        moved.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        moved.text
    );
    assert_eq!(moved.error_fields(), ["preferred_localization"]);

    // The German website cannot drop de_DE while two of its users prefer it.
    let german_path = format!("/admin/websites/{german_id}");
    let dropping = stack
        .request(Method::PATCH, &german_path)
        .bearer(&token)
        .if_match(&german.etag())
        .json(&json!({"localizations": ["en_US"]}))
        .send()
        .await;
    assert_eq!(dropping.status, StatusCode::CONFLICT, "{}", dropping.text);
    assert!(
        dropping
            .text
            .contains("2 customer users of this website prefer de_DE"),
        "{}",
        dropping.text
    );
    let unchanged = stack
        .request(Method::GET, &german_path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(unchanged.etag(), german.etag(), "nothing written");

    // `null` goes back to the website's default; once nobody prefers de_DE, it can go.
    for (path, etag) in [
        (
            format!(
                "/admin/customer-users/{}",
                defaulted.json["id"].as_str().unwrap()
            ),
            defaulted.etag(),
        ),
        (ok_path, ok.etag()),
    ] {
        let english = stack
            .request(Method::PATCH, &path)
            .bearer(&token)
            .if_match(&etag)
            .json(&json!({"preferred_localization": "en_US"}))
            .send()
            .await;
        assert_eq!(
            english.json["preferred_localization"], "en_US",
            "{}",
            english.text
        );
        let reset = stack
            .request(Method::PATCH, &path)
            .bearer(&token)
            .if_match(&english.etag())
            .json(&json!({"preferred_localization": null}))
            .send()
            .await;
        assert_eq!(
            reset.json["preferred_localization"], "de_DE",
            "{}",
            reset.text
        );
        let english = stack
            .request(Method::PATCH, &path)
            .bearer(&token)
            .if_match(&reset.etag())
            .json(&json!({"preferred_localization": "en_US"}))
            .send()
            .await;
        assert_eq!(english.status, StatusCode::OK, "{}", english.text);
    }
    let dropped = stack
        .request(Method::PATCH, &german_path)
        .bearer(&token)
        .if_match(&german.etag())
        .json(&json!({"localizations": ["en_US"]}))
        .send()
        .await;
    assert_eq!(dropped.status, StatusCode::OK, "{}", dropped.text);
}

#[tokio::test]
async fn passwords_are_argon2id_hashes_never_shown() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    let created = post(
        &stack,
        &token,
        with(
            base(&customer, "pw@example.com", &stack),
            json!({"password": "Sup3rSecret"}),
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.json["has_password"], true);
    assert!(!created.text.contains("Sup3rSecret") && !created.text.contains("argon2"));
    let read = stack
        .request(
            Method::GET,
            &format!(
                "/admin/customer-users/{}",
                created.json["id"].as_str().unwrap()
            ),
        )
        .bearer(&token)
        .send()
        .await;
    assert!(!read.text.contains("argon2"));
    let items = format!("{:?}", stack.table_items().await);
    assert!(!items.contains("Sup3rSecret"));
    assert!(items.contains("$argon2id$v=19$m=19456,t=2,p=1$"));

    let generated = post(
        &stack,
        &token,
        with(
            base(&customer, "gen@example.com", &stack),
            json!({"generate_password": true}),
        ),
    )
    .await;
    assert_eq!(generated.status, StatusCode::CREATED);
    assert_eq!(generated.json["has_password"], true);
}

#[tokio::test]
async fn the_welcome_email_carries_a_one_time_link_not_a_password() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    let email = format!("welcome-{}@example.com", uid());
    let created = post(
        &stack,
        &token,
        with(
            base(&customer, &email, &stack),
            json!({"generate_password": true, "send_welcome_email": true}),
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert!(created.json.get("warnings").is_none());
    let sent = emails_to(&email).await;
    assert_eq!(sent.len(), 1);
    let message = &sent[0];
    assert_eq!(message.subject, "Welcome to Default Website");
    assert!(
        message
            .text
            .contains("https://shop.example.test/customer-user/set-password?token=")
    );
    assert!(
        message
            .html
            .contains("https://shop.example.test/customer-user/set-password?token=")
    );
    assert!(
        !message.raw.to_lowercase().contains("password:"),
        "no password in the email"
    );

    let id = created.json["id"].as_str().unwrap();
    let read = stack
        .request(Method::GET, &format!("/admin/customer-users/{id}"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(read.json["notifications"][0]["template"], "welcome");
    assert_eq!(read.json["notifications"][0]["status"], "sent");
    assert_eq!(read.json["notifications"][0]["recipient"], email);
    // Only the link's hash is stored.
    let token_in_mail = message.link_token();
    assert_eq!(token_in_mail.len(), 43, "256 bits, base64url");
    assert!(!format!("{:?}", stack.table_items().await).contains(&token_in_mail));
}

#[tokio::test]
async fn a_failed_welcome_email_keeps_the_user_and_says_so() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    let ses =
        aws_sdk_sesv2::Client::new(&shared::aws::sdk_config().expect("the SDK configuration"));
    ses.delete_email_identity()
        .email_identity(stack.services.mailer().sender())
        .send()
        .await
        .unwrap();
    let created = post(
        &stack,
        &token,
        with(
            base(&customer, "fail@example.com", &stack),
            json!({"send_welcome_email": true}),
        ),
    )
    .await;
    ses.create_email_identity()
        .email_identity(stack.services.mailer().sender())
        .send()
        .await
        .unwrap();
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert!(
        created.json["warnings"][0]
            .as_str()
            .unwrap()
            .contains("welcome email")
    );
    let id = created.json["id"].as_str().unwrap();
    let read = stack
        .request(Method::GET, &format!("/admin/customer-users/{id}"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.json["notifications"][0]["status"], "failed");
}

#[tokio::test]
async fn view_edit_disable_enable_delete_round_trip() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    let created = post(
        &stack,
        &token,
        with(
            base(&customer, "flow@example.com", &stack),
            json!({"birthday": "1990-04-23", "phone": "+49 30 1234567"}),
        ),
    )
    .await;
    let id = created.json["id"].as_str().unwrap().to_owned();
    let path = format!("/admin/customer-users/{id}");

    let read = stack
        .request(Method::GET, &path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.json["birthday"], "1990-04-23");
    assert_eq!(
        read.json["website_id"],
        stack.provisioned.website_id.to_string()
    );
    assert_eq!(
        read.json["links"]["oauth_applications"],
        format!("/admin/customer-users/{id}/oauth-applications")
    );
    assert_eq!(
        read.json["links"]["consents"],
        format!("/admin/customer-users/{id}/consents")
    );
    assert_eq!(read.json["confirmed"], true);

    let stale = stack
        .request(Method::PATCH, &path)
        .bearer(&token)
        .if_match("\"0\"")
        .json(&json!({"first_name": "X"}))
        .send()
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    let edited = stack
        .request(Method::PATCH, &path)
        .bearer(&token)
        .if_match(&read.etag())
        .json(&json!({"first_name": "Janet", "middle_name": "Q", "phone": null}))
        .send()
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    assert_eq!(edited.json["first_name"], "Janet");
    assert_eq!(edited.json["phone"], Value::Null);

    // A frontend token of the user works until the user is disabled.
    let frontend = stack.frontend_token(&id).await;
    assert_eq!(
        stack
            .request(Method::GET, "/api/me")
            .bearer(&frontend)
            .send()
            .await
            .status,
        StatusCode::OK
    );
    let disabled = stack
        .request(Method::POST, &format!("{path}/disable"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.text);
    assert_eq!(disabled.json["enabled"], false);
    assert_eq!(
        stack
            .request(Method::GET, "/api/me")
            .bearer(&frontend)
            .send()
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // Enabling needs a role.
    let roleless = stack
        .request(Method::PATCH, &path)
        .bearer(&token)
        .if_match(&disabled.etag())
        .json(&json!({"role_ids": []}))
        .send()
        .await;
    assert_eq!(roleless.status, StatusCode::OK, "{}", roleless.text);
    let refused = stack
        .request(Method::POST, &format!("{path}/enable"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.json["errors"][0]["message"],
        "Please select at least one role before you enable the customer user."
    );
    let with_role = stack
        .request(Method::PATCH, &path)
        .bearer(&token)
        .if_match(&roleless.etag())
        .json(&json!({"role_ids": [stack.provisioned.buyer_role_id]}))
        .send()
        .await;
    let enabled = stack
        .request(Method::POST, &format!("{path}/enable"))
        .bearer(&token)
        .if_match(&with_role.etag())
        .send()
        .await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.text);
    assert_eq!(
        stack
            .request(Method::GET, "/api/me")
            .bearer(&frontend)
            .send()
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "old tokens stay dead"
    );
}

#[tokio::test]
async fn delete_leaves_nothing_behind_and_frees_the_email() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    let email = format!("gone-{}@example.com", uid());
    let created = post(
        &stack,
        &token,
        with(
            base(&customer, &email, &stack),
            json!({"send_welcome_email": true, "addresses": [{"street": "Main Street 1", "city": "Berlin", "postal_code": "10115", "country_code": "DE"}]}),
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json["id"].as_str().unwrap().to_owned();
    let frontend = stack.frontend_token(&id).await;
    let before = format!("{:?}", stack.table_items().await);
    assert!(before.contains(&id));

    let customer_path = format!("/admin/customers/{customer}");
    let counted = stack
        .request(Method::GET, &customer_path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(counted.json["customer_user_count"], 1);
    let blocked = stack
        .request(Method::DELETE, &customer_path)
        .bearer(&token)
        .if_match(&counted.etag())
        .send()
        .await;
    assert_eq!(
        blocked.status,
        StatusCode::CONFLICT,
        "a customer with users cannot be deleted"
    );

    let deleted = stack
        .request(Method::DELETE, &format!("/admin/customer-users/{id}"))
        .bearer(&token)
        .if_match(&created.etag())
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    // An email that went out while the user was being deleted logs nothing afterwards.
    let late = shared::customer_user::Notification {
        id: shared::domain::NotificationId::generate(),
        template: "welcome".into(),
        recipient: shared::domain::Email::parse(&email).unwrap(),
        at: shared::domain::now(),
        status: shared::customer_user::DeliveryStatus::Sent,
        error: None,
    };
    shared::ports::CustomerUserStore::record_notification(
        &stack.services.store,
        id.parse().unwrap(),
        &late,
    )
    .await
    .unwrap();
    let leftovers = stack.items_naming(&id).await;
    assert!(leftovers.is_empty(), "orphans: {leftovers:?}");
    let after = stack.table_items().await;
    assert!(
        !format!("{after:?}").to_lowercase().contains(&email),
        "the email guard is gone"
    );
    assert_eq!(
        stack
            .request(Method::GET, "/api/me")
            .bearer(&frontend)
            .send()
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let counted = stack
        .request(Method::GET, &customer_path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(counted.json["customer_user_count"], 0);
    assert_eq!(
        post(&stack, &token, base(&customer, &email, &stack))
            .await
            .status,
        StatusCode::CREATED,
        "the email is free"
    );
}

#[tokio::test]
async fn changing_the_email_drops_pending_links() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    let created = post(
        &stack,
        &token,
        with(
            base(&customer, "links@example.com", &stack),
            json!({"send_welcome_email": true}),
        ),
    )
    .await;
    let id = created.json["id"].as_str().unwrap().to_owned();
    let has_link = |items: &Vec<
        std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
    >| {
        items.iter().any(|i| {
            i.get("pk")
                .and_then(|v| v.as_s().ok())
                .is_some_and(|pk| pk.contains(&id))
                && i.get("sk")
                    .and_then(|v| v.as_s().ok())
                    .is_some_and(|sk| sk.starts_with("LINK#"))
        })
    };
    assert!(has_link(&stack.table_items().await));
    let renamed = stack
        .request(Method::PATCH, &format!("/admin/customer-users/{id}"))
        .bearer(&token)
        .if_match(&created.etag())
        .json(&json!({"first_name": "Same links"}))
        .send()
        .await;
    assert!(
        has_link(&stack.table_items().await),
        "other changes keep the links"
    );
    let moved = stack
        .request(Method::PATCH, &format!("/admin/customer-users/{id}"))
        .bearer(&token)
        .if_match(&renamed.etag())
        .json(&json!({"email": "links.new@example.com"}))
        .send()
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    assert!(!has_link(&stack.table_items().await));
}

#[tokio::test]
async fn addresses_keep_one_default_per_type_and_valid_codes() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    let created = post(&stack, &token, base(&customer, "addr@example.com", &stack)).await;
    let base_path = format!(
        "/admin/customer-users/{}/addresses",
        created.json["id"].as_str().unwrap()
    );
    let address = |city: &str, default: bool| {
        json!({"street": "Main Street 1", "city": city, "postal_code": "10115", "country_code": "DE", "region_code": "DE-BE",
               "default_billing": default, "default_shipping": default})
    };
    let first = stack
        .request(Method::POST, &base_path)
        .bearer(&token)
        .json(&address("Berlin", true))
        .send()
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let second = stack
        .request(Method::POST, &base_path)
        .bearer(&token)
        .json(&address("Potsdam", true))
        .send()
        .await;
    assert_eq!(second.status, StatusCode::CREATED);
    let list = stack
        .request(Method::GET, &base_path)
        .bearer(&token)
        .send()
        .await;
    let items = list.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items
            .iter()
            .filter(|a| a["default_billing"] == true)
            .count(),
        1
    );
    assert_eq!(
        items.iter().find(|a| a["default_billing"] == true).unwrap()["city"],
        "Potsdam"
    );

    for (bad, field) in [
        (json!({"country_code": "Germany"}), "country_code"),
        (json!({"region_code": "US-CA"}), "region_code"),
        (json!({"billing": false, "shipping": false}), "billing"),
    ] {
        let mut body = address("X", false);
        for (k, v) in bad.as_object().unwrap() {
            body[k] = v.clone();
        }
        let reply = stack
            .request(Method::POST, &base_path)
            .bearer(&token)
            .json(&body)
            .send()
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(reply.error_fields(), [field], "{bad}");
    }

    let first_path = format!("{base_path}/{}", first.json["id"].as_str().unwrap());
    let patched = stack
        .request(Method::PATCH, &first_path)
        .bearer(&token)
        .if_match(&list.etag())
        .json(&json!({"city": "Berlin-Mitte", "default_billing": true}))
        .send()
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    let list = stack
        .request(Method::GET, &base_path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(
        list.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["default_billing"] == true)
            .unwrap()["city"],
        "Berlin-Mitte"
    );
    let deleted = stack
        .request(Method::DELETE, &first_path)
        .bearer(&token)
        .if_match(&list.etag())
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let list = stack
        .request(Method::GET, &base_path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(list.json["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_customer_edit_racing_a_user_create_cannot_reset_the_count() {
    use shared::ports::{CustomerStore, StoreError};
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    let store = &stack.services.store;
    let read_before = store
        .get_customer(customer.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        post(&stack, &token, base(&customer, "race@example.com", &stack))
            .await
            .status,
        StatusCode::CREATED
    );

    let mut edited = read_before.clone();
    edited.name = shared::domain::Name::parse("Acme Renamed").unwrap();
    edited.version += 1;
    store
        .update_customer(&edited, &read_before, &[])
        .await
        .expect("a counter moved, not the version: the edit goes through");
    let now = store
        .get_customer(customer.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        now.customer_user_count, 1,
        "the count written meanwhile stays"
    );
    assert_eq!(now.name.as_str(), "Acme Renamed");

    // An edit from a read before that one is stale.
    let result = store.update_customer(&edited, &read_before, &[]).await;
    assert!(
        matches!(result, Err(StoreError::VersionConflict)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_user_can_be_created_with_a_new_subsidiary() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let parent = stack.customer("Holding").await;
    let body = json!({
        "customer_name": "Holding Retail",
        "parent_customer_id": parent,
        "first_name": "Nia",
        "last_name": "New",
        "email": "nia@example.com",
        "role_ids": [stack.provisioned.buyer_role_id],
    });
    let created = stack
        .request(Method::POST, "/admin/customer-users")
        .bearer(&token)
        .json(&body)
        .send()
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let subsidiary = created.json["customer_id"].as_str().unwrap();
    assert_ne!(subsidiary, parent);
    let new_customer = stack
        .request(Method::GET, &format!("/admin/customers/{subsidiary}"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(new_customer.json["name"], "Holding Retail");
    assert_eq!(new_customer.json["parent_id"], parent.as_str());
    assert_eq!(new_customer.json["customer_user_count"], 1);
    let holding = stack
        .request(Method::GET, &format!("/admin/customers/{parent}"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(holding.json["subsidiary_count"], 1);

    let top_level = stack
        .request(Method::POST, "/admin/customer-users")
        .bearer(&token)
        .json(&with(body.clone(), json!({"customer_name": "Solo", "parent_customer_id": null, "email": "solo@example.com"})))
        .send()
        .await;
    assert_eq!(top_level.status, StatusCode::CREATED, "{}", top_level.text);

    for (change, field) in [
        (
            json!({"customer_id": parent, "email": "both@example.com"}),
            "customer_id",
        ),
        (
            json!({"customer_name": null, "email": "neither@example.com"}),
            "customer_id",
        ),
        (
            json!({"parent_customer_id": shared::domain::CustomerId::generate(), "email": "orphan@example.com"}),
            "parent_customer_id",
        ),
        (
            json!({"customer_name": " ", "email": "blank@example.com"}),
            "customer_name",
        ),
    ] {
        let reply = stack
            .request(Method::POST, "/admin/customer-users")
            .bearer(&token)
            .json(&with(body.clone(), change.clone()))
            .send()
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{change}: {}",
            reply.text
        );
        assert_eq!(reply.error_fields(), [field], "{change}");
    }
    let customers = stack
        .request(Method::GET, "/admin/customers?limit=100")
        .bearer(&token)
        .send()
        .await;
    assert_eq!(
        customers.json["items"].as_array().unwrap().len(),
        3,
        "nothing half-created by the refusals"
    );
}

#[tokio::test]
async fn a_user_with_the_most_roles_consents_and_applications_can_be_deleted() {
    use shared::{
        application::{MAX_APPLICATIONS_PER_OWNER, Owner},
        customer_user::MAX_ROLES,
        domain::{ConsentId, Name, RoleId, now},
        ports::{ApplicationStore, ConsentStore, RoleStore},
    };
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    let store = &stack.services.store;
    let at = now();
    let mut roles = vec![stack.provisioned.administrator_role_id];
    for i in 1..MAX_ROLES {
        let role = shared::directory::CustomerUserRole {
            id: RoleId::generate(),
            organization_id: stack.provisioned.organization_id,
            role: format!("ROLE_FRONTEND_R{i}"),
            label: Name::parse(&format!("Role {i}")).unwrap(),
            customer_id: None,
            self_managed: false,
            public: false,
            permissions: Default::default(),
            user_count: 0,
            default_for_websites: 0,
            created_at: at,
            updated_at: at,
            version: 1,
        };
        store.create_role(&role).await.unwrap();
        roles.push(role.id);
    }
    let mut consents = Vec::new();
    for i in 0..30 {
        let consent = shared::consent::Consent {
            id: ConsentId::generate(),
            organization_id: stack.provisioned.organization_id,
            name: Name::parse(&format!("Consent {i}")).unwrap(),
            content_url: None,
            mandatory: false,
            acceptance_count: 0,
            created_at: at,
            updated_at: at,
            version: 1,
        };
        store.create_consent(&consent).await.unwrap();
        consents.push(consent.id.to_string());
    }
    let created = post(
        &stack,
        &token,
        with(
            base(&customer, &format!("most-{}@example.com", uid()), &stack),
            json!({ "role_ids": roles }),
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json["id"].as_str().unwrap().to_owned();
    let frontend = stack.frontend_token(&id).await;
    let mine = stack
        .request(Method::GET, "/api/me/consents")
        .bearer(&frontend)
        .send()
        .await;
    let accepted = stack
        .request(Method::PUT, "/api/me/consents")
        .bearer(&frontend)
        .if_match(&mine.etag())
        .json(&json!({ "accepted": consents }))
        .send()
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
    let owner = Owner::Frontend {
        customer_user_id: id.parse().unwrap(),
    };
    for _ in 1..MAX_APPLICATIONS_PER_OWNER {
        stack.application(owner, &[]).await;
    }

    let path = format!("/admin/customer-users/{id}");
    let read = stack
        .request(Method::GET, &path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(read.json["application_count"], 10, "{}", read.text);
    assert_eq!(read.json["role_ids"].as_array().unwrap().len(), MAX_ROLES);
    // 3 items of its own, 30 role and 30 consent counts, its website's count, 2 per
    // application: 84 writes.
    let deleted = stack
        .request(Method::DELETE, &path)
        .bearer(&token)
        .if_match(&read.etag())
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert!(store.applications_of_owner(owner).await.unwrap().is_empty());
    let leftovers = stack.items_naming(&id).await;
    assert!(leftovers.is_empty(), "orphans: {leftovers:?}");
    for role in roles.iter().skip(1) {
        assert_eq!(store.get_role(*role).await.unwrap().unwrap().user_count, 0);
    }
    for consent in &consents {
        let consent = store.get_consent(consent.parse().unwrap()).await.unwrap();
        assert_eq!(consent.unwrap().acceptance_count, 0);
    }
}

#[tokio::test]
async fn a_users_write_that_misses_an_application_is_refused_and_changes_nothing() {
    use shared::{
        application::Owner,
        ports::{ApplicationStore, CustomerUserStore, StoreError},
    };
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    let created = post(&stack, &token, base(&customer, "ann@example.com", &stack)).await;
    let store = &stack.services.store;
    let user_id = created.json["id"].as_str().unwrap().parse().unwrap();
    let owner = Owner::Frontend {
        customer_user_id: user_id,
    };
    let read_before = store.get_customer_user(user_id).await.unwrap().unwrap();
    stack.application(owner, &[]).await;
    // The index has not shown this one yet.
    stack.application(owner, &[]).await;
    let current = store.get_customer_user(user_id).await.unwrap().unwrap();
    assert_eq!(current.application_count, 2);
    let found = &store.applications_of_owner(owner).await.unwrap()[..1];
    let retry = |result: Result<(), StoreError>| {
        assert!(
            matches!(
                &result,
                Err(StoreError::Moved(
                    shared::ports::Dependency::OwnerApplications
                ))
            ),
            "{result:?}"
        );
    };

    retry(store.delete_customer_user(&current, found).await);

    let mut disabled = current.clone();
    disabled.enabled = false;
    disabled.version += 1;
    disabled.application_count = found.len() as u64;
    let mut following = found.to_vec();
    for application in &mut following {
        application.follow_owner(false, shared::domain::now());
    }
    retry(
        store
            .update_customer_user(&disabled, &current, &following, false)
            .await,
    );

    assert_eq!(
        store.get_customer_user(user_id).await.unwrap().unwrap(),
        current
    );
    let applications = store.applications_of_owner(owner).await.unwrap();
    assert_eq!(applications.len(), 2);
    assert!(
        applications
            .iter()
            .all(|a| a.owner_enabled && a.version == 1)
    );

    // A rename read before the applications came leaves their count as stored.
    let mut renamed = read_before.clone();
    renamed.first_name = shared::domain::Name::parse("Anne").unwrap();
    renamed.version += 1;
    store
        .update_customer_user(&renamed, &read_before, &[], false)
        .await
        .expect("the count is not the rename's to write");
    let after = store.get_customer_user(user_id).await.unwrap().unwrap();
    assert_eq!(after.application_count, 2);
    assert_eq!(after.first_name.as_str(), "Anne");
}

/// A changed email is told to the address that held the account, whoever changed it: a
/// back-office administrator, or a customer administrator through the storefront.
#[tokio::test]
async fn the_previous_address_hears_of_an_email_change() {
    use shared::mail::{Template, render};
    let stack = Stack::new().await;
    let admin = stack.admin_token().await;
    let (boss, storefront) = stack.storefront_administrator().await;
    let customer = boss.json["customer_id"].as_str().unwrap();
    let first = format!("first-{}@example.com", uid());
    let colleague = stack
        .customer_user(customer, &first, &[stack.provisioned.buyer_role_id])
        .await;
    let id = colleague.json["id"].as_str().unwrap();
    let subject = render(
        Template::EmailChanged,
        None,
        &[("website_name", "Default Website")],
    )
    .subject;

    let second = format!("second-{}@example.com", uid());
    let third = format!("third-{}@example.com", uid());
    let changes = [
        (
            format!("/admin/customer-users/{id}"),
            &admin,
            &first,
            &second,
        ),
        (
            format!("/api/customer-users/{id}"),
            &storefront,
            &second,
            &third,
        ),
    ];
    let mut etag = colleague.etag();
    for (path, token, before, after) in changes {
        let changed = stack
            .request(Method::PATCH, &path)
            .bearer(token)
            .if_match(&etag)
            .json(&json!({"email": after}))
            .send()
            .await;
        assert_eq!(changed.status, StatusCode::OK, "{path}: {}", changed.text);
        etag = changed.etag();
        let told = emails_to(before).await;
        let notice = told
            .iter()
            .find(|m| m.subject == subject)
            .unwrap_or_else(|| panic!("{before} is told: {told:?}"));
        assert!(notice.text.contains(after.as_str()), "{}", notice.text);
        assert!(
            emails_to(after).await.iter().all(|m| m.subject != subject),
            "the new address is not the one to warn"
        );
    }

    let renamed = stack
        .request(Method::PATCH, &format!("/admin/customer-users/{id}"))
        .bearer(&admin)
        .if_match(&etag)
        .json(&json!({"first_name": "Renamed", "email": third.to_uppercase()}))
        .send()
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    let notices = |mails: Vec<integration_tests::SentEmail>| {
        mails.iter().filter(|m| m.subject == subject).count()
    };
    assert_eq!(
        notices(emails_to(&third).await),
        0,
        "the same address in another case is no change"
    );
}
