//! Each function declares its routes once, in its route table; the SAM template (events
//! and the API definition) and the cargo-lambda watch router are generated from the
//! functions' OpenAPI documents by `make routes`, and these tests fail while they differ
//! from what it would write. The table's shape must be the one provisioning creates, and
//! the functions' permissions must keep the signing key with the token function.

use std::collections::BTreeSet;

use integration_tests::{
    Route, Stack, function_documents, openapi_document,
    route_files::{self, Generated, documented_routes},
    watch_routes, watch_routes_in, workspace_root,
};
use serde_yaml::Value;
use shared::{
    application::Owner,
    provision::ClientCredentials,
    store::{SIGNING_KEYS, TABLE},
};

fn template() -> Value {
    let text = std::fs::read_to_string(workspace_root().join("infra/template.yaml")).unwrap();
    serde_yaml::from_str(&text).expect("the template is YAML")
}

fn read(file: &str) -> String {
    std::fs::read_to_string(workspace_root().join(file)).unwrap()
}

/// `Cargo.toml` and the template as `make routes` writes them for `documents`.
fn generated(documents: &[(&str, utoipa::openapi::OpenApi)]) -> Generated {
    route_files::generate(
        &read("Cargo.toml"),
        &read("infra/template.yaml"),
        &documented_routes(documents),
    )
    .unwrap_or_else(|error| panic!("{error}"))
}

/// `make routes` runs this with UPDATE_ROUTES set, to write the files.
#[test]
fn generated_route_files_are_current() {
    let generated = generated(&function_documents());
    let files = [
        ("Cargo.toml", &generated.cargo_toml),
        ("infra/template.yaml", &generated.template),
    ];
    if std::env::var("UPDATE_ROUTES").is_ok() {
        for (file, text) in files {
            if read(file) != *text {
                std::fs::write(workspace_root().join(file), text).unwrap();
            }
        }
    }
    let stale: Vec<&str> = files
        .iter()
        .filter(|(file, text)| read(file) != **text)
        .map(|(file, _)| *file)
        .collect();
    assert!(
        stale.is_empty(),
        "the routes of {} differ from the functions' route tables: run `{}` and commit the result",
        stale.join(" and "),
        route_files::COMMAND
    );
}

/// A route added to a function's table: the handler with its `#[utoipa::path]`, and its
/// name in the table.
#[utoipa::path(
    get,
    path = "/admin/widgets/{id}",
    tag = "widgets",
    params(("id" = String, Path, description = "Widget id")),
    responses((status = 200, description = "The widget"))
)]
async fn get_widget(axum::extract::Path(id): axum::extract::Path<String>) -> String {
    format!("widget {id}")
}

fn widgets(table: &mut impl route_table::Table<()>) {
    route_table::routes!(table: get_widget);
}

/// Adding a route is its handler and one entry in a route table: the router serves it,
/// its function's document describes it, and `make routes` puts it in the watch router,
/// the function's events and the API definition.
#[tokio::test]
async fn generated_route_files_gain_a_route_added_to_a_table() {
    use tower::ServiceExt;
    let request = http::Request::builder()
        .uri("/admin/widgets/7")
        .body(axum::body::Body::empty())
        .unwrap();
    let reply = route_table::router(widgets).oneshot(request).await.unwrap();
    assert_eq!(reply.status(), http::StatusCode::OK);

    let mut documents = function_documents();
    let directory = &mut documents
        .iter_mut()
        .find(|(function, _)| *function == "directory")
        .unwrap()
        .1;
    *directory = route_table::openapi(directory.clone(), widgets);
    let added = Route {
        path: "/admin/widgets/{id}".into(),
        method: "GET".into(),
        function: "directory".into(),
    };
    let before: BTreeSet<Route> = watch_routes().into_iter().collect();
    assert!(!before.contains(&added));
    let mut after = before.clone();
    after.insert(added);

    let generated = generated(&documents);
    let watch: BTreeSet<Route> = watch_routes_in(&generated.cargo_toml).into_iter().collect();
    assert_eq!(watch, after, "the watch router");
    let template: Value = serde_yaml::from_str(&generated.template).expect("YAML");
    assert_eq!(template_event_routes(&template), after, "the events");
    assert_eq!(template_api_routes(&template), after, "the API definition");
    assert!(
        generated
            .template
            .contains("\n        GetAdminWidgetsId:\n"),
        "the event is named for its method and path"
    );
    // Nothing else changes: the files without the route are the files with it, less the
    // route's lines (one in the watch router, an event of six, a path of seven).
    let current = self::generated(&function_documents());
    assert_eq!(
        added_lines(&current.cargo_toml, &generated.cargo_toml),
        Some(1)
    );
    assert_eq!(
        added_lines(&current.template, &generated.template),
        Some(6 + 7)
    );
}

/// How many lines `new` has besides those of `old`, if it has all of them in order.
fn added_lines(old: &str, new: &str) -> Option<usize> {
    let mut new_lines = new.lines();
    for line in old.lines() {
        new_lines.by_ref().find(|l| *l == line)?;
    }
    Some(new.lines().count() - old.lines().count())
}

/// Every route has a sample API Gateway payload in events/, named for its function
/// (`events.rs` sends each through its function).
#[test]
fn every_route_has_an_event_payload() {
    let mut payloads = BTreeSet::new();
    for entry in std::fs::read_dir(workspace_root().join("events")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let event: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let route_key = event["routeKey"].as_str().expect("routeKey").to_owned();
        payloads.insert((route_key, name));
    }
    for route in documented_routes(&function_documents()) {
        let key = format!("{} {}", route.method, route.path);
        assert!(
            payloads
                .iter()
                .any(|(k, name)| *k == key && name.starts_with(&format!("{}-", route.function))),
            "{key}: no events/{}-*.json with this routeKey",
            route.function
        );
    }
}

fn resources(template: &Value) -> &serde_yaml::Mapping {
    template["Resources"].as_mapping().expect("Resources")
}

/// Routes from the functions' HttpApi events, named by each function's binary.
fn template_event_routes(template: &Value) -> BTreeSet<Route> {
    let mut routes = BTreeSet::new();
    for (_, resource) in resources(template) {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let function = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .expect("a binary")
            .to_owned();
        for (_, event) in resource["Properties"]["Events"]
            .as_mapping()
            .expect("events")
        {
            assert_eq!(event["Type"].as_str(), Some("HttpApi"));
            routes.insert(Route {
                path: event["Properties"]["Path"].as_str().unwrap().to_owned(),
                method: event["Properties"]["Method"]
                    .as_str()
                    .unwrap()
                    .to_uppercase(),
                function: function.clone(),
            });
        }
    }
    routes
}

/// Routes from the HttpApi's definition, with the function named in each integration.
fn template_api_routes(template: &Value) -> BTreeSet<Route> {
    let api = resources(template)
        .values()
        .find(|r| r["Type"].as_str() == Some("AWS::Serverless::HttpApi"))
        .expect("an HttpApi");
    let mut routes = BTreeSet::new();
    for (path, methods) in api["Properties"]["DefinitionBody"]["paths"]
        .as_mapping()
        .expect("paths")
    {
        for (method, operation) in methods.as_mapping().unwrap() {
            let uri = serde_yaml::to_string(&operation["x-amazon-apigateway-integration"]["uri"])
                .unwrap();
            let function = uri
                .split(":function:${AWS::StackName}-")
                .nth(1)
                .and_then(|rest| rest.split('/').next())
                .expect("an integration with a function of this stack")
                .to_owned();
            routes.insert(Route {
                path: path.as_str().unwrap().to_owned(),
                method: method.as_str().unwrap().to_uppercase(),
                function,
            });
        }
    }
    routes
}

fn without_functions(routes: &BTreeSet<Route>) -> BTreeSet<(String, String)> {
    routes
        .iter()
        .map(|r| (r.path.clone(), r.method.clone()))
        .collect()
}

#[test]
fn template_watch_router_and_openapi_serve_the_same_routes() {
    let template = template();
    let watch: BTreeSet<Route> = watch_routes().into_iter().collect();
    assert!(watch.len() >= 23);
    assert_eq!(
        template_event_routes(&template),
        watch,
        "template events vs Cargo.toml watch router"
    );
    assert_eq!(
        template_api_routes(&template),
        watch,
        "template API definition vs Cargo.toml watch router"
    );

    let document = serde_json::to_value(openapi_document()).unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((path.clone(), method.to_uppercase()));
        }
    }
    assert_eq!(
        documented,
        without_functions(&watch),
        "OpenAPI paths vs the route table"
    );
    let served: BTreeSet<Route> = documented_routes(&function_documents())
        .into_iter()
        .collect();
    assert_eq!(
        served, watch,
        "the functions' route tables vs the route table"
    );
}

#[test]
fn the_template_declares_the_table_provisioning_creates() {
    let template = template();
    let table = resources(&template)
        .values()
        .find(|r| r["Type"].as_str() == Some("AWS::DynamoDB::Table"))
        .expect("a table");
    let props = &table["Properties"];
    let attributes: Vec<(&str, &str)> = props["AttributeDefinitions"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["AttributeName"].as_str().unwrap(),
                a["AttributeType"].as_str().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(&str, &str)> = TABLE
        .key_attributes()
        .into_iter()
        .map(|a| (a, "S"))
        .collect();
    assert_eq!(attributes, expected);
    let key = |schema: &Value| -> Vec<(String, String)> {
        schema
            .as_sequence()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k["AttributeName"].as_str().unwrap().to_owned(),
                    k["KeyType"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let pair = |pk: &str, sk: &str| {
        vec![
            (pk.to_owned(), "HASH".to_owned()),
            (sk.to_owned(), "RANGE".to_owned()),
        ]
    };
    assert_eq!(
        key(&props["KeySchema"]),
        pair(TABLE.partition_key, TABLE.sort_key)
    );
    let indexes = props["GlobalSecondaryIndexes"].as_sequence().unwrap();
    assert_eq!(indexes.len(), TABLE.indexes.len());
    for (declared, defined) in indexes.iter().zip(TABLE.indexes) {
        assert_eq!(declared["IndexName"].as_str(), Some(defined.name));
        assert_eq!(
            key(&declared["KeySchema"]),
            pair(defined.partition_key, defined.sort_key)
        );
        assert_eq!(
            declared["Projection"]["ProjectionType"].as_str(),
            Some("ALL")
        );
    }
    assert_eq!(props["BillingMode"].as_str(), Some("PAY_PER_REQUEST"));
    assert_eq!(
        props["TimeToLiveSpecification"]["AttributeName"].as_str(),
        Some(TABLE.ttl_attribute)
    );
    assert_eq!(
        props["TimeToLiveSpecification"]["Enabled"].as_bool(),
        Some(true)
    );
}

/// Every statement of a function's inline policies with `effect`, and its actions.
fn statements<'a>(function: &'a Value, effect: &str) -> Vec<(&'a Value, Vec<&'a str>)> {
    let mut found = Vec::new();
    for policy in function["Properties"]["Policies"].as_sequence().unwrap() {
        for statement in policy["Statement"].as_sequence().into_iter().flatten() {
            if statement["Effect"].as_str() != Some(effect) {
                continue;
            }
            let actions = match &statement["Action"] {
                Value::String(one) => vec![one.as_str()],
                many => many
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap())
                    .collect(),
            };
            found.push((statement, actions));
        }
    }
    found
}

fn names(value: &Value, resource: &str) -> bool {
    serde_yaml::to_string(value).unwrap().contains(resource)
}

const WRITES: [&str; 4] = [
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
];

#[test]
fn only_the_token_function_reads_the_signing_key_or_writes_published_keys() {
    let template = template();
    let writes = WRITES;
    let mut functions = 0;
    for (name, function) in resources(&template) {
        if function["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        functions += 1;
        let name = name.as_str().unwrap();
        let token = name == "TokenFunction";
        let reads_key = statements(function, "Allow")
            .iter()
            .any(|(statement, actions)| {
                actions.contains(&"secretsmanager:GetSecretValue")
                    && names(&statement["Resource"], "SigningKeySecret")
            });
        assert_eq!(reads_key, token, "{name}: the signing-key secret");
        let lists_versions: Vec<_> = statements(function, "Allow")
            .into_iter()
            .filter(|(_, actions)| actions.contains(&"secretsmanager:DescribeSecret"))
            .collect();
        if token {
            let [(statement, actions)] = lists_versions.as_slice() else {
                panic!("{name}: one statement lets it list the signing key's versions")
            };
            assert_eq!(actions, &["secretsmanager:DescribeSecret"]);
            assert!(names(&statement["Resource"], "SigningKeySecret"));
            assert!(!names(&statement["Resource"], "ClientSecretPepper"));
        } else {
            assert!(lists_versions.is_empty(), "{name}: DescribeSecret");
        }
        let writes_table = statements(function, "Allow")
            .iter()
            .any(|(_, actions)| actions.iter().any(|a| writes.contains(a)));
        if writes_table && !token {
            assert!(
                names(&function["Properties"]["Policies"], "PublishedKeysReadOnly"),
                "{name} writes the table, so it must be denied the published keys"
            );
        }
    }
    assert_eq!(functions, 7);

    let deny = &resources(&template)["PublishedKeysReadOnly"]["Properties"]["PolicyDocument"]["Statement"]
        [0];
    assert_eq!(deny["Effect"].as_str(), Some("Deny"));
    let denied: Vec<&str> = deny["Action"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(denied, writes);
    assert_eq!(
        deny["Condition"]["ForAnyValue:StringEquals"]["dynamodb:LeadingKeys"][0].as_str(),
        Some(SIGNING_KEYS),
        "the partition the code publishes keys in"
    );
}

/// The partition-key patterns a function's DynamoDB statements allow it to write. Every
/// DynamoDB statement must name its partitions.
fn writable_partitions(function: &Value) -> Vec<String> {
    let mut writable = Vec::new();
    for (statement, actions) in statements(function, "Allow") {
        if !actions.iter().any(|a| a.starts_with("dynamodb:")) {
            continue;
        }
        let condition = &statement["Condition"];
        let patterns = condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
            .as_sequence()
            .or_else(|| {
                condition["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"].as_sequence()
            })
            .unwrap_or_else(|| panic!("{actions:?} must be limited to named partitions"));
        if actions.iter().any(|a| WRITES.contains(a)) {
            writable.extend(patterns.iter().map(|p| p.as_str().unwrap().to_owned()));
        }
    }
    writable
}

fn matches(pattern: &str, pk: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => pk.starts_with(prefix),
        None => pk == pattern,
    }
}

/// The token function answers the internet, so its policy lets it reach only the
/// partitions it serves. A token request that wrote anywhere else would be refused on
/// AWS: this test makes the requests that write and checks each written item against
/// the template.
#[tokio::test]
async fn the_token_function_writes_only_the_partitions_its_policy_names() {
    let template = template();
    let writable = writable_partitions(&resources(&template)["TokenFunction"]);
    assert!(writable.iter().any(|p| p == SIGNING_KEYS), "{writable:?}");

    let stack = Stack::new().await;
    let owner = Owner::Backend {
        user_id: stack.provisioned.admin_user_id,
    };
    let (_, credentials) = stack.application(owner, &[]).await;
    let before = stack.table_items().await;
    let wrong = ClientCredentials {
        client_id: credentials.client_id.clone(),
        client_secret: format!("{}x", credentials.client_secret),
    };
    stack.try_token(&wrong, None).await;
    stack.token(&credentials, None).await;

    let written: Vec<String> = stack
        .table_items()
        .await
        .into_iter()
        .filter(|item| !before.contains(item))
        .map(|item| item[TABLE.partition_key].as_s().unwrap().to_owned())
        .collect();
    assert!(
        written.len() >= 2,
        "the application and the source's failure counter: {written:?}"
    );
    for pk in &written {
        assert!(
            writable.iter().any(|pattern| matches(pattern, pk)),
            "{pk} is outside {writable:?}"
        );
    }
}

/// The name a `!Ref` names.
pub(crate) fn reference(value: &Value) -> Option<&str> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "Ref" => tagged.value.as_str(),
        _ => None,
    }
}

/// What a production stack needs besides the routes: every function logs to a group the
/// stack made with a retention, mail goes out from MailFrom only, the table cannot be
/// deleted by accident, and the API throttles and keeps an access log.
#[test]
fn the_template_keeps_its_production_safeguards() {
    let template = template();
    let resources = resources(&template);
    let mut functions = 0;
    for (name, function) in resources {
        if function["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        functions += 1;
        let name = name.as_str().unwrap();
        let group = reference(&function["Properties"]["LoggingConfig"]["LogGroup"])
            .unwrap_or_else(|| panic!("{name} names its log group"));
        let group = &resources[group];
        assert_eq!(
            group["Type"].as_str(),
            Some("AWS::Logs::LogGroup"),
            "{name}"
        );
        assert_eq!(
            reference(&group["Properties"]["RetentionInDays"]),
            Some("LogRetentionDays"),
            "{name}"
        );
        assert_eq!(
            group["DeletionPolicy"].as_str(),
            Some("Retain"),
            "{name}'s log outlives the stack"
        );
        assert_eq!(
            group["UpdateReplacePolicy"].as_str(),
            Some("Retain"),
            "{name}"
        );
        for (statement, actions) in statements(function, "Allow") {
            // SES v2 SendEmail, raw content included, is authorized by ses:SendEmail.
            assert!(
                !actions.contains(&"ses:SendRawEmail"),
                "{name}: only SES v2 SendEmail is called"
            );
            if actions.iter().any(|a| a.starts_with("ses:")) {
                assert_eq!(
                    reference(&statement["Condition"]["StringEquals"]["ses:FromAddress"]),
                    Some("MailFrom"),
                    "{name} sends from MailFrom only"
                );
            }
        }
    }
    assert_eq!(functions, 7);
    assert_eq!(
        resources["Table"]["Properties"]["DeletionProtectionEnabled"].as_bool(),
        Some(true)
    );
    let api = &resources["HttpApi"]["Properties"];
    let throttle = &api["DefaultRouteSettings"];
    assert_eq!(
        reference(&throttle["ThrottlingRateLimit"]),
        Some("ApiRateLimit")
    );
    assert_eq!(
        reference(&throttle["ThrottlingBurstLimit"]),
        Some("ApiBurstLimit")
    );
    assert!(!matches!(
        api["AccessLogSettings"]["DestinationArn"],
        Value::Null
    ));
    assert_eq!(
        resources["ApiAccessLog"]["DeletionPolicy"].as_str(),
        Some("Retain")
    );
    let access_log = api["AccessLogSettings"]["Format"].as_str().unwrap();
    for variable in ["$context.responseLatency", "$context.requestTime"] {
        assert!(
            access_log.contains(variable),
            "the access log has {variable}"
        );
    }
    super::operations::assert_operable(&template, resources);
    for route in api["RouteSettings"].as_mapping().unwrap().keys() {
        let (method, path) = route.as_str().unwrap().split_once(' ').unwrap();
        assert!(
            template_api_routes(&template)
                .iter()
                .any(|r| r.method == method && r.path == path),
            "{method} {path}: throttled routes are routes"
        );
    }
}
