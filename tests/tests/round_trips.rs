//! AWS round trips per request, counted by the emulator at the wire. Prints the table
//! that `docs/performance.md` shows, holds the token endpoint to one DynamoDB call and
//! every admin read to two.
//! One test in this binary, so no other request is counted with it.

use std::collections::BTreeMap;

use http::{Method, StatusCode};
use integration_tests::{Stack, emulator, workspace_root};
use serde_json::json;

type Rows = Vec<(String, Option<StatusCode>, BTreeMap<String, u64>)>;

async fn calls_since_reset() -> BTreeMap<String, u64> {
    serde_json::from_value(emulator("GET", "/_calls").await).unwrap_or_default()
}

async fn count(label: &str, call: integration_tests::Call<'_>, rows: &mut Rows) {
    emulator("POST", "/_calls/reset").await;
    let reply = call.send().await;
    let calls = calls_since_reset().await;
    assert!(reply.status.as_u16() < 500, "{label}: {}", reply.text);
    rows.push((label.to_owned(), Some(reply.status), calls));
}

/// What a container reads before its first request: the token function's keys (the
/// keys are published already, as in every start-up but the first after a rotation),
/// and the public keys of every other function. Also what the token function reads when
/// it refreshes its keys (every `KEY_REFRESH_SECONDS`) and no rotation happened.
async fn count_start_ups(stack: &Stack, rows: &mut Rows) {
    emulator("POST", "/_calls/reset").await;
    let ring = stack.services.signing_keys().await;
    ring.get().await.unwrap();
    rows.push((
        "start-up: token function keys".into(),
        None,
        calls_since_reset().await,
    ));
    emulator("POST", "/_calls/reset").await;
    ring.refresh_soon().await.unwrap();
    rows.push((
        "refresh: token function keys".into(),
        None,
        calls_since_reset().await,
    ));
    emulator("POST", "/_calls/reset").await;
    stack.services.verifier().await;
    rows.push((
        "start-up: public keys of every other function".into(),
        None,
        calls_since_reset().await,
    ));
}

#[tokio::test]
async fn round_trips_per_route() {
    let stack = Stack::new().await;
    let admin = stack.admin_token().await;
    let (boss, frontend) = stack.storefront_administrator().await;
    let customer = boss.json["customer_id"].as_str().unwrap().to_owned();
    let user = boss.json["id"].as_str().unwrap().to_owned();
    // The first token of a client also writes last_used_at; the table shows the steady state.
    stack.token(&stack.admin, None).await;

    let mut rows = Vec::new();
    let success = stack.request(Method::POST, "/oauth2-token").form(&[
        ("grant_type", "client_credentials"),
        ("client_id", &stack.admin.client_id),
        ("client_secret", &stack.admin.client_secret),
    ]);
    count("POST /oauth2-token (success)", success, &mut rows).await;
    let wrong = stack.request(Method::POST, "/oauth2-token").form(&[
        ("grant_type", "client_credentials"),
        ("client_id", &stack.admin.client_id),
        ("client_secret", "wrong"),
    ]);
    count("POST /oauth2-token (wrong secret)", wrong, &mut rows).await;
    count(
        "GET /.well-known/jwks.json",
        stack.request(Method::GET, "/.well-known/jwks.json"),
        &mut rows,
    )
    .await;
    count(
        "GET /admin/customers",
        stack
            .request(Method::GET, "/admin/customers")
            .bearer(&admin),
        &mut rows,
    )
    .await;
    count(
        "GET /admin/customers/{id}",
        stack
            .request(Method::GET, &format!("/admin/customers/{customer}"))
            .bearer(&admin),
        &mut rows,
    )
    .await;
    count(
        "POST /admin/customers",
        stack
            .request(Method::POST, "/admin/customers")
            .bearer(&admin)
            .json(&json!({"name": "Counted"})),
        &mut rows,
    )
    .await;
    count(
        "GET /admin/customer-users",
        stack
            .request(Method::GET, "/admin/customer-users")
            .bearer(&admin),
        &mut rows,
    )
    .await;
    count(
        "GET /admin/customer-users?customer_id=",
        stack
            .request(
                Method::GET,
                &format!("/admin/customer-users?customer_id={customer}"),
            )
            .bearer(&admin),
        &mut rows,
    )
    .await;
    count(
        "GET /admin/customer-users/{id}",
        stack
            .request(Method::GET, &format!("/admin/customer-users/{user}"))
            .bearer(&admin),
        &mut rows,
    )
    .await;
    count(
        "GET /admin/customer-user-roles",
        stack
            .request(Method::GET, "/admin/customer-user-roles")
            .bearer(&admin),
        &mut rows,
    )
    .await;
    count(
        "GET /admin/customer-user-roles/{id}",
        stack
            .request(
                Method::GET,
                &format!(
                    "/admin/customer-user-roles/{}",
                    stack.provisioned.buyer_role_id
                ),
            )
            .bearer(&admin),
        &mut rows,
    )
    .await;
    count(
        "GET /admin/consents",
        stack.request(Method::GET, "/admin/consents").bearer(&admin),
        &mut rows,
    )
    .await;
    count(
        "GET /admin/customer-users/{id}/consents",
        stack
            .request(
                Method::GET,
                &format!("/admin/customer-users/{user}/consents"),
            )
            .bearer(&admin),
        &mut rows,
    )
    .await;
    count(
        "GET /admin/oauth-applications",
        stack
            .request(Method::GET, "/admin/oauth-applications")
            .bearer(&admin),
        &mut rows,
    )
    .await;
    count(
        "GET /admin/audit-events",
        stack
            .request(Method::GET, "/admin/audit-events")
            .bearer(&admin),
        &mut rows,
    )
    .await;
    count(
        "GET /api/me",
        stack.request(Method::GET, "/api/me").bearer(&frontend),
        &mut rows,
    )
    .await;
    count(
        "GET /api/customer-users",
        stack
            .request(Method::GET, "/api/customer-users")
            .bearer(&frontend),
        &mut rows,
    )
    .await;
    count(
        "GET /api/me/consents",
        stack
            .request(Method::GET, "/api/me/consents")
            .bearer(&frontend),
        &mut rows,
    )
    .await;
    count(
        "POST /customer-user/password-reset/request",
        stack
            .request(Method::POST, "/customer-user/password-reset/request")
            .json(&json!({"email": boss.json["email"]})),
        &mut rows,
    )
    .await;

    count_start_ups(&stack, &mut rows).await;

    let mut table = String::from(
        "| request | status | DynamoDB | other AWS | calls |\n|---|---|---|---|---|\n",
    );
    for (label, status, calls) in &rows {
        let describe = |filter: &dyn Fn(&str) -> bool| {
            calls
                .iter()
                .filter(|(name, _)| filter(name))
                .map(|(name, n)| format!("{} x{n}", name.split(':').nth(1).unwrap_or(name)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let total: u64 = calls.values().sum();
        table.push_str(&format!(
            "| `{label}` | {} | {} | {} | {total} |\n",
            status.map_or("-".to_owned(), |s| s.as_u16().to_string()),
            describe(&|n| n.starts_with("dynamodb:")),
            describe(&|n| !n.starts_with("dynamodb:")),
        ));
        assert!(
            !calls.keys().any(|name| name == "dynamodb:Scan"),
            "{label} scans"
        );
        if label.starts_with("GET /admin") {
            assert!(total <= 2, "{label}: an admin read costs {total} calls");
        }
    }
    println!("{table}");
    std::fs::create_dir_all(workspace_root().join("target")).unwrap();
    std::fs::write(workspace_root().join("target/round-trips.md"), &table).unwrap();

    let token = &rows[0].2;
    assert_eq!(token.get("dynamodb:BatchGetItem"), Some(&1), "{token:?}");
    assert_eq!(
        token.values().sum::<u64>(),
        1,
        "a token costs one DynamoDB call: {token:?}"
    );
    let failure = &rows[1].2;
    assert!(
        failure.keys().all(|n| n.starts_with("dynamodb:")),
        "{failure:?}"
    );

    let [.., (_, _, signer), (_, _, refresh), (_, _, verifier)] = rows.as_slice() else {
        unreachable!("the start-ups are the last rows")
    };
    assert_eq!(
        signer,
        &BTreeMap::from([
            ("dynamodb:Query".to_owned(), 1),
            ("secretsmanager:DescribeSecret".to_owned(), 1),
            ("secretsmanager:GetSecretValue".to_owned(), 1),
        ]),
        "the token function lists the key versions, reads the signing key and what is \
         published, and writes nothing while the published keys are current"
    );
    assert_eq!(
        refresh,
        &BTreeMap::from([
            ("dynamodb:Query".to_owned(), 1),
            ("secretsmanager:DescribeSecret".to_owned(), 1),
        ]),
        "a refresh without a rotation reads no key"
    );
    assert_eq!(
        verifier,
        &BTreeMap::from([("dynamodb:Query".to_owned(), 1)]),
        "verifiers read the public keys in one Query and never read the private ones"
    );
}
