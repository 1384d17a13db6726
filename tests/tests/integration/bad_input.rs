//! Bad input gets a clear 4xx naming the problem, and nothing is written.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use http::{Method, StatusCode};
use integration_tests::Stack;
use serde_json::{Value, json};

async fn customer_count(stack: &Stack, token: &str) -> usize {
    let reply = stack
        .request(Method::GET, "/admin/customers?limit=100")
        .bearer(token)
        .send()
        .await;
    reply.json["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn malformed_unknown_mistyped_oversized_and_wrongly_typed_bodies_are_refused() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    // What is wrong, the content type, the body, the answer, and the field it names.
    type Case<'a> = (&'a str, &'a str, Vec<u8>, StatusCode, Option<&'a str>);
    let cases: Vec<Case> = vec![
        (
            "malformed JSON",
            "application/json",
            r#"{"name": "Acme""#.into(),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "unknown field",
            "application/json",
            r#"{"name": "Acme", "nmae": "x"}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("nmae"),
        ),
        (
            "wrong type",
            "application/json",
            r#"{"name": 42}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("name"),
        ),
        (
            "missing field",
            "application/json",
            r#"{}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("name"),
        ),
        (
            "blank name",
            "application/json",
            r#"{"name": "   "}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("name"),
        ),
        (
            "bad id",
            "application/json",
            r#"{"name": "Acme", "parent_id": "nope"}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("parent_id"),
        ),
        (
            "not JSON",
            "text/plain",
            r#"{"name": "Acme"}"#.into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
        ),
        (
            "oversized",
            "application/json",
            format!(r#"{{"name": "{}"}}"#, "a".repeat(70 * 1024)).into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
        ),
        (
            "not UTF-8",
            "application/json",
            b"{\"name\": \"Ac\xffme\"}".to_vec(),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "binary",
            "application/json",
            vec![0x03, 0xff, 0x00, 0x80],
            StatusCode::BAD_REQUEST,
            None,
        ),
    ];
    for (what, content_type, body, status, field) in cases {
        let reply = stack
            .request(Method::POST, "/admin/customers")
            .bearer(&token)
            .raw(content_type, body)
            .send()
            .await;
        assert_eq!(reply.status, status, "{what}: {}", reply.text);
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json"),
            "{what}"
        );
        assert_eq!(reply.json["status"], status.as_u16(), "{what}");
        assert!(
            reply.json["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{what}"
        );
        if let Some(field) = field {
            assert_eq!(reply.error_fields(), [field], "{what}");
        }
    }
    assert_eq!(
        customer_count(&stack, &token).await,
        0,
        "nothing was written"
    );
}

#[tokio::test]
async fn every_invalid_field_is_named_at_once() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let reply = stack
        .request(Method::POST, "/admin/users")
        .bearer(&token)
        .json(&json!({"first_name": "", "last_name": "x".repeat(256), "email": "not-an-email"}))
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.error_fields(), ["first_name", "last_name", "email"]);
    let users = stack
        .request(Method::GET, "/admin/users?email=not")
        .bearer(&token)
        .send()
        .await;
    assert_eq!(users.json["items"], json!([]));
}

#[tokio::test]
async fn bad_query_parameters_are_4xx() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    for query in [
        "limit=0",
        "limit=101",
        "limit=ten",
        "cursor=garbage",
        "cursor=e30",
        "colour=red",
        "parent_id=42",
    ] {
        let reply = stack
            .request(Method::GET, &format!("/admin/customers?{query}"))
            .bearer(&token)
            .send()
            .await;
        assert!(
            reply.status.is_client_error(),
            "{query}: {} {}",
            reply.status,
            reply.text
        );
        assert!(
            !reply.error_fields().is_empty(),
            "{query}: names the parameter"
        );
    }
}

#[tokio::test]
async fn a_cursor_carried_over_to_other_filters_is_a_4xx() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    for name in ["Alpha", "Alps"] {
        stack.customer(name).await;
    }
    let parent = stack.customer("Beta").await;
    let first = stack
        .request(Method::GET, "/admin/customers?name=al&limit=1")
        .bearer(&token)
        .send()
        .await;
    let cursor = first.json["next_cursor"].as_str().expect("a second page");
    let next = stack
        .request(
            Method::GET,
            &format!("/admin/customers?name=al&limit=1&cursor={cursor}"),
        )
        .bearer(&token)
        .send()
        .await;
    assert_eq!(next.json["items"][0]["name"], "Alps", "{}", next.text);
    // The same cursor with its key values emptied or stretched past what DynamoDB takes.
    let forged = |key: &str, value: &str| {
        let mut keys: serde_json::Map<String, Value> =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(cursor).unwrap()).unwrap();
        assert!(keys.contains_key(key), "{keys:?}");
        keys.insert(key.to_owned(), json!(value));
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&keys).unwrap())
    };
    for query in [
        format!("name=be&cursor={cursor}"),
        format!("cursor={cursor}&parent_id={parent}"),
        format!("name=al&cursor={}", forged("sk", "")),
        format!("name=al&cursor={}", forged("pk", "")),
        format!("name=al&cursor={}", forged("gsi1sk", &"al".repeat(600))),
    ] {
        let reply = stack
            .request(Method::GET, &format!("/admin/customers?{query}"))
            .bearer(&token)
            .send()
            .await;
        assert!(
            reply.status.is_client_error(),
            "{query}: {} {}",
            reply.status,
            reply.text
        );
        assert_eq!(reply.error_fields(), ["cursor"], "{query}: {}", reply.text);
    }
}

#[tokio::test]
async fn unknown_ids_and_routes_are_404_problems() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    for path in [
        "/admin/customers/not-a-uuid",
        &format!(
            "/admin/customers/{}",
            shared::domain::CustomerId::generate()
        ),
    ] {
        let reply = stack.request(Method::GET, path).bearer(&token).send().await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json")
        );
    }
}

/// Every list filter by prefix documents its longest value and refuses a longer one by
/// name, before DynamoDB could refuse it; the longest is searched for like any other.
#[tokio::test]
async fn a_prefix_longer_than_any_value_is_refused_by_name() {
    use shared::http::MAX_PREFIX_CHARS;
    let stack = Stack::new().await;
    let admin = stack.admin_token().await;
    let (user, storefront) = stack.storefront_administrator().await;
    let document = serde_json::to_value(integration_tests::openapi_document()).unwrap();
    let mut checked = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        let Some(parameters) = item["get"]["parameters"].as_array() else {
            continue;
        };
        for parameter in parameters {
            let Some(longest) = parameter["schema"]["maxLength"].as_u64() else {
                continue;
            };
            let name = parameter["name"].as_str().unwrap();
            assert_eq!(parameter["in"], "query", "{path} {name}");
            assert_eq!(longest as usize, MAX_PREFIX_CHARS, "{path} {name}");
            let concrete = path
                .replace(
                    "/users/{id}",
                    &format!("/users/{}", stack.provisioned.admin_user_id),
                )
                .replace("{id}", user.json["id"].as_str().unwrap());
            let token = if path.starts_with("/api/") {
                &storefront
            } else {
                &admin
            };
            let ask = |length: usize| {
                let query = format!("{concrete}?{name}={}", "%C3%A9".repeat(length));
                stack.request(Method::GET, &query).bearer(token).send()
            };
            let longest = ask(MAX_PREFIX_CHARS).await;
            assert_eq!(
                longest.status,
                StatusCode::OK,
                "{path} {name}: {}",
                longest.text
            );
            let longer = ask(MAX_PREFIX_CHARS + 1).await;
            assert_eq!(
                longer.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path} {name}: {}",
                longer.text
            );
            assert_eq!(longer.error_fields(), [name], "{path}");
            checked.push(format!("{path} {name}"));
        }
    }
    assert_eq!(checked.len(), 13, "{checked:?}");
}

/// Routes that answer a whole list on one page take no parameters: a `limit` there is
/// refused by name, not silently ignored.
#[tokio::test]
async fn one_page_lists_refuse_paging_parameters() {
    let stack = Stack::new().await;
    let admin = stack.admin_token().await;
    let (user, storefront) = stack.storefront_administrator().await;
    let user_path = format!(
        "/admin/customer-users/{}",
        user.json["id"].as_str().unwrap()
    );
    for (path, token) in [
        (format!("{user_path}/consents"), &admin),
        (format!("{user_path}/addresses"), &admin),
        ("/api/me/consents".to_owned(), &storefront),
    ] {
        let whole = stack.request(Method::GET, &path).bearer(token).send().await;
        assert_eq!(whole.status, StatusCode::OK, "{path}: {}", whole.text);
        let paged = stack
            .request(Method::GET, &format!("{path}?limit=5"))
            .bearer(token)
            .send()
            .await;
        assert_eq!(paged.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_eq!(paged.error_fields(), ["limit"], "{path}: {}", paged.text);
    }
}

/// In a PATCH, `null` removes what can be removed; a field that cannot be removed
/// refuses it by name, where it used to be read as "leave it", and nothing is written.
#[tokio::test]
async fn null_for_a_field_that_cannot_be_removed_is_refused_by_name() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let customer = stack.customer("Nulls").await;
    let path = format!("/admin/customers/{customer}");
    for body in [
        json!({"name": null}),
        json!({"name": "Renamed", "sales_representative_ids": null}),
    ] {
        let refused = stack
            .request(Method::PATCH, &path)
            .bearer(&token)
            .if_match("\"1\"")
            .json(&body)
            .send()
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let field = body
            .as_object()
            .unwrap()
            .iter()
            .find(|(_, v)| v.is_null())
            .unwrap()
            .0;
        assert_eq!(refused.error_fields(), [field.as_str()], "{}", refused.text);
        assert!(refused.text.contains("leave it out"), "{}", refused.text);
    }
    let read = stack
        .request(Method::GET, &path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(
        (read.json["name"].as_str(), read.etag().as_str()),
        (Some("Nulls"), "\"1\"")
    );
    let cleared = stack
        .request(Method::PATCH, &path)
        .bearer(&token)
        .if_match("\"1\"")
        .json(&json!({"parent_id": null}))
        .send()
        .await;
    assert_eq!(
        cleared.status,
        StatusCode::OK,
        "what can be removed takes null: {}",
        cleared.text
    );
}
