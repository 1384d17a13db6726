//! OAuth applications: the secret shown once, names unique per owner, rotation with a
//! grace period, deactivation, and the grid.

use http::{Method, StatusCode};
use integration_tests::{Reply, Stack, emails_to};
use serde_json::json;
use shared::{
    auth::{KEYS_NOT_CONFIGURED, KeyKind},
    provision::ClientCredentials,
};

fn credentials(reply: &integration_tests::Reply) -> ClientCredentials {
    ClientCredentials {
        client_id: reply.json["client_id"].as_str().unwrap().to_owned(),
        client_secret: reply.json["client_secret"]
            .as_str()
            .expect("the secret, once")
            .to_owned(),
    }
}

#[tokio::test]
async fn a_frontend_application_end_to_end() {
    let stack = Stack::new().await;
    let admin = stack.admin_token().await;
    let (user, _) = stack.storefront_administrator().await;
    let user_id = user.json["id"].as_str().unwrap();
    let email = user.json["email"].as_str().unwrap();

    let created = stack
        .request(
            Method::POST,
            &format!("/admin/customer-users/{user_id}/oauth-applications"),
        )
        .bearer(&admin)
        .json(&json!({"name": "Punchout"}))
        .send()
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json["client_id"].as_str().unwrap().len(), 32);
    let creds = credentials(&created);
    assert_eq!(created.json["owner"]["kind"], "frontend");
    assert_eq!(created.header("cache-control"), Some("no-store"));

    // The owner is told, without the secret.
    let mails = emails_to(email).await;
    let added = mails.last().unwrap();
    assert!(added.text.contains("Punchout") && added.text.contains(&creds.client_id));
    assert!(!added.raw.contains(&creds.client_secret));

    // A third party gets a token and calls /api/me.
    let token = stack.token(&creds, None).await;
    let me = stack
        .request(Method::GET, "/api/me")
        .bearer(&token)
        .send()
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json["id"], user_id);

    // The secret never appears again.
    let path = format!(
        "/admin/oauth-applications/{}",
        created.json["id"].as_str().unwrap()
    );
    let read = stack
        .request(Method::GET, &path)
        .bearer(&admin)
        .send()
        .await;
    assert!(read.json.get("client_secret").is_none());
    assert!(read.json["last_used_at"].is_string(), "{}", read.text);
    let listed = stack
        .request(
            Method::GET,
            &format!("/admin/customer-users/{user_id}/oauth-applications"),
        )
        .bearer(&admin)
        .send()
        .await;
    let listed_names: Vec<&str> = listed.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(listed_names.contains(&"Punchout"), "{listed_names:?}");
    assert!(!listed.text.contains(&creds.client_secret));
    assert!(!format!("{:?}", stack.table_items().await).contains(&creds.client_secret));

    // Rotation: both secrets work during the grace period.
    let rotated = stack
        .request(Method::POST, &format!("{path}/rotate-secret"))
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
    let new_creds = credentials(&rotated);
    assert_ne!(new_creds.client_secret, creds.client_secret);
    assert!(rotated.json["previous_secret_expires_at"].is_string());
    assert_eq!(stack.try_token(&creds, None).await.status, StatusCode::OK);
    assert_eq!(
        stack.try_token(&new_creds, None).await.status,
        StatusCode::OK
    );

    // Deactivation refuses the same token at once; re-activation does not revive it.
    let deactivated = stack
        .request(Method::PATCH, &path)
        .bearer(&admin)
        .if_match(&rotated.etag())
        .json(&json!({"active": false}))
        .send()
        .await;
    assert_eq!(deactivated.status, StatusCode::OK, "{}", deactivated.text);
    assert_eq!(
        stack
            .request(Method::GET, "/api/me")
            .bearer(&token)
            .send()
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        stack.try_token(&new_creds, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let reactivated = stack
        .request(Method::PATCH, &path)
        .bearer(&admin)
        .if_match(&deactivated.etag())
        .json(&json!({"active": true}))
        .send()
        .await;
    assert_eq!(reactivated.status, StatusCode::OK);
    assert_eq!(
        stack
            .request(Method::GET, "/api/me")
            .bearer(&token)
            .send()
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let fresh = stack.token(&new_creds, None).await;
    assert_eq!(
        stack
            .request(Method::GET, "/api/me")
            .bearer(&fresh)
            .send()
            .await
            .status,
        StatusCode::OK
    );

    // Deleting it ends its tokens too.
    let deleted = stack
        .request(Method::DELETE, &path)
        .bearer(&admin)
        .if_match(&reactivated.etag())
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        stack
            .request(Method::GET, "/api/me")
            .bearer(&fresh)
            .send()
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn backend_applications_hold_only_scopes_the_creator_holds_and_names_are_unique() {
    let stack = Stack::new().await;
    let admin = stack.admin_token().await;
    let path = format!(
        "/admin/users/{}/oauth-applications",
        stack.provisioned.admin_user_id
    );
    let created = stack
        .request(Method::POST, &path)
        .bearer(&admin)
        .json(&json!({"name": "ERP sync", "scopes": ["directory:read", "customer_users:read"]}))
        .send()
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let token = stack
        .token(&credentials(&created), Some("directory:read"))
        .await;
    assert_eq!(
        stack
            .request(Method::GET, "/admin/customers")
            .bearer(&token)
            .send()
            .await
            .status,
        StatusCode::OK
    );

    let duplicate = stack
        .request(Method::POST, &path)
        .bearer(&admin)
        .json(&json!({"name": "erp SYNC"}))
        .send()
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);

    // A token limited to oauth_apps:write cannot hand out more.
    let limited = stack
        .token_with(&[shared::auth::Scope::OauthAppsWrite])
        .await;
    let escalation = stack
        .request(Method::POST, &path)
        .bearer(&limited)
        .json(&json!({"name": "Escalate", "scopes": ["directory:write"]}))
        .send()
        .await;
    assert_eq!(escalation.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(escalation.error_fields(), ["scopes.0"]);

    // Nor take over an application that holds more, by rotating its secret.
    let erp = format!(
        "/admin/oauth-applications/{}",
        created.json["id"].as_str().unwrap()
    );
    let takeover = stack
        .request(Method::POST, &format!("{erp}/rotate-secret"))
        .bearer(&limited)
        .send()
        .await;
    assert_eq!(takeover.status, StatusCode::FORBIDDEN, "{}", takeover.text);
    assert!(takeover.json.get("client_secret").is_none());
    assert!(
        takeover.json["detail"]
            .as_str()
            .unwrap()
            .contains("directory:read, customer_users:read"),
        "{}",
        takeover.text
    );
    let unchanged = stack.request(Method::GET, &erp).bearer(&admin).send().await;
    assert_eq!(unchanged.etag(), created.etag(), "nothing written");
    assert!(unchanged.json["previous_secret_expires_at"].is_null());

    let frontend_scopes = stack
        .request(
            Method::POST,
            &format!(
                "/admin/customer-users/{}/oauth-applications",
                shared::domain::CustomerUserId::generate()
            ),
        )
        .bearer(&admin)
        .json(&json!({"name": "X"}))
        .send()
        .await;
    assert_eq!(frontend_scopes.status, StatusCode::NOT_FOUND);

    let other_org = stack
        .request(Method::POST, &path)
        .bearer(&admin)
        .json(&json!({"name": "Elsewhere", "organization_id": shared::domain::OrganizationId::generate()}))
        .send()
        .await;
    assert_eq!(
        other_org.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "global access, but no such organization"
    );

    let user = stack
        .request(
            Method::GET,
            &format!("/admin/users/{}", stack.provisioned.admin_user_id),
        )
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(user.status, StatusCode::OK);
    assert_eq!(
        user.json["notifications"][0]["template"], "oauth_application_added",
        "{}",
        user.text
    );
    assert_eq!(user.json["notifications"][0]["status"], "sent");
}

#[tokio::test]
async fn the_grid_filters_by_name_and_status_and_sorts_by_name_or_last_use() {
    let stack = Stack::new().await;
    let admin = stack.admin_token().await;
    let path = format!(
        "/admin/users/{}/oauth-applications",
        stack.provisioned.admin_user_id
    );
    let mut ids = Vec::new();
    for name in ["Beta", "Alpha", "Gamma"] {
        let created = stack
            .request(Method::POST, &path)
            .bearer(&admin)
            .json(&json!({"name": name, "active": name != "Gamma", "scopes": ["directory:read"]}))
            .send()
            .await;
        ids.push((name, credentials(&created)));
    }
    // Use Beta, so it is the most recently used.
    stack.token(&ids[0].1, None).await;

    let names = |reply: &integration_tests::Reply| -> Vec<String> {
        reply.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = stack
        .request(Method::GET, "/admin/oauth-applications")
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    let all_names = names(&all);
    assert!(
        all_names
            .windows(2)
            .all(|w| w[0].to_lowercase() <= w[1].to_lowercase()),
        "{all_names:?}"
    );
    let active = stack
        .request(Method::GET, "/admin/oauth-applications?active=false")
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(names(&active), ["Gamma"]);
    let prefixed = stack
        .request(Method::GET, "/admin/oauth-applications?name=al")
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(names(&prefixed), ["Alpha"]);
    let recent = stack
        .request(
            Method::GET,
            "/admin/oauth-applications?sort=last_used&limit=100",
        )
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(recent.status, StatusCode::OK, "{}", recent.text);
    let first = &names(&recent)[0];
    assert!(
        first == "Beta" || first == "Local administration",
        "most recently used first: {:?}",
        names(&recent)
    );
    let bad = stack
        .request(Method::GET, "/admin/oauth-applications?sort=age")
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // One owner's list is by name, in the owner's organization: it takes neither.
    let owners = stack
        .request(Method::GET, &format!("{path}?name=al&active=true"))
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(names(&owners), ["Alpha"]);
    for query in ["sort=last_used", "organization_id=zzz"] {
        let refused = stack
            .request(Method::GET, &format!("{path}?{query}"))
            .bearer(&admin)
            .send()
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(
            refused.error_fields(),
            [query.split('=').next().unwrap()],
            "{}",
            refused.text
        );
    }
}

#[tokio::test]
async fn a_full_flow_never_shows_the_secret_outside_its_two_answers() {
    let logs = integration_tests::captured_logs();
    let stack = Stack::new().await;
    let admin = stack.admin_token().await;
    let path = format!(
        "/admin/users/{}/oauth-applications",
        stack.provisioned.admin_user_id
    );
    let created = stack
        .request(Method::POST, &path)
        .bearer(&admin)
        .json(&json!({"name": "Audit me", "scopes": ["directory:read"]}))
        .send()
        .await;
    let secret = created.json["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(created.header("cache-control"), Some("no-store"));
    let app_path = format!(
        "/admin/oauth-applications/{}",
        created.json["id"].as_str().unwrap()
    );
    let mut replies = vec![
        stack.try_token(&credentials(&created), None).await,
        stack
            .request(Method::GET, &app_path)
            .bearer(&admin)
            .send()
            .await,
        stack
            .request(Method::GET, "/admin/oauth-applications")
            .bearer(&admin)
            .send()
            .await,
        stack
            .request(Method::GET, &path)
            .bearer(&admin)
            .send()
            .await,
    ];
    let wrong = ClientCredentials {
        client_id: credentials(&created).client_id,
        client_secret: format!("{secret}x"),
    };
    replies.push(stack.try_token(&wrong, None).await);
    let swapped = ClientCredentials {
        client_id: secret.clone(),
        client_secret: credentials(&created).client_id,
    };
    replies.push(stack.try_token(&swapped, None).await);
    for reply in &replies {
        assert!(!reply.text.contains(&secret), "{}", reply.text);
    }
    let items = format!("{:?}", stack.table_items().await);
    assert!(!items.contains(&secret));
    let unkeyed = shared::auth::SecretHash::of(&secret);
    assert!(
        !items.contains(unkeyed.as_str()),
        "stored as a keyed hash, not a plain digest"
    );
    let pepper = stack.pepper.get().await.unwrap();
    assert!(items.contains(shared::auth::SecretHash::keyed(&pepper, &secret).as_str()));
    let rotated = stack
        .request(Method::POST, &format!("{app_path}/rotate-secret"))
        .bearer(&admin)
        .send()
        .await;
    let second = rotated.json["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(rotated.header("cache-control"), Some("no-store"));
    stack
        .try_token(
            &ClientCredentials {
                client_id: credentials(&created).client_id,
                client_secret: second.clone(),
            },
            None,
        )
        .await;
    let captured = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(
        captured.contains("client authentication failed"),
        "the logs were captured"
    );
    assert!(captured.contains("issued an access token"));
    for leaked in [&secret, &second] {
        assert!(
            !captured.contains(leaked.as_str()),
            "a secret reached the logs"
        );
    }
    for mail in integration_tests::sent_emails().await {
        assert!(!mail.to_string().contains(&secret));
    }
}

/// The pk and sk of every item of the stack's table, sorted.
async fn item_keys(stack: &Stack) -> Vec<(String, String)> {
    let key = |item: &std::collections::HashMap<_, aws_sdk_dynamodb::types::AttributeValue>,
               name: &str| {
        item.get(name)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default()
    };
    let mut keys: Vec<_> = stack
        .table_items()
        .await
        .iter()
        .map(|item| (key(item, "pk"), key(item, "sk")))
        .collect();
    keys.sort();
    keys
}

/// An application as a create handler would store it, without its checks.
fn new_application(
    stack: &Stack,
    owner: shared::application::Owner,
) -> shared::application::Application {
    let at = shared::domain::now();
    shared::application::Application {
        id: shared::domain::ApplicationId::generate(),
        organization_id: stack.provisioned.organization_id,
        name: shared::domain::Name::parse("Late").unwrap(),
        owner,
        scopes: vec![],
        active: true,
        owner_enabled: true,
        secrets: vec![],
        client_type: Default::default(),
        redirect_uris: Vec::new(),
        tokens_valid_after: None,
        last_used_at: None,
        auth_failures: vec![],
        created_at: at,
        updated_at: at,
        version: 1,
    }
}

#[tokio::test]
async fn an_owner_has_at_most_ten_applications_and_the_eleventh_writes_nothing() {
    use shared::{
        application::Owner,
        ports::{ApplicationStore, StoreError},
    };
    let stack = Stack::new().await;
    let admin = stack.admin_token().await;
    let (customer_user, _) = stack.storefront_administrator().await;
    let user = stack
        .request(Method::POST, "/admin/users")
        .bearer(&admin)
        .json(&json!({"first_name": "Ada", "last_name": "Ops", "email": "ada@example.com"}))
        .send()
        .await;
    assert_eq!(user.status, StatusCode::CREATED, "{}", user.text);
    let customer_user_id = customer_user.json["id"].as_str().unwrap();
    let user_id = user.json["id"].as_str().unwrap();
    let owners = [
        (
            format!("/admin/customer-users/{customer_user_id}"),
            Owner::Frontend {
                customer_user_id: customer_user_id.parse().unwrap(),
            },
            // The storefront administrator's token came from an application of its own.
            1,
        ),
        (
            format!("/admin/users/{user_id}"),
            Owner::Backend {
                user_id: user_id.parse().unwrap(),
            },
            0,
        ),
    ];
    for (owner, kind, already) in owners {
        let path = format!("{owner}/oauth-applications");
        let mut last = None;
        for i in already..10 {
            let created = stack
                .request(Method::POST, &path)
                .bearer(&admin)
                .json(&json!({"name": format!("App {i}")}))
                .send()
                .await;
            assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
            last = Some(created);
        }
        let read = stack
            .request(Method::GET, &owner)
            .bearer(&admin)
            .send()
            .await;
        assert_eq!(read.json["application_count"], 10, "{}", read.text);

        let before = item_keys(&stack).await;
        let refused = stack
            .request(Method::POST, &path)
            .bearer(&admin)
            .json(&json!({"name": "One too many"}))
            .send()
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
        assert!(
            refused.text.contains("10 applications")
                && refused.text.contains("delete an unused application first"),
            "{}",
            refused.text
        );
        // A create that read the owner before the tenth came is refused as well.
        let racing = new_application(&stack, kind);
        let refused = stack.services.store.create_application(&racing).await;
        assert!(
            matches!(&refused, Err(StoreError::TooManyApplications)),
            "{refused:?}"
        );
        assert_eq!(item_keys(&stack).await, before, "nothing written");
        let read = stack
            .request(Method::GET, &owner)
            .bearer(&admin)
            .send()
            .await;
        assert_eq!(read.json["application_count"], 10);

        // Deleting one makes room again.
        let last = last.unwrap();
        let deleted = stack
            .request(
                Method::DELETE,
                &format!(
                    "/admin/oauth-applications/{}",
                    last.json["id"].as_str().unwrap()
                ),
            )
            .bearer(&admin)
            .if_match(&last.etag())
            .send()
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
        let read = stack
            .request(Method::GET, &owner)
            .bearer(&admin)
            .send()
            .await;
        assert_eq!(read.json["application_count"], 9);
        let room = stack
            .request(Method::POST, &path)
            .bearer(&admin)
            .json(&json!({"name": "One too many"}))
            .send()
            .await;
        assert_eq!(room.status, StatusCode::CREATED, "{}", room.text);
    }
}

#[tokio::test]
async fn an_application_for_an_owner_deleted_meanwhile_is_refused_and_nothing_written() {
    use shared::{
        application::Owner,
        ports::{ApplicationStore, StoreError},
    };
    let stack = Stack::new().await;
    let admin = stack.admin_token().await;
    let (customer_user, _) = stack.storefront_administrator().await;
    let user = stack
        .request(Method::POST, "/admin/users")
        .bearer(&admin)
        .json(&json!({"first_name": "Ada", "last_name": "Ops", "email": "ada@example.com"}))
        .send()
        .await;
    let gone = [
        (
            format!(
                "/admin/customer-users/{}",
                customer_user.json["id"].as_str().unwrap()
            ),
            customer_user.etag(),
            Owner::Frontend {
                customer_user_id: customer_user.json["id"].as_str().unwrap().parse().unwrap(),
            },
        ),
        (
            format!("/admin/users/{}", user.json["id"].as_str().unwrap()),
            user.etag(),
            Owner::Backend {
                user_id: user.json["id"].as_str().unwrap().parse().unwrap(),
            },
        ),
    ];
    for (path, etag, owner) in gone {
        let deleted = stack
            .request(Method::DELETE, &path)
            .bearer(&admin)
            .if_match(&etag)
            .send()
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
        // As if the create had read the owner just before its delete.
        let before = item_keys(&stack).await;
        let refused = stack
            .services
            .store
            .create_application(&new_application(&stack, owner))
            .await;
        assert!(matches!(refused, Err(StoreError::NotFound)), "{refused:?}");
        assert_eq!(item_keys(&stack).await, before, "nothing written");
    }
}

#[tokio::test]
async fn applications_their_owner_never_counted_can_still_be_deleted() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use shared::{application::Owner, ports::UserStore};
    let stack = Stack::new().await;
    let admin = stack.admin_token().await;
    let user = stack
        .request(Method::POST, "/admin/users")
        .bearer(&admin)
        .json(&json!({"first_name": "Ada", "last_name": "Ops", "email": "ada@example.com"}))
        .send()
        .await;
    let user_id: shared::domain::UserId = user.json["id"].as_str().unwrap().parse().unwrap();
    let owner = Owner::Backend { user_id };
    let (left_behind, _) = stack.application(owner, &[]).await;
    let (uncounted, _) = stack.application(owner, &[]).await;
    let store = &stack.services.store;
    let pk = AttributeValue::S(format!("USER#{user_id}"));
    let sk = AttributeValue::S("USER".into());
    // As written before owners counted their applications.
    store
        .client()
        .update_item()
        .table_name(store.table_name())
        .key("pk", pk.clone())
        .key("sk", sk.clone())
        .update_expression("REMOVE application_count")
        .send()
        .await
        .unwrap();
    let delete = |application: &shared::application::Application| {
        stack
            .request(
                Method::DELETE,
                &format!("/admin/oauth-applications/{}", application.id),
            )
            .bearer(&admin)
            .if_match("\"1\"")
            .send()
    };
    assert_eq!(delete(&uncounted).await.status, StatusCode::NO_CONTENT);
    let counted = store.get_user(user_id).await.unwrap().unwrap();
    assert_eq!(counted.application_count, 0, "never below zero");

    // As left behind by its owner's delete before owners counted their applications.
    store
        .client()
        .delete_item()
        .table_name(store.table_name())
        .key("pk", pk)
        .key("sk", sk)
        .send()
        .await
        .unwrap();
    assert_eq!(delete(&left_behind).await.status, StatusCode::NO_CONTENT);
    assert!(
        matches!(store.get_user(user_id).await, Ok(None)),
        "no owner item made up by the count"
    );
}

/// An application is created with its owner's `enabled` as read beforehand. If the
/// owner was disabled in between, the disable found no application to stop, so the
/// create must fail rather than leave a usable application to a disabled owner.
#[tokio::test]
async fn an_application_is_not_created_for_an_owner_disabled_meanwhile() {
    use shared::{
        application::{Application, Owner},
        ports::{ApplicationStore, StoreError},
    };
    let stack = Stack::new().await;
    let admin = stack.admin_token().await;
    let (user, _) = stack.storefront_administrator().await;
    let path = format!(
        "/admin/customer-users/{}",
        user.json["id"].as_str().unwrap()
    );
    let disabled = stack
        .request(Method::POST, &format!("{path}/disable"))
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.text);

    let owner = Owner::Frontend {
        customer_user_id: user.json["id"].as_str().unwrap().parse().unwrap(),
    };
    let (read_before, _) = stack.unsaved_application(owner, &[]).await;
    assert!(read_before.owner_enabled, "as read before the disable");
    let store = &stack.services.store;
    let refused = store.create_application(&read_before).await;
    assert!(
        matches!(refused, Err(StoreError::Contention)),
        "{refused:?}"
    );
    assert!(
        store
            .get_application(read_before.id)
            .await
            .unwrap()
            .is_none()
    );
    let after = stack
        .request(Method::GET, &path)
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(
        after.json["application_count"], disabled.json["application_count"],
        "not counted: {}",
        after.text
    );

    let as_read_now = Application {
        owner_enabled: false,
        ..read_before
    };
    store.create_application(&as_read_now).await.unwrap();
}

/// An admin UI can tell from the application answers whether the token endpoint can
/// issue tokens: creating an application while no signing key is configured works, and
/// says so.
#[tokio::test]
async fn application_answers_say_whether_tokens_can_be_issued() {
    let stack = Stack::new().await;
    let admin = stack.admin_token().await;
    let applications = format!(
        "/admin/users/{}/oauth-applications",
        stack.provisioned.admin_user_id
    );
    async fn create(stack: &Stack, path: &str, token: &str, name: &str) -> Reply {
        stack
            .request(Method::POST, path)
            .bearer(token)
            .json(&json!({"name": name}))
            .send()
            .await
    }
    let before = create(&stack, &applications, &admin, "Before").await;
    assert_eq!(before.status, StatusCode::CREATED, "{}", before.text);
    assert_eq!(before.json["token_issuance"], json!({"state": "available"}));
    let path = format!(
        "/admin/oauth-applications/{}",
        before.json["id"].as_str().unwrap()
    );
    let read = stack
        .request(Method::GET, &path)
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(read.json["token_issuance"]["state"], "available");

    // The signing key is emptied, as by a deployment nobody finished.
    integration_tests::secrets_client()
        .await
        .put_secret_value()
        .secret_id(&stack.services.config.signing_key_secret_id)
        .secret_string("{}")
        .send()
        .await
        .unwrap();
    let keyless = stack.reloaded().await;
    let during = create(&keyless, &applications, &admin, "While keys are missing").await;
    assert_eq!(during.status, StatusCode::CREATED, "{}", during.text);
    assert_eq!(
        during.json["token_issuance"],
        json!({"state": "keys_not_configured", "message": KEYS_NOT_CONFIGURED})
    );
    let read = keyless
        .request(Method::GET, &path)
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(read.json["token_issuance"]["state"], "keys_not_configured");
    let refused = keyless.try_token(&credentials(&during), None).await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "as it said"
    );

    // A key configured again: the answers say so, and the application gets tokens.
    let restored = keyless.rotated("restored", KeyKind::Es256).await;
    let admin = restored.admin_token().await;
    let read = restored
        .request(Method::GET, &path)
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(read.json["token_issuance"], json!({"state": "available"}));
    assert_eq!(
        restored.try_token(&credentials(&during), None).await.status,
        StatusCode::OK
    );
    let listed = restored
        .request(Method::GET, &applications)
        .bearer(&admin)
        .send()
        .await;
    assert!(
        listed.json["items"][0].get("token_issuance").is_none(),
        "lists leave it out: {}",
        listed.text
    );
}
