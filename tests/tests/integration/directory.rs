//! Directory CRUD, paging, If-Match and the customer hierarchy, on the real adapter.

use http::{Method, StatusCode};
use integration_tests::{Reply, Stack};
use serde_json::{Value, json};

async fn create(stack: &Stack, token: &str, path: &str, body: Value) -> Reply {
    let reply = stack
        .request(Method::POST, path)
        .bearer(token)
        .json(&body)
        .send()
        .await;
    assert_eq!(
        reply.status,
        StatusCode::CREATED,
        "POST {path}: {}",
        reply.text
    );
    assert_eq!(reply.etag(), "\"1\"");
    reply
}

fn id(reply: &Reply) -> String {
    reply.json["id"].as_str().expect("an id").to_owned()
}

#[tokio::test]
async fn organizations_round_trip_with_versions() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let created = create(
        &stack,
        &token,
        "/admin/organizations",
        json!({"name": "Acme Holding"}),
    )
    .await;
    assert_eq!(created.json["global_access"], false);
    let path = format!("/admin/organizations/{}", id(&created));

    let read = stack
        .request(Method::GET, &path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.json, created.json);

    let no_if_match = stack
        .request(Method::PATCH, &path)
        .bearer(&token)
        .json(&json!({"name": "X"}))
        .send()
        .await;
    assert_eq!(no_if_match.status, StatusCode::PRECONDITION_REQUIRED);

    let renamed = stack
        .request(Method::PATCH, &path)
        .bearer(&token)
        .if_match("\"1\"")
        .json(&json!({"name": "Acme Holding GmbH"}))
        .send()
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(renamed.etag(), "\"2\"");
    assert_eq!(renamed.json["name"], "Acme Holding GmbH");
    assert_eq!(renamed.json["version"], 2);

    // Any well-formed entity-tag that names no current version fails the precondition
    // (RFC 9110); only a header that is not an entity-tag list is a bad request.
    for stale in ["\"1\"", "W/\"2\"", "\"not-a-version\"", "\"02\""] {
        let reply = stack
            .request(Method::PATCH, &path)
            .bearer(&token)
            .if_match(stale)
            .json(&json!({"name": "Lost update"}))
            .send()
            .await;
        assert_eq!(reply.status, StatusCode::PRECONDITION_FAILED, "{stale}");
    }
    let stale_delete = stack
        .request(Method::DELETE, &path)
        .bearer(&token)
        .if_match("\"1\"")
        .send()
        .await;
    assert_eq!(stale_delete.status, StatusCode::PRECONDITION_FAILED);
    for malformed in ["not-a-version", "*, \"2\""] {
        let reply = stack
            .request(Method::DELETE, &path)
            .bearer(&token)
            .if_match(malformed)
            .send()
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{malformed}");
        assert!(reply.text.contains("If-Match"), "{}", reply.text);
    }

    let deleted = stack
        .request(Method::DELETE, &path)
        .bearer(&token)
        .if_match("*")
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_eq!(
        stack
            .request(Method::GET, &path)
            .bearer(&token)
            .send()
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_organization_in_use_cannot_be_deleted() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let org = create(
        &stack,
        &token,
        "/admin/organizations",
        json!({"name": "Busy Org"}),
    )
    .await;
    create(
        &stack,
        &token,
        "/admin/customers",
        json!({"name": "Tenant", "organization_id": id(&org)}),
    )
    .await;
    let reply = stack
        .request(
            Method::DELETE,
            &format!("/admin/organizations/{}", id(&org)),
        )
        .bearer(&token)
        .if_match("\"1\"")
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn websites_validate_url_localizations_and_default_role() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let bad = stack
        .request(Method::POST, "/admin/websites")
        .bearer(&token)
        .json(&json!({"name": "", "url": "ftp://x", "localizations": ["en-US"], "default_role_id": shared::domain::RoleId::generate()}))
        .send()
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = bad.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        ["default_role_id", "localizations.0", "name", "url"]
    );

    let site = create(
        &stack,
        &token,
        "/admin/websites",
        json!({"name": "Acme Shop", "url": "https://shop.acme.example/", "localizations": ["en_US", "de_DE"],
               "default_role_id": stack.provisioned.buyer_role_id}),
    )
    .await;
    assert_eq!(site.json["url"], "https://shop.acme.example");
    assert_eq!(
        site.json["organization_id"],
        stack.provisioned.organization_id.to_string()
    );
    let updated = stack
        .request(Method::PATCH, &format!("/admin/websites/{}", id(&site)))
        .bearer(&token)
        .if_match("\"1\"")
        .json(&json!({"default_role_id": null, "localizations": ["fr_FR"]}))
        .send()
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(updated.json["default_role_id"], Value::Null);
    assert_eq!(updated.json["localizations"], json!(["fr_FR"]));
}

#[tokio::test]
async fn back_office_user_emails_are_unique_case_insensitively() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    create(
        &stack,
        &token,
        "/admin/users",
        json!({"first_name": "Jo", "last_name": "Doe", "email": "jo.doe@example.com"}),
    )
    .await;
    let duplicate = stack
        .request(Method::POST, "/admin/users")
        .bearer(&token)
        .json(&json!({"first_name": "Jo", "last_name": "Doe", "email": "JO.DOE@Example.com"}))
        .send()
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT, "{}", duplicate.text);
    let other = create(
        &stack,
        &token,
        "/admin/users",
        json!({"first_name": "Al", "last_name": "Lee", "email": "al@example.com"}),
    )
    .await;
    let taken = stack
        .request(Method::PATCH, &format!("/admin/users/{}", id(&other)))
        .bearer(&token)
        .if_match("\"1\"")
        .json(&json!({"email": "jo.doe@EXAMPLE.com"}))
        .send()
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    let moved = stack
        .request(Method::PATCH, &format!("/admin/users/{}", id(&other)))
        .bearer(&token)
        .if_match("\"1\"")
        .json(&json!({"email": "al.lee@example.com"}))
        .send()
        .await;
    assert_eq!(moved.status, StatusCode::OK);
    // The old address is free once moved away from.
    create(
        &stack,
        &token,
        "/admin/users",
        json!({"first_name": "Al", "last_name": "Two", "email": "al@example.com"}),
    )
    .await;
}

#[tokio::test]
async fn concurrent_creates_with_one_email_leave_exactly_one_user() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let attempt = |n: u32| {
        let body = json!({"first_name": format!("Twin{n}"), "last_name": "Race", "email": "twin@example.com"});
        let (stack, token) = (&stack, &token);
        async move {
            stack
                .request(Method::POST, "/admin/users")
                .bearer(token)
                .json(&body)
                .send()
                .await
                .status
        }
    };
    let (a, b) = tokio::join!(attempt(1), attempt(2));
    let mut statuses = [a, b];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT]);
}

#[tokio::test]
async fn customer_hierarchy_refuses_cycles_and_guards_deletes() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let root = create(&stack, &token, "/admin/customers", json!({"name": "Root"})).await;
    let child = create(
        &stack,
        &token,
        "/admin/customers",
        json!({"name": "Child", "parent_id": id(&root)}),
    )
    .await;
    let grandchild = create(
        &stack,
        &token,
        "/admin/customers",
        json!({"name": "Grandchild", "parent_id": id(&child)}),
    )
    .await;

    let root_path = format!("/admin/customers/{}", id(&root));
    let read_root = stack
        .request(Method::GET, &root_path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(read_root.json["subsidiary_count"], 1);
    let etag = read_root.etag();

    for (parent, what) in [(id(&root), "itself"), (id(&grandchild), "a descendant")] {
        let reply = stack
            .request(Method::PATCH, &root_path)
            .bearer(&token)
            .if_match(&etag)
            .json(&json!({"parent_id": parent}))
            .send()
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            reply.text
        );
        assert_eq!(reply.error_fields(), ["parent_id"], "{what}");
        assert!(
            reply.json["errors"][0]["message"]
                .as_str()
                .unwrap()
                .starts_with("Circular reference detected"),
            "{what}"
        );
    }

    let blocked = stack
        .request(Method::DELETE, &root_path)
        .bearer(&token)
        .if_match(&etag)
        .send()
        .await;
    assert_eq!(blocked.status, StatusCode::CONFLICT, "{}", blocked.text);
    assert!(
        blocked.json["detail"]
            .as_str()
            .unwrap()
            .contains("subsidiaries")
    );

    // Moving the child to the top frees the root, and the counters follow.
    let child_path = format!("/admin/customers/{}", id(&child));
    let moved = stack
        .request(Method::PATCH, &child_path)
        .bearer(&token)
        .if_match("\"1\"")
        .json(&json!({"parent_id": null}))
        .send()
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    let root_now = stack
        .request(Method::GET, &root_path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(root_now.json["subsidiary_count"], 0);
    let listed = stack
        .request(
            Method::GET,
            &format!("/admin/customers?parent_id={}", id(&root)),
        )
        .bearer(&token)
        .send()
        .await;
    assert_eq!(
        listed.json["items"],
        json!([]),
        "no longer listed under its old parent"
    );
    let deleted = stack
        .request(Method::DELETE, &root_path)
        .bearer(&token)
        .if_match(&root_now.etag())
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
}

#[tokio::test]
async fn a_website_with_customer_users_cannot_be_deleted() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let second = create(
        &stack,
        &token,
        "/admin/websites",
        json!({"name": "Shop B", "url": "https://b.example.test", "localizations": ["en_US"]}),
    )
    .await;
    let customer = stack.customer("Acme").await;
    let user = stack
        .request(Method::POST, "/admin/customer-users")
        .bearer(&token)
        .json(&json!({
            "first_name": "Wes", "last_name": "Site", "email": "wes@example.com",
            "customer_id": customer, "website_id": id(&second),
            "role_ids": [stack.provisioned.buyer_role_id],
        }))
        .send()
        .await;
    assert_eq!(user.status, StatusCode::CREATED, "{}", user.text);
    let site_path = format!("/admin/websites/{}", id(&second));
    let site = stack
        .request(Method::GET, &site_path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(site.json["customer_user_count"], 1);
    let refused = stack
        .request(Method::DELETE, &site_path)
        .bearer(&token)
        .if_match(&site.etag())
        .send()
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert!(refused.text.contains("move them"), "{}", refused.text);

    // A rename made from that read keeps the count.
    let renamed = stack
        .request(Method::PATCH, &site_path)
        .bearer(&token)
        .if_match(&site.etag())
        .json(&json!({"name": "Shop B2"}))
        .send()
        .await;
    assert_eq!(renamed.json["customer_user_count"], 1, "{}", renamed.text);

    // Moving the user to the first website frees the second.
    let moved = stack
        .request(
            Method::PATCH,
            &format!("/admin/customer-users/{}", id(&user)),
        )
        .bearer(&token)
        .if_match(&user.etag())
        .json(&json!({"website_id": stack.provisioned.website_id}))
        .send()
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    let site = stack
        .request(Method::GET, &site_path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(site.json["customer_user_count"], 0);
    let deleted = stack
        .request(Method::DELETE, &site_path)
        .bearer(&token)
        .if_match(&site.etag())
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);

    // A user written for a website deleted meanwhile fails, and nothing is written.
    use shared::ports::{CustomerUserStore, StoreError};
    let store = &stack.services.store;
    let mut stale = store
        .get_customer_user(id(&user).parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let previous = stale.clone();
    stale.website_id = id(&second).parse().unwrap();
    stale.version += 1;
    let result = store
        .update_customer_user(&stale, &previous, &[], false)
        .await;
    assert!(
        matches!(
            &result,
            Err(StoreError::Moved(shared::ports::Dependency::Website))
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn two_moves_at_once_cannot_close_a_cycle() {
    use shared::ports::{CustomerStore, StoreError};
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let a = create(&stack, &token, "/admin/customers", json!({"name": "A"})).await;
    let b = create(
        &stack,
        &token,
        "/admin/customers",
        json!({"name": "B", "parent_id": id(&a)}),
    )
    .await;
    let c = create(&stack, &token, "/admin/customers", json!({"name": "C"})).await;
    let store = &stack.services.store;
    let read = |reply: &Reply| {
        let id = id(reply).parse().unwrap();
        async move { store.get_customer(id).await.unwrap().unwrap() }
    };
    let (a_before, c_before) = (read(&a).await, read(&c).await);

    // Request 1 checked "A under C" while C was a root; request 2 ("C under B", whose
    // chain is B, A) commits first.
    let mut c_under_b = c_before.clone();
    c_under_b.parent_id = Some(id(&b).parse().unwrap());
    c_under_b.version += 1;
    let b_chain = [id(&b).parse().unwrap(), id(&a).parse().unwrap()];
    store
        .update_customer(&c_under_b, &c_before, &b_chain)
        .await
        .expect("the first move");
    let mut a_under_c = a_before.clone();
    a_under_c.parent_id = Some(c_before.id);
    a_under_c.version += 1;
    let result = store
        .update_customer(&a_under_c, &a_before, &[c_before.id])
        .await;
    assert!(
        matches!(
            result,
            Err(StoreError::Moved(
                shared::ports::Dependency::CustomerAncestors
            ))
        ),
        "{result:?}"
    );
    assert_eq!(read(&a).await.parent_id, None, "A stays a root: no cycle");

    // Through the API the same move is now refused as a cycle.
    let refused = stack
        .request(Method::PATCH, &format!("/admin/customers/{}", id(&a)))
        .bearer(&token)
        .if_match(&a.etag())
        .json(&json!({"parent_id": id(&c)}))
        .send()
        .await;
    assert_eq!(refused.error_fields(), ["parent_id"], "{}", refused.text);
}

#[tokio::test]
async fn customers_page_by_name_and_filter_by_prefix_and_parent() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let parent = create(
        &stack,
        &token,
        "/admin/customers",
        json!({"name": "Zeta Group"}),
    )
    .await;
    for i in 0..23 {
        create(
            &stack,
            &token,
            "/admin/customers",
            json!({"name": format!("Acme {i:02}"), "parent_id": id(&parent)}),
        )
        .await;
    }
    create(
        &stack,
        &token,
        "/admin/customers",
        json!({"name": "Beta Corp"}),
    )
    .await;

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = match &cursor {
            Some(c) => format!("/admin/customers?limit=10&cursor={c}"),
            None => "/admin/customers?limit=10".to_owned(),
        };
        let page = stack
            .request(Method::GET, &query)
            .bearer(&token)
            .send()
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        pages += 1;
        for item in page.json["items"].as_array().unwrap() {
            seen.push(item["name"].as_str().unwrap().to_owned());
        }
        match page.json["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 25);
    assert!(pages >= 3);
    let mut sorted = seen.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(seen, sorted, "ordered by name, no duplicates across pages");

    let acme = stack
        .request(Method::GET, "/admin/customers?name=ACME%201&limit=100")
        .bearer(&token)
        .send()
        .await;
    let names: Vec<_> = acme.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 10, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("Acme 1")));

    let children = stack
        .request(
            Method::GET,
            &format!("/admin/customers?parent_id={}&limit=100", id(&parent)),
        )
        .bearer(&token)
        .send()
        .await;
    assert_eq!(children.json["items"].as_array().unwrap().len(), 23);
}

#[tokio::test]
async fn sales_representatives_must_be_users_of_the_organization() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let rep = create(
        &stack,
        &token,
        "/admin/users",
        json!({"first_name": "Sal", "last_name": "Rep", "email": "sal@example.com"}),
    )
    .await;
    let bad = stack
        .request(Method::POST, "/admin/customers")
        .bearer(&token)
        .json(&json!({"name": "Acme", "sales_representative_ids": [id(&rep), shared::domain::UserId::generate()]}))
        .send()
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_fields(), ["sales_representative_ids.1"]);
    let parent = create(
        &stack,
        &token,
        "/admin/customers",
        json!({"name": "Acme", "sales_representative_ids": [id(&rep)]}),
    )
    .await;
    let child = create(
        &stack,
        &token,
        "/admin/customers",
        json!({"name": "Acme Sub", "parent_id": id(&parent)}),
    )
    .await;
    assert_eq!(
        child.json["sales_representative_ids"],
        json!([id(&rep)]),
        "inherited from the parent"
    );

    // A list is refused whole past its limit, before anything is read; an id given
    // twice is kept once, and a wrong one is named at each position.
    let mut crowd = vec![id(&rep)];
    crowd.extend(
        (0..shared::rules::MAX_SALES_REPRESENTATIVES)
            .map(|_| shared::domain::UserId::generate().to_string()),
    );
    let stranger = shared::domain::UserId::generate().to_string();
    for (list, fields) in [
        (json!(crowd), vec!["sales_representative_ids"]),
        (
            json!([stranger, id(&rep), stranger]),
            vec!["sales_representative_ids.0", "sales_representative_ids.2"],
        ),
    ] {
        let refused = stack
            .request(Method::POST, "/admin/customers")
            .bearer(&token)
            .json(&json!({"name": "Crowded", "sales_representative_ids": list}))
            .send()
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.error_fields(), fields, "{}", refused.text);
    }
    let twice = stack
        .request(Method::POST, "/admin/customer-users")
        .bearer(&token)
        .json(&json!({
            "customer_id": id(&parent), "first_name": "Tw", "last_name": "Ice",
            "email": "twice@example.com", "role_ids": [stack.provisioned.buyer_role_id],
            "sales_representative_ids": [id(&rep), id(&rep)],
        }))
        .send()
        .await;
    assert_eq!(twice.status, StatusCode::CREATED, "{}", twice.text);
    assert_eq!(twice.json["sales_representative_ids"], json!([id(&rep)]));

    // Once the representative is deleted, the customers that name it can still be
    // changed, and new subsidiaries and users no longer take it over.
    let rep_path = format!("/admin/users/{}", id(&rep));
    let gone = stack
        .request(Method::DELETE, &rep_path)
        .bearer(&token)
        .if_match(&rep.etag())
        .send()
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text);
    let renamed = stack
        .request(Method::PATCH, &format!("/admin/customers/{}", id(&parent)))
        .bearer(&token)
        .if_match(&parent.etag())
        .json(&json!({"name": "Acme Group", "sales_representative_ids": [id(&rep)]}))
        .send()
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    let second = create(
        &stack,
        &token,
        "/admin/customers",
        json!({"name": "Acme Sub 2", "parent_id": id(&parent)}),
    )
    .await;
    assert_eq!(second.json["sales_representative_ids"], json!([]));
    let user = stack
        .customer_user(
            &id(&parent),
            "new@example.com",
            &[stack.provisioned.buyer_role_id],
        )
        .await;
    assert_eq!(
        user.json["sales_representative_ids"],
        json!([]),
        "{}",
        user.text
    );
    let readded = stack
        .request(Method::POST, "/admin/customers")
        .bearer(&token)
        .json(&json!({"name": "Other", "sales_representative_ids": [id(&rep)]}))
        .send()
        .await;
    assert_eq!(
        readded.error_fields(),
        ["sales_representative_ids.0"],
        "a new list is checked"
    );
}

#[tokio::test]
async fn other_organizations_records_stay_out_of_reach_without_global_access() {
    let stack = Stack::new().await;
    let admin = stack.admin_token().await;
    let other = create(
        &stack,
        &admin,
        "/admin/organizations",
        json!({"name": "Other Org"}),
    )
    .await;
    let foreign = create(
        &stack,
        &admin,
        "/admin/customers",
        json!({"name": "Foreign", "organization_id": id(&other)}),
    )
    .await;

    // An application in the other organization, without global access.
    let user = create(
        &stack,
        &admin,
        "/admin/users",
        json!({"first_name": "Olly", "last_name": "Other", "email": "olly@example.com", "organization_id": id(&other)}),
    )
    .await;
    let owner = shared::application::Owner::Backend {
        user_id: id(&user).parse().unwrap(),
    };
    let (mut application, credentials) = stack
        .application(
            owner,
            &[
                shared::auth::Scope::DirectoryRead,
                shared::auth::Scope::DirectoryWrite,
            ],
        )
        .await;
    application.organization_id = id(&other).parse().unwrap();
    application.version += 1;
    shared::ports::ApplicationStore::update_application(&stack.services.store, &application, 1)
        .await
        .unwrap();
    let token = stack.token(&credentials, None).await;

    let own = stack
        .request(Method::GET, &format!("/admin/customers/{}", id(&foreign)))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(
        own.status,
        StatusCode::OK,
        "its own organization's customer"
    );
    let home = stack.provisioned.organization_id;
    let elsewhere = stack
        .request(
            Method::GET,
            &format!("/admin/customers?organization_id={home}"),
        )
        .bearer(&token)
        .send()
        .await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    let new_org = stack
        .request(Method::POST, "/admin/organizations")
        .bearer(&token)
        .json(&json!({"name": "Mine"}))
        .send()
        .await;
    assert_eq!(new_org.status, StatusCode::FORBIDDEN);
    let orgs = stack
        .request(Method::GET, "/admin/organizations")
        .bearer(&token)
        .send()
        .await;
    assert_eq!(orgs.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(orgs.json["next_cursor"], Value::Null);
    let paged = stack
        .request(Method::GET, "/admin/organizations?cursor=garbage")
        .bearer(&token)
        .send()
        .await;
    assert_eq!(paged.error_fields(), ["cursor"], "{}", paged.text);
}

#[tokio::test]
async fn a_user_with_the_most_applications_can_be_deleted_with_them() {
    use shared::ports::ApplicationStore;
    let stack = Stack::new().await;
    let admin = stack.admin_token().await;
    let user = create(
        &stack,
        &admin,
        "/admin/users",
        json!({"first_name": "Ada", "last_name": "Ops", "email": "ada@example.com"}),
    )
    .await;
    let path = format!("/admin/users/{}", id(&user));
    let mut applications = Vec::new();
    for i in 0..shared::application::MAX_APPLICATIONS_PER_OWNER {
        let created = create(
            &stack,
            &admin,
            &format!("{path}/oauth-applications"),
            json!({"name": format!("App {i}")}),
        )
        .await;
        applications.push(id(&created).parse().unwrap());
    }
    let read = stack
        .request(Method::GET, &path)
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(read.json["application_count"], 10, "{}", read.text);
    let deleted = stack
        .request(Method::DELETE, &path)
        .bearer(&admin)
        .if_match(&read.etag())
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    for application in applications {
        assert!(
            stack
                .services
                .store
                .get_application(application)
                .await
                .unwrap()
                .is_none()
        );
    }
    let leftovers = stack.items_naming(&id(&user)).await;
    assert!(leftovers.is_empty(), "orphans: {leftovers:?}");
}

#[tokio::test]
async fn a_users_write_that_misses_an_application_is_refused_and_changes_nothing() {
    use shared::{
        application::Owner,
        ports::{ApplicationStore, StoreError, UserStore},
    };
    let stack = Stack::new().await;
    let admin = stack.admin_token().await;
    let created = create(
        &stack,
        &admin,
        "/admin/users",
        json!({"first_name": "Ada", "last_name": "Ops", "email": "ada@example.com"}),
    )
    .await;
    let store = &stack.services.store;
    let user_id: shared::domain::UserId = id(&created).parse().unwrap();
    let owner = Owner::Backend { user_id };
    let read_before = store.get_user(user_id).await.unwrap().unwrap();
    stack.application(owner, &[]).await;
    // The index has not shown this one yet.
    stack.application(owner, &[]).await;
    let current = store.get_user(user_id).await.unwrap().unwrap();
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

    retry(store.delete_user(&current, found).await);

    let mut disabled = current.clone();
    disabled.enabled = false;
    disabled.version += 1;
    disabled.application_count = found.len() as u64;
    let mut following = found.to_vec();
    for application in &mut following {
        application.follow_owner(false, shared::domain::now());
    }
    retry(store.update_user(&disabled, &current, &following).await);

    assert_eq!(store.get_user(user_id).await.unwrap().unwrap(), current);
    for application in store.applications_of_owner(owner).await.unwrap() {
        assert!(application.owner_enabled && application.version == 1);
    }
    assert_eq!(store.applications_of_owner(owner).await.unwrap().len(), 2);

    // A rename read before the applications came leaves their count as stored.
    let mut renamed = read_before.clone();
    renamed.first_name = shared::domain::Name::parse("Adele").unwrap();
    renamed.version += 1;
    store
        .update_user(&renamed, &read_before, &[])
        .await
        .expect("the count is not the rename's to write");
    let after = store.get_user(user_id).await.unwrap().unwrap();
    assert_eq!(after.application_count, 2);
    assert_eq!(after.first_name.as_str(), "Adele");
}

/// A PATCH that changes nothing (a form saved as it was loaded) keeps the version, so
/// another administrator's `If-Match` still holds; a real change moves it.
#[tokio::test]
async fn a_patch_that_changes_nothing_keeps_the_version() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = create(&stack, &token, "/admin/customers", json!({"name": "Same"})).await;
    let customer_path = format!("/admin/customers/{}", id(&customer));
    let user = stack
        .customer_user(
            &id(&customer),
            "same@example.com",
            &[stack.provisioned.buyer_role_id],
        )
        .await;
    let user_path = format!("/admin/customer-users/{}", id(&user));
    for (path, etag, unchanged, changed) in [
        (
            &customer_path,
            customer.etag(),
            json!({"name": "Same"}),
            json!({"name": "Other"}),
        ),
        (
            &user_path,
            user.etag(),
            json!({"first_name": "Test", "enabled": true, "email": "same@example.com"}),
            json!({"first_name": "Changed"}),
        ),
    ] {
        let kept = stack
            .request(Method::PATCH, path)
            .bearer(&token)
            .if_match(&etag)
            .json(&unchanged)
            .send()
            .await;
        assert_eq!(kept.status, StatusCode::OK, "{path}: {}", kept.text);
        assert_eq!(kept.etag(), etag, "{path}: nothing changed");
        let moved = stack
            .request(Method::PATCH, path)
            .bearer(&token)
            .if_match(&etag)
            .json(&changed)
            .send()
            .await;
        assert_eq!(moved.status, StatusCode::OK, "{path}: {}", moved.text);
        assert_ne!(moved.etag(), etag, "{path}");
    }
}
