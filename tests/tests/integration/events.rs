//! Every API Gateway payload in events/ goes through its function's router and gets a
//! non-5xx answer; every route has one.

use std::collections::BTreeSet;

use http::Method;
use integration_tests::{Stack, watch_routes, workspace_root};

#[tokio::test]
async fn every_event_is_answered_without_a_server_error() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let frontend = stack.storefront_administrator().await.1;
    let mut covered = BTreeSet::new();
    let mut files: Vec<_> = std::fs::read_dir(workspace_root().join("events"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&file)
            .unwrap()
            .replace("REPLACE_WITH_ACCESS_TOKEN", &token)
            .replace("REPLACE_WITH_FRONTEND_TOKEN", &frontend)
            .replace("REPLACE_WITH_CLIENT_ID", &stack.admin.client_id)
            .replace("REPLACE_WITH_CLIENT_SECRET", &stack.admin.client_secret);
        let event: serde_json::Value = serde_json::from_str(&text).unwrap();
        let route_key = event["routeKey"].as_str().expect("routeKey").to_owned();
        let request =
            lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let method: Method = request.method().clone();
        let path = request.uri().path().to_owned();
        let function = watch_routes()
            .into_iter()
            .find(|r| format!("{} {}", r.method, r.path) == route_key)
            .unwrap_or_else(|| panic!("{name}: {route_key} is not in the route table"))
            .function;
        assert!(
            name.starts_with(&format!("{function}-")),
            "{name} is named for {function}"
        );
        assert!(
            stack.router_for(&method, &path).is_some(),
            "{name}: {method} {path} is routed"
        );
        let reply = stack.send(request.map(axum::body::Body::new)).await;
        assert!(
            reply.status.as_u16() < 500,
            "{name}: {} {}",
            reply.status,
            reply.text
        );
        covered.insert(route_key);
    }
    let routes: BTreeSet<String> = watch_routes()
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(covered, routes, "one event per route");
}
