//! Consents: the back office defines them and sees who accepted which, and when;
//! customer users accept and decline them in the storefront. An accepted consent
//! cannot be deleted, and an accepted mandatory one cannot be declined.

use http::{Method, StatusCode};
use integration_tests::{Reply, Stack};
use serde_json::{Value, json};
use shared::auth::Scope;

async fn create_consent(stack: &Stack, token: &str, body: Value) -> Reply {
    stack
        .request(Method::POST, "/admin/consents")
        .bearer(token)
        .json(&body)
        .send()
        .await
}

fn id(reply: &Reply) -> String {
    reply.json["id"].as_str().unwrap().to_owned()
}

async fn read(stack: &Stack, token: &str, path: &str) -> Reply {
    stack.request(Method::GET, path).bearer(token).send().await
}

async fn choose(stack: &Stack, token: &str, etag: &str, accepted: &[&str]) -> Reply {
    stack
        .request(Method::PUT, "/api/me/consents")
        .bearer(token)
        .if_match(etag)
        .json(&json!({ "accepted": accepted }))
        .send()
        .await
}

#[tokio::test]
async fn the_back_office_creates_reads_changes_and_deletes_consents() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let created = create_consent(
        &stack,
        &token,
        json!({"name": "Marketing emails", "content_url": "https://shop.example.com/privacy/"}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json["mandatory"], false);
    assert_eq!(
        created.json["content_url"],
        "https://shop.example.com/privacy"
    );
    let path = format!("/admin/consents/{}", id(&created));

    let listed = read(&stack, &token, "/admin/consents").await;
    assert_eq!(listed.json["items"][0]["id"], created.json["id"]);
    let other = create_consent(&stack, &token, json!({"name": "Newsletter"})).await;
    let by_name = read(&stack, &token, "/admin/consents?name=news").await;
    let ids: Vec<&Value> = by_name.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(ids, [&other.json["id"]]);

    let changed = stack
        .request(Method::PATCH, &path)
        .bearer(&token)
        .if_match(&created.etag())
        .json(&json!({"content_url": null, "mandatory": true}))
        .send()
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(changed.json["content_url"], Value::Null);
    assert_eq!(changed.json["mandatory"], true);
    let stale = stack
        .request(Method::PATCH, &path)
        .bearer(&token)
        .if_match(&created.etag())
        .json(&json!({"name": "Lost"}))
        .send()
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);

    let reader = stack.token_with(&[Scope::ConsentsRead]).await;
    assert_eq!(read(&stack, &reader, &path).await.status, StatusCode::OK);
    let refused = create_consent(&stack, &reader, json!({"name": "Nope"})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let deleted = stack
        .request(Method::DELETE, &path)
        .bearer(&token)
        .if_match(&changed.etag())
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        read(&stack, &token, &path).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn bad_consents_are_refused_by_field_and_nothing_is_written() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let bad = create_consent(
        &stack,
        &token,
        json!({"name": " ", "content_url": "ftp://example.com/terms"}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_fields(), ["name", "content_url"]);
    let unknown = create_consent(&stack, &token, json!({"name": "X", "acceptance_count": 9})).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let listed = read(&stack, &token, "/admin/consents").await;
    assert_eq!(listed.json["items"], json!([]));
}

#[tokio::test]
async fn customer_users_accept_and_decline_and_the_back_office_sees_when() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let terms = create_consent(&stack, &token, json!({"name": "Terms of data use"})).await;
    let news = create_consent(&stack, &token, json!({"name": "Newsletter"})).await;
    let (user, frontend) = stack.storefront_administrator().await;
    let user_id = user.json["id"].as_str().unwrap();

    let mine = read(&stack, &frontend, "/api/me/consents").await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
    let names: Vec<&str> = mine.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Newsletter", "Terms of data use"]);
    assert!(
        mine.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["accepted"] == false)
    );

    let unknown = choose(
        &stack,
        &frontend,
        &mine.etag(),
        &[&id(&terms), "0193a5e0-0000-7000-8000-000000000009"],
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.error_fields(), ["accepted.1"]);

    let both = choose(&stack, &frontend, &mine.etag(), &[&id(&terms), &id(&news)]).await;
    assert_eq!(both.status, StatusCode::OK, "{}", both.text);
    assert!(
        both.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["accepted"] == true && c["accepted_at"].is_string())
    );
    let stale = choose(&stack, &frontend, &mine.etag(), &[]).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);

    // The back office sees the acceptances with the names the user saw, even after a
    // rename.
    let terms_path = format!("/admin/consents/{}", id(&terms));
    let current = read(&stack, &token, &terms_path).await;
    assert_eq!(current.json["acceptance_count"], 1);
    let renamed = stack
        .request(Method::PATCH, &terms_path)
        .bearer(&token)
        .if_match(&current.etag())
        .json(&json!({"name": "Terms of data use, 2027", "mandatory": true}))
        .send()
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    let seen = read(
        &stack,
        &token,
        &format!("/admin/customer-users/{user_id}/consents"),
    )
    .await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);
    let accepted: Vec<(&str, &str)> = seen.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["consent_id"].as_str().unwrap(),
                a["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        accepted,
        [
            (id(&terms).as_str(), "Terms of data use"),
            (id(&news).as_str(), "Newsletter")
        ]
    );

    // An accepted consent stays; a mandatory one cannot be declined.
    let kept = stack
        .request(Method::DELETE, &terms_path)
        .bearer(&token)
        .if_match(&renamed.etag())
        .send()
        .await;
    assert_eq!(kept.status, StatusCode::CONFLICT, "{}", kept.text);
    let declined_mandatory = choose(&stack, &frontend, &both.etag(), &[&id(&news)]).await;
    assert_eq!(
        declined_mandatory.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        declined_mandatory.text
    );
    assert_eq!(declined_mandatory.error_fields(), ["accepted"]);
    assert!(declined_mandatory.text.contains("mandatory"));

    // Declining the newsletter gives its count back, so it can go.
    let declined = choose(&stack, &frontend, &both.etag(), &[&id(&terms)]).await;
    assert_eq!(declined.status, StatusCode::OK, "{}", declined.text);
    let terms_at = |reply: &Reply| {
        reply.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["consent_id"] == json!(id(&terms)))
            .unwrap()["accepted_at"]
            .clone()
    };
    assert_eq!(
        terms_at(&declined),
        terms_at(&both),
        "a kept acceptance keeps its time"
    );
    let news_path = format!("/admin/consents/{}", id(&news));
    let news_now = read(&stack, &token, &news_path).await;
    assert_eq!(news_now.json["acceptance_count"], 0);
    let gone = stack
        .request(Method::DELETE, &news_path)
        .bearer(&token)
        .if_match(&news_now.etag())
        .send()
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text);

    // Deleting the user gives its acceptances back too.
    let user_path = format!("/admin/customer-users/{user_id}");
    let profile = read(&stack, &token, &user_path).await;
    let removed = stack
        .request(Method::DELETE, &user_path)
        .bearer(&token)
        .if_match(&profile.etag())
        .send()
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    assert_eq!(
        read(&stack, &token, &terms_path).await.json["acceptance_count"],
        0
    );
}

#[tokio::test]
async fn an_organization_with_consents_cannot_be_deleted() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let org = stack
        .request(Method::POST, "/admin/organizations")
        .bearer(&token)
        .json(&json!({"name": "Consenting Org"}))
        .send()
        .await;
    let consent = create_consent(
        &stack,
        &token,
        json!({"name": "Terms", "organization_id": id(&org)}),
    )
    .await;
    assert_eq!(consent.status, StatusCode::CREATED, "{}", consent.text);
    let reply = stack
        .request(
            Method::DELETE,
            &format!("/admin/organizations/{}", id(&org)),
        )
        .bearer(&token)
        .if_match(&org.etag())
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_consent_deleted_meanwhile_fails_the_users_write_and_nothing_changes() {
    use shared::ports::{CustomerUserStore, StoreError};
    let stack = Stack::new().await;
    let (user, _) = stack.storefront_administrator().await;
    let store = &stack.services.store;
    let current = store
        .get_customer_user(id(&user).parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    // As if the consent was listed to the user and deleted before the answer landed.
    let mut changed = current.clone();
    changed.consents = vec![shared::consent::ConsentAcceptance {
        consent_id: shared::domain::ConsentId::generate(),
        name: shared::domain::Name::parse("Gone").unwrap(),
        accepted_at: shared::domain::now(),
    }];
    changed.version += 1;
    let refused = store
        .update_customer_user(&changed, &current, &[], false)
        .await;
    assert!(
        matches!(
            &refused,
            Err(StoreError::Moved(shared::ports::Dependency::Consent))
        ),
        "{refused:?}"
    );
    let after = store.get_customer_user(current.id).await.unwrap().unwrap();
    assert_eq!(after, current);
}

#[tokio::test]
async fn an_answer_names_at_most_thirty_consents() {
    let stack = Stack::new().await;
    let (_, frontend) = stack.storefront_administrator().await;
    let mine = read(&stack, &frontend, "/api/me/consents").await;
    let many: Vec<String> = (0..31)
        .map(|_| shared::domain::ConsentId::generate().to_string())
        .collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let refused = choose(&stack, &frontend, &mine.etag(), &refs).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.error_fields(), ["accepted"]);
}
