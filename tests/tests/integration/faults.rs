//! Dependencies that hang or cannot be reached: each test runs its own emulator (or
//! points one service at one), pauses it (SIGSTOP) or stops it, and checks that the
//! functions answer 503 with `Retry-After` well before their 10 second Lambda timeout,
//! write nothing by halves, and work again as soon as the dependency is back.

use std::time::{Duration, Instant};

use http::{Method, StatusCode};
use integration_tests::{Reply, Stack, captured_logs, emulator::Emulator};
use serde_json::json;

/// Far below the functions' 10 second timeout, far above the SDK's 4 second operation
/// timeout: an answer within it came from the function, not from Lambda ending it.
const ANSWERED_WITHIN: Duration = Duration::from_secs(8);

/// `requests`, failing the test (and resuming the emulator) if they hang.
async fn bounded<T>(requests: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), requests)
        .await
        .expect("the requests answer instead of hanging")
}

/// A stack on `emulator`, sending mail through `mail` if given, with the timeouts a
/// deployed function has (the suite's own are longer, for its shared emulator).
async fn on(emulator: &Emulator, mail: Option<&Emulator>) -> Stack {
    let mut vars = vec![
        ("AWS_ENDPOINT_URL", emulator.endpoint()),
        (shared::aws::ATTEMPT_TIMEOUT_VARIABLE, String::new()),
        (shared::aws::OPERATION_TIMEOUT_VARIABLE, String::new()),
    ];
    if let Some(mail) = mail {
        vars.push(("AWS_ENDPOINT_URL_SESV2", mail.endpoint()));
    }
    Stack::with_vars(&vars).await
}

fn uid() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

fn assert_unavailable(what: &str, reply: &Reply) {
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{what}: {}",
        reply.text
    );
    assert_eq!(reply.header("retry-after"), Some("5"), "{what}");
}

fn assert_problem(what: &str, reply: &Reply) {
    assert_unavailable(what, reply);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json"),
        "{what}"
    );
    assert!(
        !reply.text.contains("DynamoDB") && !reply.text.contains("Secrets"),
        "{what}: the dependency goes to the log only: {}",
        reply.text
    );
}

fn assert_oauth_unavailable(what: &str, reply: &Reply) {
    assert_unavailable(what, reply);
    assert_eq!(
        reply.json["error"], "temporarily_unavailable",
        "{what}: {}",
        reply.text
    );
}

fn new_user(stack: &Stack, customer: &str, email: &str) -> serde_json::Value {
    json!({
        "customer_id": customer,
        "first_name": "Jane",
        "last_name": "Doe",
        "email": email,
        "role_ids": [stack.provisioned.buyer_role_id],
        "send_welcome_email": true,
    })
}

async fn create_user(stack: &Stack, token: &str, body: &serde_json::Value) -> Reply {
    stack
        .request(Method::POST, "/admin/customer-users")
        .bearer(token)
        .json(body)
        .send()
        .await
}

async fn users_with_email(stack: &Stack, token: &str, email: &str) -> usize {
    let reply = stack
        .request(
            Method::GET,
            &format!(
                "/admin/customer-users?email={}",
                integration_tests::encode(email)
            ),
        )
        .bearer(token)
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json["items"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_hung_table_and_secret_store_get_fast_503s_and_the_next_request_works() {
    let logs = captured_logs();
    let emulator = Emulator::start().await;
    let stack = on(&emulator, None).await;
    let admin = stack.admin_token().await;
    let customer = stack.customer(&format!("Faults {}", uid())).await;
    // A token function as a fresh container has it: its pepper not read yet, so its
    // first request reads Secrets Manager.
    let fresh_token = token::router(token::TokenState::new(
        &stack.services,
        stack.signing_keys.clone(),
        stack.services.pepper(),
    ));
    let token_form = [
        ("grant_type", "client_credentials"),
        ("client_id", stack.admin.client_id.as_str()),
        ("client_secret", stack.admin.client_secret.as_str()),
    ];
    let email = format!("paused-{}@example.com", uid());
    let body = new_user(&stack, &customer, &email);

    let paused = emulator.pause();
    let started = Instant::now();
    let (read, write, token, pepper) = bounded(async {
        tokio::join!(
            stack
                .request(Method::GET, "/admin/customers")
                .bearer(&admin)
                .send(),
            create_user(&stack, &admin, &body),
            stack.try_token(&stack.admin, None),
            stack
                .request(Method::POST, "/oauth2-token")
                .form(&token_form)
                .send_to(fresh_token.clone()),
        )
    })
    .await;
    let elapsed = started.elapsed();
    assert_problem("an admin read", &read);
    assert_problem("an admin write", &write);
    assert_oauth_unavailable("a token (DynamoDB)", &token);
    assert_oauth_unavailable("a token (the pepper from Secrets Manager)", &pepper);
    assert!(
        elapsed < ANSWERED_WITHIN,
        "all four answered within {ANSWERED_WITHIN:?}: {elapsed:?}"
    );
    let logged = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    for named in [
        r#""dependency":"DynamoDB","operation":""#,
        r#""dependency":"Secrets Manager","operation":"GetSecretValue""#,
    ] {
        assert!(logged.contains(named), "the log names {named}");
    }
    paused.resume();

    // Back without a restart: the same containers answer.
    let read = stack
        .request(Method::GET, "/admin/customers")
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    let token = stack.try_token(&stack.admin, None).await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.text);
    let pepper = stack
        .request(Method::POST, "/oauth2-token")
        .form(&token_form)
        .send_to(fresh_token)
        .await;
    assert_eq!(pepper.status, StatusCode::OK, "{}", pepper.text);

    // The create that timed out happened whole (the emulator ran it when it resumed)
    // or not at all: never an email taken without its user, or a counter off.
    let again = create_user(&stack, &admin, &body).await;
    let found = users_with_email(&stack, &admin, &email).await;
    match again.status {
        StatusCode::CREATED => assert_eq!(found, 1, "only the new one"),
        StatusCode::CONFLICT => assert_eq!(found, 1, "the email is held by a whole user"),
        other => panic!("{other}: {}", again.text),
    }
    assert_eq!(
        stack.services.store.recount().await.unwrap(),
        Vec::new(),
        "every counter equals a recount"
    );
}

#[tokio::test]
async fn an_unreachable_table_gets_a_fast_503() {
    let emulator = Emulator::start().await;
    let stack = on(&emulator, None).await;
    let admin = stack.admin_token().await;
    let customer = stack.customer(&format!("Faults {}", uid())).await;
    let body = new_user(&stack, &customer, &format!("refused-{}@example.com", uid()));
    emulator.stop();

    let started = Instant::now();
    let (read, write, token) = bounded(async {
        tokio::join!(
            stack
                .request(Method::GET, "/admin/customers")
                .bearer(&admin)
                .send(),
            create_user(&stack, &admin, &body),
            stack.try_token(&stack.admin, None),
        )
    })
    .await;
    let elapsed = started.elapsed();
    assert_problem("an admin read", &read);
    assert_problem("an admin write", &write);
    assert_oauth_unavailable("a token", &token);
    assert!(elapsed < ANSWERED_WITHIN, "{elapsed:?}");
}

#[tokio::test]
async fn a_hung_mail_service_is_a_warning_on_a_kept_change_and_then_mail_goes_again() {
    let (emulator, mail) = tokio::join!(Emulator::start(), Emulator::start());
    // The mail on an emulator of its own (provisioning registers the sender there).
    let stack = on(&emulator, Some(&mail)).await;
    let admin = stack.admin_token().await;
    let customer = stack.customer(&format!("Faults {}", uid())).await;
    let email = format!("unmailed-{}@example.com", uid());

    let paused = mail.pause();
    let started = Instant::now();
    let created = bounded(create_user(
        &stack,
        &admin,
        &new_user(&stack, &customer, &email),
    ))
    .await;
    let elapsed = started.elapsed();
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let warnings = created.json["warnings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(warnings.len(), 1, "{}", created.text);
    assert!(
        warnings[0].as_str().unwrap().contains("could not be sent"),
        "{warnings:?}"
    );
    assert!(elapsed < ANSWERED_WITHIN, "{elapsed:?}");
    assert_eq!(users_with_email(&stack, &admin, &email).await, 1, "kept");
    paused.resume();

    let next = create_user(
        &stack,
        &admin,
        &new_user(&stack, &customer, &format!("mailed-{}@example.com", uid())),
    )
    .await;
    assert_eq!(next.status, StatusCode::CREATED, "{}", next.text);
    assert!(next.json.get("warnings").is_none(), "{}", next.text);
}

#[tokio::test]
async fn an_unreachable_mail_service_is_a_warning_too() {
    let (emulator, mail) = tokio::join!(Emulator::start(), Emulator::start());
    let stack = on(&emulator, Some(&mail)).await;
    let admin = stack.admin_token().await;
    let customer = stack.customer(&format!("Faults {}", uid())).await;
    mail.stop();

    let email = format!("refused-{}@example.com", uid());
    let created = create_user(&stack, &admin, &new_user(&stack, &customer, &email)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(
        created.json["warnings"].as_array().map(Vec::len),
        Some(1),
        "{}",
        created.text
    );
    assert_eq!(users_with_email(&stack, &admin, &email).await, 1);
}
