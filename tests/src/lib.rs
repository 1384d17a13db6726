//! The harness of the integration tests: a provisioned stack of its own per test (a
//! fresh table and secret on the emulator that `make test` starts), and the functions'
//! routers, reached through the same route table as `cargo lambda watch`.

pub mod route_files;

use std::{collections::BTreeMap, path::PathBuf, sync::Arc, time::Duration};

use axum::{Router, body::Body};
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use serde_json::Value;
use shared::{
    application::{Application, Owner, StoredSecret, client_id_of},
    auth::{ClientSecret, KeyKind, Scope, SigningRing, generate_private_key_pem},
    config::Config,
    customer_user::CustomerUser,
    domain::{ApplicationId, CustomerId, CustomerUserId, Email, Name, now},
    http::Verifier,
    key_source::{KeyMaterial, PepperCell},
    paging::PageRequest,
    ports::{ApplicationStore, CustomerUserQuery, CustomerUserStore, LinkStore},
    provision::{ClientCredentials, ProvisionOptions, Provisioned, provision},
    services::Services,
};
use tower::ServiceExt;

pub mod emulator;

pub const ISSUER: &str = "https://api.example.test";

/// The workspace root, where Cargo.toml, events/ and infra/ live.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// One route of the table: a path template, a method and the function serving it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    pub path: String,
    pub method: String,
    pub function: String,
}

/// The cargo-lambda watch router from Cargo.toml.
pub fn watch_routes() -> Vec<Route> {
    let text = std::fs::read_to_string(workspace_root().join("Cargo.toml")).expect("Cargo.toml");
    watch_routes_in(&text)
}

/// The cargo-lambda watch router of a manifest's text.
pub fn watch_routes_in(manifest: &str) -> Vec<Route> {
    let manifest: toml::Value = manifest.parse().expect("Cargo.toml parses");
    let router = manifest["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_table()
        .expect("a watch router table");
    let mut routes = Vec::new();
    for (path, targets) in router {
        for target in targets.as_array().expect("each path maps to a list") {
            routes.push(Route {
                path: path.clone(),
                method: target["method"].as_str().expect("method").to_owned(),
                function: target["function"].as_str().expect("function").to_owned(),
            });
        }
    }
    routes.sort();
    routes
}

fn matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
}

/// A response, with the body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn etag(&self) -> String {
        self.header("etag").expect("an ETag header").to_owned()
    }

    /// The fields named by a problem document's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.json["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub struct Stack {
    pub services: Services,
    /// The token function's keys.
    pub signing_keys: Arc<SigningRing>,
    pub pepper: Arc<PepperCell>,
    pub provisioned: Provisioned,
    pub admin: ClientCredentials,
    routers: BTreeMap<String, Router>,
    routes: Vec<Route>,
    /// Variables that replace the environment's for this stack's SDK configuration
    /// (its own emulator, or one service pointed elsewhere).
    vars: Vars,
}

/// Variables that replace the environment's, by name.
type Vars = Arc<BTreeMap<String, String>>;

fn load(config: Config, vars: &Vars) -> Services {
    let vars = vars.clone();
    Services::load_from(config, move |name| {
        vars.get(name).cloned().or_else(|| std::env::var(name).ok())
    })
    .expect("the SDK configuration")
}

/// Each stack sends from its own verified address, so a test may break its sender
/// without touching another's.
fn config(id: &str) -> Config {
    Config {
        table_name: format!("test-{id}"),
        signing_key_secret_id: format!("test/{id}/signing-key"),
        pepper_secret_id: format!("test/{id}/client-secret-pepper"),
        token_issuer: ISSUER.to_owned(),
        key_refresh: Duration::from_secs(300),
        mail_from: format!("no-reply-{id}@example.com"),
        links: shared::config::LinkLifetimes::default(),
        secret_rotation_grace: Duration::from_secs(24 * 3600),
        default_website_id: None,
    }
}

impl Stack {
    /// A freshly provisioned stack in a table and secret of its own.
    pub async fn new() -> Self {
        Self::build(None, Vars::default()).await
    }

    /// [`Self::new`], with `vars` in place of the environment's: `AWS_ENDPOINT_URL` for
    /// a stack on an emulator of its own, `AWS_ENDPOINT_URL_SESV2` to send mail
    /// through another.
    pub async fn with_vars(vars: &[(&str, String)]) -> Self {
        let vars = vars
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect();
        Self::build(None, Arc::new(vars)).await
    }

    /// A provisioned stack whose signing-key secret was then emptied (`{}`) or deleted,
    /// as after a deployment nobody finished.
    pub async fn without_signing_key(deleted: bool) -> Self {
        Self::build(Some(deleted), Vars::default()).await
    }

    async fn build(remove_key: Option<bool>, vars: Vars) -> Self {
        assert!(
            std::env::var("AWS_ENDPOINT_URL").is_ok(),
            "the integration tests need the local emulator: run them with `make test`"
        );
        let id = uuid::Uuid::now_v7().simple().to_string();
        let config = config(&id);
        let services = load(config.clone(), &vars);
        let options = ProvisionOptions {
            website_url: "https://shop.example.test".into(),
            admin_email: format!("admin-{id}@example.com"),
            known_credentials: None,
        };
        let report = provision(&services, &options).await.expect("provisioning");
        let secrets = secrets_client().await;
        match remove_key {
            None => {}
            Some(true) => {
                secrets
                    .delete_secret()
                    .secret_id(&config.signing_key_secret_id)
                    .force_delete_without_recovery(true)
                    .send()
                    .await
                    .expect("delete the secret");
            }
            Some(false) => {
                secrets
                    .put_secret_value()
                    .secret_id(&config.signing_key_secret_id)
                    .secret_string("{}")
                    .send()
                    .await
                    .expect("empty the secret");
            }
        }
        // Assemble on a second load: the first ran before the signing key existed.
        Self::assemble(config, report.provisioned, report.credentials, vars).await
    }

    /// Rotates the signing key: a new `kind` key named `kid` becomes AWSCURRENT and the
    /// old one AWSPREVIOUS. The stack this returns is a fresh container's view of it.
    pub async fn rotated(&self, kid: &str, kind: KeyKind) -> Self {
        self.services
            .secrets()
            .put(&KeyMaterial {
                kid: kid.into(),
                private_key_pem: generate_private_key_pem(kind).unwrap(),
            })
            .await
            .unwrap();
        self.reloaded().await
    }

    /// The same stack as a fresh container sees it (keys read again).
    pub async fn reloaded(&self) -> Self {
        Self::assemble(
            self.services.config.clone(),
            self.provisioned.clone(),
            self.admin.clone(),
            self.vars.clone(),
        )
        .await
    }

    /// As deployed: the token function reads the private keys and publishes their public
    /// halves, which the other functions read from the table.
    async fn assemble(
        config: Config,
        provisioned: Provisioned,
        admin: ClientCredentials,
        vars: Vars,
    ) -> Self {
        let services = load(config, &vars);
        let signing_keys = services.signing_keys().await;
        let verifier = services.verifier().await;
        let pepper = services.pepper();
        let mut routers = BTreeMap::new();
        routers.insert(
            "token".to_owned(),
            token::router(token::TokenState::new(
                &services,
                signing_keys.clone(),
                pepper.clone(),
            )),
        );
        routers.insert(
            "directory".to_owned(),
            directory::router(directory::DirectoryState::new(&services, verifier.clone())),
        );
        routers.insert(
            "customer-users".to_owned(),
            customer_users::router(customer_users::CustomerUsersState::new(
                &services,
                verifier.clone(),
            )),
        );
        routers.insert(
            "roles".to_owned(),
            roles::router(roles::RolesState::new(&services, verifier.clone())),
        );
        let store = Arc::new(services.store.clone());
        routers.insert(
            "consents".to_owned(),
            consents::router(consents::ConsentsState::new(&services, verifier.clone())),
        );
        routers.insert(
            "oauth-apps".to_owned(),
            oauth_apps::router({
                let mut state = oauth_apps::OauthAppsState::new(&services, verifier.clone());
                // One pepper cell for the stack, as the token function reads the same.
                state.pepper = pepper.clone();
                state
            }),
        );
        routers.insert(
            "confirmation".to_owned(),
            confirmation::router(confirmation_state(&services, &provisioned, verifier, store)),
        );
        Self {
            services,
            signing_keys,
            pepper,
            provisioned,
            admin,
            routers,
            routes: watch_routes(),
            vars,
        }
    }

    /// The confirmation function with `links` in place of the table's links (to see
    /// what a failure of theirs leaves behind).
    pub async fn confirmation_with_links(&self, links: Arc<dyn LinkStore>) -> Router {
        confirmation::router(confirmation_state(
            &self.services,
            &self.provisioned,
            self.services.verifier().await,
            links,
        ))
    }

    /// The router of the function that serves `method path`, as cargo-lambda would pick it.
    pub fn router_for(&self, method: &Method, path: &str) -> Option<Router> {
        let path = path.split('?').next().unwrap_or(path);
        self.routes
            .iter()
            .find(|r| r.method == method.as_str() && matches(&r.path, path))
            .and_then(|r| self.routers.get(&r.function).cloned())
    }

    /// Sends `request` to the function that serves it. Every 201 of every test must say
    /// where the new record is: a `Location` naming its id, on a route that changes it.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let router = self
            .router_for(request.method(), request.uri().path())
            .unwrap_or_else(|| panic!("no function serves {} {}", request.method(), request.uri()));
        let what = format!("{} {}", request.method(), request.uri());
        let reply = send_to(router, request).await;
        if reply.status == StatusCode::CREATED {
            let location = reply
                .header("location")
                .unwrap_or_else(|| panic!("{what}: 201 without Location"));
            let id = reply.json["id"].as_str().unwrap_or_default();
            assert!(
                !id.is_empty() && location.ends_with(&format!("/{id}")),
                "{what}: Location {location} for {id}"
            );
            assert!(
                self.router_for(&Method::PATCH, location).is_some(),
                "{what}: Location {location} is served"
            );
        }
        reply
    }

    pub fn request(&self, method: Method, path: &str) -> Call<'_> {
        Call {
            stack: self,
            builder: Request::builder().method(method).uri(path),
            body: Body::empty(),
        }
    }

    /// A token from the real token endpoint, or the endpoint's error reply.
    pub async fn try_token(&self, credentials: &ClientCredentials, scope: Option<&str>) -> Reply {
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", credentials.client_id.as_str()),
            ("client_secret", credentials.client_secret.as_str()),
        ];
        if let Some(scope) = scope {
            form.push(("scope", scope));
        }
        self.request(Method::POST, "/oauth2-token")
            .form(&form)
            .send()
            .await
    }

    pub async fn token(&self, credentials: &ClientCredentials, scope: Option<&str>) -> String {
        let reply = self.try_token(credentials, scope).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "token request failed: {}",
            reply.text
        );
        reply.json["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// A token of the provisioned administrator: every scope.
    pub async fn admin_token(&self) -> String {
        self.token(&self.admin.clone(), None).await
    }

    /// A new application with `scopes`, owned by `owner`.
    pub async fn application(
        &self,
        owner: Owner,
        scopes: &[Scope],
    ) -> (Application, ClientCredentials) {
        let (application, credentials) = self.unsaved_application(owner, scopes).await;
        self.services
            .store
            .create_application(&application)
            .await
            .expect("create application");
        (application, credentials)
    }

    /// [`Self::application`], not stored yet: as a create request has it in hand.
    pub async fn unsaved_application(
        &self,
        owner: Owner,
        scopes: &[Scope],
    ) -> (Application, ClientCredentials) {
        let secret = ClientSecret::generate();
        let at = now();
        let application = Application {
            id: ApplicationId::generate(),
            organization_id: self.provisioned.organization_id,
            name: Name::parse(&format!("app {}", uuid::Uuid::now_v7())).unwrap(),
            owner,
            scopes: scopes.to_vec(),
            active: true,
            owner_enabled: true,
            secrets: vec![StoredSecret {
                hash: secret.keyed_hash(&self.pepper.get().await.expect("the pepper")),
                expires_at: None,
            }],
            tokens_valid_after: None,
            last_used_at: None,
            auth_failures: Vec::new(),
            created_at: at,
            updated_at: at,
            version: 1,
        };
        let credentials = ClientCredentials {
            client_id: client_id_of(application.id),
            client_secret: secret.expose().to_owned(),
        };
        (application, credentials)
    }

    /// A token with exactly `scopes`, from a new application of the administrator.
    pub async fn token_with(&self, scopes: &[Scope]) -> String {
        let owner = Owner::Backend {
            user_id: self.provisioned.admin_user_id,
        };
        let (_, credentials) = self.application(owner, scopes).await;
        self.token(&credentials, Some(&Scope::join(scopes))).await
    }

    /// The items that still name `id`, but for audit events: the audit log keeps the
    /// history of deleted records, by id only.
    pub async fn items_naming(
        &self,
        id: &str,
    ) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        self.table_items()
            .await
            .into_iter()
            .filter(|item| {
                !item[shared::store::TABLE.partition_key]
                    .as_s()
                    .is_ok_and(|pk| pk.starts_with("AUDIT#"))
            })
            .filter(|item| format!("{item:?}").contains(id))
            .collect()
    }

    /// Every item of this stack's table (tests only: request paths never scan).
    pub async fn table_items(
        &self,
    ) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .services
                .store
                .client()
                .scan()
                .table_name(self.services.store.table_name())
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("scan");
            items.extend(output.items.unwrap_or_default());
            start = output.last_evaluated_key;
            if start.is_none() {
                return items;
            }
        }
    }
}

/// A Secrets Manager client on the emulator, for what tests do behind the adapters' back.
pub async fn secrets_client() -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::new(&shared::aws::sdk_config().expect("the SDK configuration"))
}

/// A request being built.
pub struct Call<'a> {
    stack: &'a Stack,
    builder: http::request::Builder,
    body: Body,
}

impl Call<'_> {
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.builder = self.builder.header(name, value);
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    pub fn if_match(self, etag: &str) -> Self {
        self.header("if-match", etag)
    }

    pub fn json(mut self, value: &Value) -> Self {
        self.builder = self.builder.header(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        self.body = Body::from(value.to_string());
        self
    }

    pub fn raw(mut self, content_type: &str, body: impl Into<Body>) -> Self {
        self.builder = self.builder.header(header::CONTENT_TYPE, content_type);
        self.body = body.into();
        self
    }

    pub fn form(self, pairs: &[(&str, &str)]) -> Self {
        let encoded = serde_urlencoded_pairs(pairs);
        self.raw("application/x-www-form-urlencoded", encoded)
    }

    pub async fn send(self) -> Reply {
        let request = self.builder.body(self.body).expect("a valid request");
        self.stack.send(request).await
    }

    /// Sends it to `router` instead of the function that serves it.
    pub async fn send_to(self, router: Router) -> Reply {
        send_to(
            router,
            self.builder.body(self.body).expect("a valid request"),
        )
        .await
    }
}

async fn send_to(router: Router, request: Request<Body>) -> Reply {
    let response = router
        .oneshot(request)
        .await
        .expect("routers are infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        text,
        json,
    }
}

/// The confirmation function's state over the stack's table, with `links`.
fn confirmation_state(
    services: &Services,
    provisioned: &Provisioned,
    verifier: Arc<Verifier>,
    links: Arc<dyn LinkStore>,
) -> confirmation::ConfirmationState {
    let mut state = confirmation::ConfirmationState::new(services, verifier);
    state.links = links;
    state.default_website_id = Some(provisioned.website_id);
    state
}

fn serde_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes a form value (RFC 3986 unreserved characters stay).
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Each function's OpenAPI document, named by the function's binary: the routes it
/// serves, from its route table.
pub fn function_documents() -> Vec<(&'static str, utoipa::openapi::OpenApi)> {
    use utoipa::OpenApi;
    vec![
        ("token", token::TokenApi::openapi()),
        ("directory", directory::DirectoryApi::openapi()),
        (
            "customer-users",
            customer_users::CustomerUsersApi::openapi(),
        ),
        ("roles", roles::RolesApi::openapi()),
        ("consents", consents::ConsentsApi::openapi()),
        ("confirmation", confirmation::ConfirmationApi::openapi()),
        ("oauth-apps", oauth_apps::OauthAppsApi::openapi()),
    ]
}

/// The API description of every function, as one document: what `openapi.json` holds.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut document = utoipa::openapi::OpenApiBuilder::new()
        .info(
            utoipa::openapi::InfoBuilder::new()
                .title("Customer users back office")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Back-office management of B2B customer users, their companies and OAuth 2.0 applications. \
                     Admin routes take a bearer token from POST /oauth2-token issued to a backend application. \
                     Errors are RFC 9457 problem documents, except the token endpoint's RFC 6749 errors.",
                ))
                .build(),
        )
        .servers(Some(vec![utoipa::openapi::server::Server::new("http://127.0.0.1:9000")]))
        .build();
    for (_, api) in function_documents() {
        document.merge(api);
    }
    utoipa::Modify::modify(&shared::openapi::DomainLimits, &mut document);
    document
}

impl Stack {
    /// A new customer of the provisioned organization, through the API.
    pub async fn customer(&self, name: &str) -> String {
        let token = self.admin_token().await;
        let reply = self
            .request(Method::POST, "/admin/customers")
            .bearer(&token)
            .json(&serde_json::json!({ "name": name }))
            .send()
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json["id"].as_str().unwrap().to_owned()
    }

    /// Writes `count` customer users of `customer` straight through the store adapter
    /// (no password hashing), as a bulk import would. Emails are `{tag}{i:04}@example.com`,
    /// names `{tag}first{i:04}` and `{tag}last{i:04}`; every second user is enabled and
    /// every third confirmed, so each grid filter has matches and misses.
    pub async fn seed_customer_users(&self, customer: CustomerId, count: usize, tag: &str) {
        for i in 0..count {
            let at = now();
            let user = CustomerUser {
                id: CustomerUserId::generate(),
                organization_id: self.provisioned.organization_id,
                customer_id: customer,
                website_id: self.provisioned.website_id,
                name_prefix: None,
                first_name: Name::parse(&format!("{tag}first{i:04}")).unwrap(),
                middle_name: None,
                last_name: Name::parse(&format!("{tag}last{i:04}")).unwrap(),
                name_suffix: None,
                email: Email::parse(&format!("{tag}{i:04}@example.com")).unwrap(),
                birthday: None,
                phone: None,
                sales_representative_ids: vec![],
                preferred_localization: None,
                role_ids: vec![self.provisioned.buyer_role_id],
                enabled: i % 2 == 0,
                confirmed: i % 3 == 0,
                password: None,
                password_reset_required: false,
                addresses: vec![],
                consents: vec![],
                application_count: 0,
                created_at: at,
                updated_at: at,
                version: 1,
            };
            self.services
                .store
                .create_customer_user(&user, None, &[])
                .await
                .unwrap();
        }
    }

    /// The customer-user grid's filters, one query each, for users seeded with `tag`.
    pub fn grid_queries(
        &self,
        customer: CustomerId,
        tag: &str,
    ) -> Vec<(String, CustomerUserQuery)> {
        let all = CustomerUserQuery::of_organization(self.provisioned.organization_id);
        vec![
            ("whole organization".into(), all.clone()),
            (
                "customer_id".into(),
                CustomerUserQuery {
                    customer_id: Some(customer),
                    ..all.clone()
                },
            ),
            (
                "email prefix".into(),
                CustomerUserQuery {
                    email_prefix: Some(tag.to_owned()),
                    ..all.clone()
                },
            ),
            (
                "first_name prefix".into(),
                CustomerUserQuery {
                    first_name_prefix: Some(format!("{tag}first")),
                    ..all.clone()
                },
            ),
            (
                "last_name prefix".into(),
                CustomerUserQuery {
                    last_name_prefix: Some(format!("{tag}last")),
                    ..all.clone()
                },
            ),
            (
                "enabled=true".into(),
                CustomerUserQuery {
                    enabled: Some(true),
                    ..all.clone()
                },
            ),
            (
                "confirmed=false".into(),
                CustomerUserQuery {
                    confirmed: Some(false),
                    ..all
                },
            ),
        ]
    }

    /// Items DynamoDB read (its ScannedCount) for the first page of 20 of `query`.
    pub async fn page_cost(&self, query: &CustomerUserQuery) -> u64 {
        let before = self.services.store.items_read();
        let page = self
            .services
            .store
            .list_customer_users(query, &PageRequest::first(20))
            .await
            .unwrap();
        assert_eq!(page.items.len(), 20);
        self.services.store.items_read() - before
    }

    /// A new enabled customer user with `roles`, through the admin API.
    pub async fn customer_user(
        &self,
        customer_id: &str,
        email: &str,
        roles: &[shared::domain::RoleId],
    ) -> Reply {
        let token = self.admin_token().await;
        let reply = self
            .request(Method::POST, "/admin/customer-users")
            .bearer(&token)
            .json(&serde_json::json!({
                "customer_id": customer_id,
                "first_name": "Test",
                "last_name": "User",
                "email": email,
                "role_ids": roles,
            }))
            .send()
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply
    }

    /// A frontend token for a customer user, from an application it owns.
    pub async fn frontend_token(&self, customer_user_id: &str) -> String {
        let owner = Owner::Frontend {
            customer_user_id: customer_user_id.parse().unwrap(),
        };
        let (_, credentials) = self.application(owner, &[]).await;
        self.token(&credentials, None).await
    }

    /// A customer with an Administrator customer user, and that user's frontend token.
    pub async fn storefront_administrator(&self) -> (Reply, String) {
        let customer = self
            .customer(&format!("Storefront {}", uuid::Uuid::now_v7().simple()))
            .await;
        let email = format!("boss-{}@example.com", uuid::Uuid::now_v7().simple());
        let user = self
            .customer_user(&customer, &email, &[self.provisioned.administrator_role_id])
            .await;
        let token = self.frontend_token(user.json["id"].as_str().unwrap()).await;
        (user, token)
    }
}

/// A plain HTTP/1.1 exchange with the emulator on loopback; the JSON body, if any.
pub async fn emulator(method: &str, path: &str) -> Value {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").expect("the emulator");
    let (method, path) = (method.to_owned(), path.to_owned());
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let host = endpoint.strip_prefix("http://").expect("an http URL").trim_end_matches('/').to_owned();
        let mut stream = std::net::TcpStream::connect(&host).unwrap();
        write!(stream, "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let text = String::from_utf8_lossy(&response).into_owned();
        let (_, body) = text.split_once("\r\n\r\n").unwrap_or(("", ""));
        serde_json::from_str(body).unwrap_or(Value::Null)
    })
    .await
    .unwrap()
}

/// Every message the emulator has sent, raw, from `/moto-api/data.json`.
pub async fn sent_emails() -> Vec<Value> {
    let data = emulator("GET", "/moto-api/data.json").await;
    data["ses"]["RawMessage"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// A sent email, decoded.
#[derive(Debug, Clone)]
pub struct SentEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub raw: String,
}

impl SentEmail {
    /// The one-time token of the link in the text part.
    pub fn link_token(&self) -> String {
        self.text
            .split("token=")
            .nth(1)
            .expect("a link with a token")
            .split(|c: char| c.is_whitespace())
            .next()
            .unwrap()
            .to_owned()
    }
}

/// The messages sent to `recipient`, oldest first.
pub async fn emails_to(recipient: &str) -> Vec<SentEmail> {
    sent_emails()
        .await
        .into_iter()
        .filter(|m| {
            m["destinations"]
                .as_array()
                .is_some_and(|d| d.iter().any(|a| a == recipient))
        })
        .filter_map(|m| m["raw_data"].as_str().map(str::to_owned))
        .map(|raw| {
            let parsed = mail_parser::MessageParser::default()
                .parse(raw.as_bytes())
                .expect("a MIME message");
            SentEmail {
                subject: parsed.subject().unwrap_or_default().to_owned(),
                text: parsed
                    .body_text(0)
                    .map(|t| t.into_owned())
                    .unwrap_or_default(),
                html: parsed
                    .body_html(0)
                    .map(|t| t.into_owned())
                    .unwrap_or_default(),
                raw: raw.clone(),
            }
        })
        .collect()
}

/// Every log line this test process writes, captured from the first call on (the
/// functions log through `tracing`, as in Lambda).
pub fn captured_logs() -> Arc<std::sync::Mutex<Vec<u8>>> {
    static LOGS: std::sync::OnceLock<Arc<std::sync::Mutex<Vec<u8>>>> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let _ = tracing_subscriber::fmt()
            .json()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || LogSink(sink.clone()))
            .try_init();
        buffer
    })
    .clone()
}

struct LogSink(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
