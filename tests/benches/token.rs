//! Token issuance cost against its floor, in one run: (a) signing one access token
//! with the same key and library, (b) the CPU this process spends per successful
//! `POST /oauth2-token` through the token function's router and the real DynamoDB
//! adapter (the emulator runs in another process, so its cost is not counted).
//! Beside them, the CPU of one bare DynamoDB read through the SDK: the part of (b)
//! that no code of ours can remove.
//! Figures are medians of several rounds. Run with `make bench`.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use http::{Method, StatusCode};
use integration_tests::Stack;
use shared::{
    application::Owner,
    auth::{KeyKind, Scope, issue},
    domain::now,
    ports::ApplicationStore,
};

const SIGNATURES: u32 = 400;
const REQUESTS: u32 = 100;
/// Each figure is the median of this many rounds: a shared machine has slow spells.
const ROUNDS: usize = 5;

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// CPU time of every thread of this process, in nanoseconds, from
/// /proc/self/task/*/schedstat (clock ticks would be too coarse).
fn process_cpu() -> Duration {
    let nanos = std::fs::read_dir("/proc/self/task")
        .expect("procfs")
        .filter_map(|t| t.ok())
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    Duration::from_nanos(nanos)
}

/// One GetItem of a key that never exists, through the SDK client the store uses.
async fn bare_read(stack: &Stack) {
    stack
        .services
        .store
        .client()
        .get_item()
        .table_name(&stack.services.config.table_name)
        .key("pk", AttributeValue::S("BENCH".into()))
        .key("sk", AttributeValue::S("BENCH".into()))
        .send()
        .await
        .expect("a read of the emulator");
}

async fn measure(stack: &Stack, label: &str) {
    let keys = stack.signing_keys.get().await.expect("keys");
    let owner = Owner::Backend {
        user_id: stack.provisioned.admin_user_id,
    };
    let (application, credentials) = stack.application(owner, &[Scope::DirectoryRead]).await;
    let stored = stack
        .services
        .store
        .get_application(application.id)
        .await
        .unwrap()
        .unwrap();

    // Warm up: the first request writes last_used_at.
    assert_eq!(
        stack.try_token(&credentials, None).await.status,
        StatusCode::OK
    );
    let (mut floors, mut walls, mut sdk_calls, mut requests) = (vec![], vec![], vec![], vec![]);
    for _ in 0..ROUNDS {
        let started = process_cpu();
        let wall = Instant::now();
        for _ in 0..SIGNATURES {
            issue(&keys, "https://bench", &stored, &stored.scopes, now()).unwrap();
        }
        floors.push((process_cpu() - started) / SIGNATURES);
        walls.push(wall.elapsed() / SIGNATURES);

        let started = process_cpu();
        for _ in 0..REQUESTS {
            bare_read(stack).await;
        }
        sdk_calls.push((process_cpu() - started) / REQUESTS);

        let started = process_cpu();
        for _ in 0..REQUESTS {
            let reply = stack
                .request(Method::POST, "/oauth2-token")
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", &credentials.client_id),
                    ("client_secret", &credentials.client_secret),
                ])
                .send()
                .await;
            assert_eq!(reply.status, StatusCode::OK);
        }
        requests.push((process_cpu() - started) / REQUESTS);
    }
    let (floor, floor_wall) = (median(floors), median(walls));
    let (sdk_call, per_request) = (median(sdk_calls), median(requests));
    let ratio = per_request.as_secs_f64() / floor.as_secs_f64();
    println!(
        "{label}: sign {:>7.1} µs CPU ({:.1} µs wall) | one DynamoDB read {:>5.1} µs CPU | request {:>7.1} µs CPU | ratio {:.2} (target <= 1.5) | {:.0} tokens/s per core",
        floor.as_secs_f64() * 1e6,
        floor_wall.as_secs_f64() * 1e6,
        sdk_call.as_secs_f64() * 1e6,
        per_request.as_secs_f64() * 1e6,
        ratio,
        1.0 / per_request.as_secs_f64()
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let stack = Stack::new().await;
    measure(&stack, "RS256").await;
    measure(&stack.rotated("bench-es256", KeyKind::Es256).await, "ES256").await;
}
