//! Roles and their permissions: the back office's role admin and assignment, what a
//! role's permissions let its holders do in the storefront, and customer
//! administrators' own roles, which never grant more than their maker holds.

use http::{Method, StatusCode};
use integration_tests::{Reply, Stack};
use serde_json::{Value, json};
use shared::auth::Scope;

async fn create_role(stack: &Stack, token: &str, body: Value) -> Reply {
    stack
        .request(Method::POST, "/admin/customer-user-roles")
        .bearer(token)
        .json(&body)
        .send()
        .await
}

async fn role_count(stack: &Stack, token: &str) -> usize {
    let list = stack
        .request(Method::GET, "/admin/customer-user-roles?limit=100")
        .bearer(token)
        .send()
        .await;
    list.json["items"].as_array().unwrap().len()
}

async fn assign(stack: &Stack, token: &str, user: &Reply, roles: &[&str]) -> Reply {
    let id = user.json["id"].as_str().unwrap();
    let current = stack
        .request(Method::GET, &format!("/admin/customer-users/{id}"))
        .bearer(token)
        .send()
        .await;
    stack
        .request(Method::PUT, &format!("/admin/customer-users/{id}/roles"))
        .bearer(token)
        .if_match(&current.etag())
        .json(&json!({ "role_ids": roles }))
        .send()
        .await
}

/// Makes the provisioned website give `role_id` to the users it registers.
async fn give_by_default(stack: &Stack, token: &str, role_id: impl serde::Serialize) -> Reply {
    let website = format!("/admin/websites/{}", stack.provisioned.website_id);
    let site = stack
        .request(Method::GET, &website)
        .bearer(token)
        .send()
        .await;
    stack
        .request(Method::PATCH, &website)
        .bearer(token)
        .if_match(&site.etag())
        .json(&json!({ "default_role_id": role_id }))
        .send()
        .await
}

fn id(reply: &Reply) -> String {
    reply.json["id"].as_str().unwrap().to_owned()
}

/// A customer user of `customer` holding one new self-managed role with `permissions`,
/// and its frontend token.
async fn holder_of(
    stack: &Stack,
    token: &str,
    customer: &str,
    email: &str,
    permissions: &[&str],
) -> String {
    let role = create_role(
        stack,
        token,
        json!({"label": format!("Role of {email}"), "self_managed": true, "permissions": permissions}),
    )
    .await;
    let user = stack
        .customer_user(customer, email, &[id(&role).parse().unwrap()])
        .await;
    stack.frontend_token(&id(&user)).await
}

#[tokio::test]
async fn the_back_office_creates_reads_changes_and_deletes_roles() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;

    let created = create_role(
        &stack,
        &token,
        json!({
            "label": "Purchasing manager",
            "customer_id": customer,
            "permissions": ["customer_users:view", "customer_users:edit"],
        }),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert!(
        created.json["role"]
            .as_str()
            .unwrap()
            .starts_with("ROLE_FRONTEND_PURCHASING_MANAGER_")
    );
    assert_eq!(
        created.json["permissions"],
        json!(["customer_users:view", "customer_users:edit"])
    );
    assert_eq!(created.json["customer_id"], json!(customer));
    assert_eq!(created.json["user_count"], json!(0));
    let path = format!("/admin/customer-user-roles/{}", id(&created));

    let read = stack
        .request(Method::GET, &path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.etag(), created.etag());

    let changed = stack
        .request(Method::PATCH, &path)
        .bearer(&token)
        .if_match(&read.etag())
        .json(&json!({"label": "Purchasing lead", "permissions": ["roles:view"], "self_managed": true}))
        .send()
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(changed.json["label"], "Purchasing lead");
    assert_eq!(changed.json["permissions"], json!(["roles:view"]));
    assert_eq!(
        changed.json["role"], created.json["role"],
        "the identifier stays"
    );

    let stale = stack
        .request(Method::PATCH, &path)
        .bearer(&token)
        .if_match(&read.etag())
        .json(&json!({"label": "Lost update"}))
        .send()
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);

    let gone = stack
        .request(Method::DELETE, &path)
        .bearer(&token)
        .if_match(&changed.etag())
        .send()
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text);
    let missing = stack
        .request(Method::GET, &path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // Reading takes roles:read, writing roles:write.
    let reader = stack.token_with(&[Scope::RolesRead]).await;
    let refused = create_role(&stack, &reader, json!({"label": "Nope"})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_roles_are_refused_by_field_and_nothing_is_written() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let before = role_count(&stack, &token).await;

    let blank = create_role(&stack, &token, json!({"label": "  "})).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(blank.error_fields(), ["label"]);

    let unknown = create_role(
        &stack,
        &token,
        json!({"label": "X", "permissions": ["customer_users:view", "everything"]}),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        unknown.error_fields(),
        ["permissions.1"],
        "the position, as rule errors name it: {}",
        unknown.text
    );
    assert!(
        unknown.text.contains("customer_users:view"),
        "lists the known ones"
    );

    let no_customer = create_role(
        &stack,
        &token,
        json!({"label": "X", "customer_id": "0193a5e0-0000-7000-8000-000000000009"}),
    )
    .await;
    assert_eq!(no_customer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_customer.error_fields(), ["customer_id"]);

    let extra = create_role(&stack, &token, json!({"label": "X", "user_count": 3})).await;
    assert_eq!(extra.status, StatusCode::UNPROCESSABLE_ENTITY);

    assert_eq!(role_count(&stack, &token).await, before);
}

#[tokio::test]
async fn a_role_is_deleted_only_when_nobody_holds_it() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    let role = create_role(&stack, &token, json!({"label": "Approver"})).await;
    let role_id = id(&role);
    let user = stack
        .customer_user(&customer, "ann@example.com", &[role_id.parse().unwrap()])
        .await;
    let path = format!("/admin/customer-user-roles/{role_id}");
    let held = stack
        .request(Method::GET, &path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(held.json["user_count"], json!(1));

    let refused = stack
        .request(Method::DELETE, &path)
        .bearer(&token)
        .if_match(&held.etag())
        .send()
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert!(refused.text.contains("hold this role"), "{}", refused.text);

    // Giving the user another role frees this one.
    let buyer = stack.provisioned.buyer_role_id.to_string();
    let moved = assign(&stack, &token, &user, &[&buyer]).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    let freed = stack
        .request(Method::GET, &path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(freed.json["user_count"], json!(0));
    let deleted = stack
        .request(Method::DELETE, &path)
        .bearer(&token)
        .if_match(&freed.etag())
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);

    // Deleting the user gives its roles' counts back.
    let before = stack
        .request(Method::GET, &format!("/admin/customer-user-roles/{buyer}"))
        .bearer(&token)
        .send()
        .await;
    let user_path = format!("/admin/customer-users/{}", id(&user));
    let current = stack
        .request(Method::GET, &user_path)
        .bearer(&token)
        .send()
        .await;
    let removed = stack
        .request(Method::DELETE, &user_path)
        .bearer(&token)
        .if_match(&current.etag())
        .send()
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let after = stack
        .request(Method::GET, &format!("/admin/customer-user-roles/{buyer}"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(
        after.json["user_count"].as_u64().unwrap() + 1,
        before.json["user_count"].as_u64().unwrap()
    );

    // The website's default role stays while the website gives it to new users.
    let default = stack
        .request(
            Method::DELETE,
            &format!("/admin/customer-user-roles/{buyer}"),
        )
        .bearer(&token)
        .if_match(&after.etag())
        .send()
        .await;
    assert_eq!(default.status, StatusCode::CONFLICT);
    assert!(default.text.contains("default role"), "{}", default.text);

    // A holder added since the role was read does not make its ETag stale, and the
    // change keeps the count.
    stack
        .customer_user(&customer, "bo@example.com", &[buyer.parse().unwrap()])
        .await;
    let relabelled = stack
        .request(
            Method::PATCH,
            &format!("/admin/customer-user-roles/{buyer}"),
        )
        .bearer(&token)
        .if_match(&after.etag())
        .json(&json!({"label": "Purchaser"}))
        .send()
        .await;
    assert_eq!(relabelled.status, StatusCode::OK, "{}", relabelled.text);
    let read = stack
        .request(Method::GET, &format!("/admin/customer-user-roles/{buyer}"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(read.json["label"], "Purchaser");
    assert_eq!(
        read.json["user_count"].as_u64().unwrap(),
        after.json["user_count"].as_u64().unwrap() + 1
    );
}

#[tokio::test]
async fn assigning_roles_checks_each_one() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    let other = stack.customer("Other").await;
    let foreign = create_role(
        &stack,
        &token,
        json!({"label": "Other's role", "customer_id": other}),
    )
    .await;
    let buyer = stack.provisioned.buyer_role_id.to_string();
    let user = stack
        .customer_user(&customer, "ann@example.com", &[buyer.parse().unwrap()])
        .await;

    let wrong = assign(&stack, &token, &user, &[&buyer, &id(&foreign)]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.error_fields(), ["role_ids.1"]);

    // Nor is one kept by moving its holder to another customer.
    let insider = stack
        .customer_user(&other, "olga@example.com", &[id(&foreign).parse().unwrap()])
        .await;
    let moved = stack
        .request(
            Method::PATCH,
            &format!("/admin/customer-users/{}", id(&insider)),
        )
        .bearer(&token)
        .if_match(&insider.etag())
        .json(&json!({"customer_id": customer}))
        .send()
        .await;
    assert_eq!(
        moved.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        moved.text
    );
    assert_eq!(moved.error_fields(), ["role_ids.0"]);
    let none = assign(&stack, &token, &user, &[]).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(none.error_fields(), ["role_ids"]);

    let path = format!("/admin/customer-users/{}/roles", id(&user));
    let stale = stack
        .request(Method::PUT, &path)
        .bearer(&token)
        .if_match("\"99\"")
        .json(&json!({"role_ids": [buyer]}))
        .send()
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);

    let administrator = stack.provisioned.administrator_role_id.to_string();
    let done = assign(
        &stack,
        &token,
        &user,
        &[&administrator, &buyer, &administrator],
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(done.json["role_ids"], json!([administrator, buyer]));
    let read = stack
        .request(Method::GET, &format!("/admin/customer-users/{}", id(&user)))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(read.json["role_ids"], json!([administrator, buyer]));
    assert_eq!(read.etag(), done.etag());

    let writer = stack.token_with(&[Scope::CustomerUsersWrite]).await;
    let refused = stack
        .request(Method::PUT, &path)
        .bearer(&writer)
        .if_match(&read.etag())
        .json(&json!({"role_ids": [buyer]}))
        .send()
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn storefront_rights_are_the_union_of_the_roles_permissions() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    let viewer = create_role(
        &stack,
        &token,
        json!({"label": "Viewer", "permissions": ["customer_users:view"]}),
    )
    .await;
    let user = stack
        .customer_user(
            &customer,
            "ann@example.com",
            &[id(&viewer).parse().unwrap()],
        )
        .await;
    let frontend = stack.frontend_token(&id(&user)).await;

    let listed = stack
        .request(Method::GET, "/api/customer-users")
        .bearer(&frontend)
        .send()
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let create = || {
        stack
            .request(Method::POST, "/api/customer-users")
            .bearer(&frontend)
            .json(&json!({"first_name": "Bo", "last_name": "Lee", "email": "bo@example.com"}))
            .send()
    };
    let refused = create().await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.text.contains("customer_users:create"),
        "{}",
        refused.text
    );

    // A second role adds its permissions to the first's.
    let creator = create_role(
        &stack,
        &token,
        json!({"label": "Creator", "permissions": ["customer_users:create"]}),
    )
    .await;
    let both = assign(&stack, &token, &user, &[&id(&viewer), &id(&creator)]).await;
    assert_eq!(both.status, StatusCode::OK, "{}", both.text);
    let created = create().await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let me = stack
        .request(Method::GET, "/api/me")
        .bearer(&frontend)
        .send()
        .await;
    assert_eq!(
        me.json["permissions"],
        json!(["customer_users:view", "customer_users:create"])
    );

    // Taking a permission from a role takes it from its holders at once.
    let path = format!("/admin/customer-user-roles/{}", id(&viewer));
    let current = stack
        .request(Method::GET, &path)
        .bearer(&token)
        .send()
        .await;
    let narrowed = stack
        .request(Method::PATCH, &path)
        .bearer(&token)
        .if_match(&current.etag())
        .json(&json!({"permissions": []}))
        .send()
        .await;
    assert_eq!(narrowed.status, StatusCode::OK, "{}", narrowed.text);
    let now_refused = stack
        .request(Method::GET, "/api/customer-users")
        .bearer(&frontend)
        .send()
        .await;
    assert_eq!(now_refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn customer_administrators_manage_their_own_roles_within_their_rights() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let (boss, boss_token) = stack.storefront_administrator().await;
    let customer = boss.json["customer_id"].as_str().unwrap().to_owned();
    let elsewhere = stack.customer("Elsewhere").await;
    let foreign = create_role(
        &stack,
        &token,
        json!({"label": "Elsewhere's", "customer_id": elsewhere}),
    )
    .await;
    let hidden_system = create_role(&stack, &token, json!({"label": "Staff only"})).await;

    // The list holds the self-managed system roles and nothing of another customer.
    let listed = stack
        .request(Method::GET, "/api/customer-user-roles")
        .bearer(&boss_token)
        .send()
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let labels = |reply: &Reply| -> Vec<String> {
        reply.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["label"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        labels(&listed),
        ["Administrator", "Buyer", "Non-Authenticated Visitors"]
    );
    for unseen in [&foreign, &hidden_system] {
        let read = stack
            .request(
                Method::GET,
                &format!("/api/customer-user-roles/{}", id(unseen)),
            )
            .bearer(&boss_token)
            .send()
            .await;
        assert_eq!(read.status, StatusCode::NOT_FOUND);
    }

    // The administrator makes a role of its customer...
    let lead = stack
        .request(Method::POST, "/api/customer-user-roles")
        .bearer(&boss_token)
        .json(&json!({"label": "Team lead", "permissions": ["customer_users:view"]}))
        .send()
        .await;
    assert_eq!(lead.status, StatusCode::CREATED, "{}", lead.text);
    assert_eq!(lead.json["customer_id"], json!(customer));
    let listed = stack
        .request(Method::GET, "/api/customer-user-roles")
        .bearer(&boss_token)
        .send()
        .await;
    assert!(labels(&listed).contains(&"Team lead".to_owned()));

    // ...and gives it to a colleague, who may then only view.
    let colleague = stack
        .request(Method::POST, "/api/customer-users")
        .bearer(&boss_token)
        .json(&json!({"first_name": "Cy", "last_name": "Ng", "email": "cy@example.com", "role_ids": [id(&lead)]}))
        .send()
        .await;
    assert_eq!(colleague.status, StatusCode::CREATED, "{}", colleague.text);

    // System roles are the back office's to change.
    let administrator = stack.provisioned.administrator_role_id;
    let system = stack
        .request(
            Method::PATCH,
            &format!("/api/customer-user-roles/{administrator}"),
        )
        .bearer(&boss_token)
        .if_match("\"1\"")
        .json(&json!({"label": "Boss"}))
        .send()
        .await;
    assert_eq!(system.status, StatusCode::FORBIDDEN);

    // A held role stays; the administrator's own roles are untouched by all this.
    let lead_path = format!("/api/customer-user-roles/{}", id(&lead));
    let held = stack
        .request(Method::DELETE, &lead_path)
        .bearer(&boss_token)
        .if_match(&lead.etag())
        .send()
        .await;
    assert_eq!(held.status, StatusCode::CONFLICT, "{}", held.text);
}

#[tokio::test]
async fn nobody_grants_more_than_it_holds() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    // A role manager who may not delete users.
    let frontend = holder_of(
        &stack,
        &token,
        &customer,
        "rm@example.com",
        &[
            "roles:view",
            "roles:manage",
            "customer_users:view",
            "customer_users:create",
            "customer_users:edit",
        ],
    )
    .await;

    let escalating = stack
        .request(Method::POST, "/api/customer-user-roles")
        .bearer(&frontend)
        .json(&json!({"label": "Deleter", "permissions": ["customer_users:view", "customer_users:delete"]}))
        .send()
        .await;
    assert_eq!(
        escalating.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        escalating.text
    );
    assert_eq!(escalating.error_fields(), ["permissions.1"]);

    let fine = stack
        .request(Method::POST, "/api/customer-user-roles")
        .bearer(&frontend)
        .json(&json!({"label": "Viewer", "permissions": ["customer_users:view"]}))
        .send()
        .await;
    assert_eq!(fine.status, StatusCode::CREATED, "{}", fine.text);
    let widened = stack
        .request(
            Method::PATCH,
            &format!("/api/customer-user-roles/{}", id(&fine)),
        )
        .bearer(&frontend)
        .if_match(&fine.etag())
        .json(&json!({"permissions": ["customer_users:delete"]}))
        .send()
        .await;
    assert_eq!(widened.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(widened.error_fields(), ["permissions.0"]);

    // Nor may it hand a colleague the Administrator role, which holds more.
    let administrator = stack.provisioned.administrator_role_id;
    let handed = stack
        .request(Method::POST, "/api/customer-users")
        .bearer(&frontend)
        .json(&json!({"first_name": "Di", "last_name": "Ox", "email": "di@example.com", "role_ids": [administrator]}))
        .send()
        .await;
    assert_eq!(
        handed.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        handed.text
    );
    assert_eq!(handed.error_fields(), ["role_ids.0"]);
    assert!(handed.text.contains("do not hold"), "{}", handed.text);

    // Nor through the website's default role, which it did not send.
    let changed = give_by_default(&stack, &token, administrator).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let defaulted = stack
        .request(Method::POST, "/api/customer-users")
        .bearer(&frontend)
        .json(&json!({"first_name": "Di", "last_name": "Ox", "email": "di@example.com"}))
        .send()
        .await;
    assert_eq!(
        defaulted.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        defaulted.text
    );
    assert_eq!(defaulted.error_fields(), ["role_ids"]);
    assert!(
        defaulted.text.contains("default role"),
        "{}",
        defaulted.text
    );
}

#[tokio::test]
async fn nobody_changes_disables_or_deletes_a_colleague_who_holds_more() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    let frontend = holder_of(
        &stack,
        &token,
        &customer,
        "editor@example.com",
        &[
            "roles:view",
            "roles:manage",
            "customer_users:view",
            "customer_users:edit",
            "customer_users:delete",
        ],
    )
    .await;
    let boss = stack
        .customer_user(
            &customer,
            "boss@example.com",
            &[stack.provisioned.administrator_role_id],
        )
        .await;
    let boss_path = format!("/api/customer-users/{}", id(&boss));

    // Taking the boss's email would let the editor reset the boss's password.
    let attempts = [
        (
            Method::PATCH,
            boss_path.clone(),
            Some(json!({"email": "mine@example.com"})),
        ),
        (
            Method::PATCH,
            boss_path.clone(),
            Some(json!({"enabled": false})),
        ),
        (Method::POST, format!("{boss_path}/disable"), None),
        (Method::DELETE, boss_path.clone(), None),
    ];
    for (method, path, body) in attempts {
        let mut call = stack
            .request(method.clone(), &path)
            .bearer(&frontend)
            .if_match(&boss.etag());
        if let Some(body) = body {
            call = call.json(&body);
        }
        let reply = call.send().await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            reply.text
        );
        assert!(
            reply.text.contains("customer_users:create"),
            "names what the colleague holds beyond the caller: {}",
            reply.text
        );
        assert_eq!(
            reply.header("www-authenticate"),
            None,
            "another token would not help"
        );
    }
    let unchanged = stack
        .request(Method::GET, &format!("/admin/customer-users/{}", id(&boss)))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(unchanged.etag(), boss.etag(), "nothing written");

    // A colleague who holds no more is within reach.
    let buyer = stack
        .customer_user(
            &customer,
            "buyer@example.com",
            &[stack.provisioned.buyer_role_id],
        )
        .await;
    let renamed = stack
        .request(
            Method::PATCH,
            &format!("/api/customer-users/{}", id(&buyer)),
        )
        .bearer(&frontend)
        .if_match(&buyer.etag())
        .json(&json!({"first_name": "Bea"}))
        .send()
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);

    // Nor may the editor narrow a role of its customer that grants more than it holds.
    let wide = create_role(
        &stack,
        &token,
        json!({
            "label": "Wide",
            "customer_id": customer,
            "permissions": ["customer_users:view", "customer_users:create"],
        }),
    )
    .await;
    assert_eq!(wide.status, StatusCode::CREATED, "{}", wide.text);
    let narrowed = stack
        .request(
            Method::PATCH,
            &format!("/api/customer-user-roles/{}", id(&wide)),
        )
        .bearer(&frontend)
        .if_match(&wide.etag())
        .json(&json!({"permissions": ["customer_users:view"]}))
        .send()
        .await;
    assert_eq!(narrowed.status, StatusCode::FORBIDDEN, "{}", narrowed.text);
}

#[tokio::test]
async fn a_customers_own_roles_go_with_it() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Short-lived").await;
    let own = create_role(
        &stack,
        &token,
        json!({"label": "Short-lived buyer", "customer_id": customer}),
    )
    .await;
    let system = create_role(&stack, &token, json!({"label": "Stays"})).await;
    let path = format!("/admin/customers/{customer}");
    let current = stack
        .request(Method::GET, &path)
        .bearer(&token)
        .send()
        .await;
    let deleted = stack
        .request(Method::DELETE, &path)
        .bearer(&token)
        .if_match(&current.etag())
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let role = |r: &Reply| format!("/admin/customer-user-roles/{}", id(r));
    let gone = stack
        .request(Method::GET, &role(&own))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let kept = stack
        .request(Method::GET, &role(&system))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(kept.status, StatusCode::OK);
}

#[tokio::test]
async fn the_role_grid_filters_by_customer_and_label() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let acme = stack.customer("Acme").await;
    let other = stack.customer("Other").await;
    for (label, customer) in [
        ("Acme buyer", Some(&acme)),
        ("Acme approver", Some(&acme)),
        ("Other buyer", Some(&other)),
        ("Auditor", None),
    ] {
        let created = create_role(
            &stack,
            &token,
            json!({"label": label, "customer_id": customer}),
        )
        .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    }
    let labels = |reply: Reply| -> Vec<String> {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["label"].as_str().unwrap().to_owned())
            .collect()
    };
    let get = |query: String| {
        let token = token.clone();
        let stack = &stack;
        async move {
            stack
                .request(Method::GET, &format!("/admin/customer-user-roles?{query}"))
                .bearer(&token)
                .send()
                .await
        }
    };
    assert_eq!(
        labels(get(format!("customer_id={acme}")).await),
        ["Acme approver", "Acme buyer"]
    );
    assert_eq!(
        labels(get(format!("customer_id={acme}&label=acme%20b")).await),
        ["Acme buyer"]
    );
    assert_eq!(labels(get("label=AU".into()).await), ["Auditor"]);
    let bad = get("customer_id=acme".into()).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_fields(), ["customer_id"]);
}

#[tokio::test]
async fn a_role_deleted_meanwhile_fails_the_users_write_and_nothing_changes() {
    use shared::ports::{CustomerUserStore, StoreError};
    let stack = Stack::new().await;
    let customer = stack.customer("Acme").await;
    let created = stack
        .customer_user(
            &customer,
            "ann@example.com",
            &[stack.provisioned.buyer_role_id],
        )
        .await;
    let store = &stack.services.store;
    let current = store
        .get_customer_user(id(&created).parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    // As if the role passed the handler's check and was deleted right after.
    let mut changed = current.clone();
    changed.role_ids = vec![shared::domain::RoleId::generate()];
    changed.version += 1;
    let refused = store
        .update_customer_user(&changed, &current, &[], false)
        .await;
    assert!(
        matches!(
            &refused,
            Err(StoreError::Moved(shared::ports::Dependency::Role))
        ),
        "{refused:?}"
    );
    let after = store.get_customer_user(current.id).await.unwrap().unwrap();
    assert_eq!(after, current);
}

#[tokio::test]
async fn a_user_holds_at_most_thirty_roles() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Acme").await;
    let user = stack
        .customer_user(
            &customer,
            "ann@example.com",
            &[stack.provisioned.buyer_role_id],
        )
        .await;
    let many: Vec<String> = (0..31)
        .map(|_| shared::domain::RoleId::generate().to_string())
        .collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let refused = assign(&stack, &token, &user, &refs).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.error_fields(), ["role_ids"]);
    assert!(refused.text.contains("at most 30"), "{}", refused.text);
}

#[tokio::test]
async fn a_role_a_website_gives_by_default_cannot_be_deleted_even_in_a_race() {
    use shared::ports::{RoleStore, StoreError, WebsiteStore};
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let role = create_role(&stack, &token, json!({"label": "Newcomer"})).await;
    let changed = give_by_default(&stack, &token, id(&role)).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let store = &stack.services.store;
    let newcomer = store
        .get_role(id(&role).parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(newcomer.default_for_websites, 1);
    let buyer = store
        .get_role(stack.provisioned.buyer_role_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(buyer.default_for_websites, 0, "the default it replaced");

    // The role's delete as if its check of the websites had missed the change.
    let refused = store.delete_role(&newcomer).await;
    assert!(
        matches!(
            &refused,
            Err(StoreError::InUse(
                shared::ports::Reference::RoleDefaultForWebsites
            ))
        ),
        "{refused:?}"
    );

    // And a website cannot take as default a role deleted meanwhile.
    let gone = create_role(&stack, &token, json!({"label": "Short-lived"})).await;
    let gone_role = store
        .get_role(id(&gone).parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    store.delete_role(&gone_role).await.unwrap();
    let current = store
        .get_website(stack.provisioned.website_id)
        .await
        .unwrap()
        .unwrap();
    let mut pointing = current.clone();
    pointing.default_role_id = Some(gone_role.id);
    pointing.version += 1;
    let result = store.update_website(&pointing, &current).await;
    assert!(
        matches!(
            &result,
            Err(StoreError::Moved(shared::ports::Dependency::DefaultRole))
        ),
        "{result:?}"
    );
    let unchanged = store
        .get_website(stack.provisioned.website_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unchanged, current, "nothing written");
}
