//! A list page costs the same item reads at 100 rows and at 100,000: the customer-user
//! grid's first page of 20, for each of its filters, counted as DynamoDB reports it
//! (ScannedCount, the items it read, not only those it returned) through the real
//! adapter, before and after the table grows a thousandfold. Run with `make bench`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use integration_tests::Stack;
use shared::domain::{CustomerId, CustomerUserId};

const SMALL: usize = 100;
const LARGE: usize = 100_000;
/// Users written through the adapter; the rest are copies of them.
const TEMPLATES: usize = 6;
/// BatchWriteItem requests in flight at once.
const IN_FLIGHT: usize = 8;

type Item = HashMap<String, AttributeValue>;

/// `value` with every string in it (keys, index keys, nested values) rewritten.
fn rewrite(value: &AttributeValue, swaps: &[(String, String)]) -> AttributeValue {
    match value {
        AttributeValue::S(text) => AttributeValue::S(
            swaps
                .iter()
                .fold(text.clone(), |text, (from, to)| text.replace(from, to)),
        ),
        AttributeValue::M(map) => AttributeValue::M(
            map.iter()
                .map(|(k, v)| (k.clone(), rewrite(v, swaps)))
                .collect(),
        ),
        AttributeValue::L(list) => {
            AttributeValue::L(list.iter().map(|v| rewrite(v, swaps)).collect())
        }
        other => other.clone(),
    }
}

/// Every item the adapter wrote for the seeded user with this email (its profile and
/// its email guard), and the user's id.
fn items_of(table: &[Item], email: &str) -> (String, Vec<Item>) {
    let id = table
        .iter()
        .find(|item| item.get("email_lc").and_then(|v| v.as_s().ok()) == Some(&email.to_owned()))
        .and_then(|item| item.get("id")?.as_s().ok().cloned())
        .expect("the seeded profile");
    let mentions = |item: &&Item| {
        item.values()
            .any(|v| v.as_s().is_ok_and(|s| s.contains(&id) || s.contains(email)))
    };
    let items = table.iter().filter(mentions).cloned().collect();
    (id, items)
}

/// Grows the stack to `LARGE` users: copies of the first seeded users, each with a new
/// id and email, written with BatchWriteItem (a transaction per user would take hours
/// on the emulator, which copies its tables for every transaction).
async fn grow(stack: &Stack) {
    let table = stack.table_items().await;
    let templates: Vec<(String, String, Vec<Item>)> = (0..TEMPLATES)
        .map(|i| {
            let email = format!("p{i:04}@example.com");
            let (id, items) = items_of(&table, &email);
            (id, email, items)
        })
        .collect();
    let copies = (0..LARGE - SMALL).flat_map(|n| {
        let (id, email, items) = &templates[n % TEMPLATES];
        let swaps = [
            (id.clone(), CustomerUserId::generate().to_string()),
            (email.clone(), format!("pc{n:06}@example.com")),
        ];
        items
            .iter()
            .map(|item| {
                item.iter()
                    .map(|(k, v)| (k.clone(), rewrite(v, &swaps)))
                    .collect::<Item>()
            })
            .collect::<Vec<_>>()
    });
    let requests: Vec<WriteRequest> = copies
        .map(|item| {
            WriteRequest::builder()
                .put_request(PutRequest::builder().set_item(Some(item)).build().unwrap())
                .build()
        })
        .collect();
    let mut batches = requests.chunks(25).map(<[WriteRequest]>::to_vec);
    let mut running = tokio::task::JoinSet::new();
    loop {
        while running.len() < IN_FLIGHT {
            let Some(batch) = batches.next() else { break };
            let client = stack.services.store.client().clone();
            let table = stack.services.store.table_name().to_owned();
            running.spawn(async move {
                let mut pending = HashMap::from([(table, batch)]);
                while !pending.is_empty() {
                    let output = client
                        .batch_write_item()
                        .set_request_items(Some(pending))
                        .send()
                        .await
                        .expect("a batch write to the emulator");
                    pending = output.unprocessed_items.unwrap_or_default();
                }
            });
        }
        match running.join_next().await {
            Some(done) => done.expect("a batch write task"),
            None => break,
        }
    }
}

async fn costs(stack: &Stack, customer: CustomerId) -> Vec<(String, u64)> {
    let mut costs = Vec::new();
    for (label, query) in stack.grid_queries(customer, "p") {
        costs.push((label, stack.page_cost(&query).await));
    }
    costs
}

/// 100000 as "100,000".
fn thousands(n: usize) -> String {
    match n {
        0..1000 => n.to_string(),
        _ => format!("{},{:03}", thousands(n / 1000), n % 1000),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let stack = Stack::new().await;
    let customer: CustomerId = stack.customer("Pages").await.parse().unwrap();
    stack.seed_customer_users(customer, SMALL, "p").await;
    let small = costs(&stack, customer).await;
    grow(&stack).await;
    let large = costs(&stack, customer).await;

    let (small_label, large_label) = (thousands(SMALL), thousands(LARGE));
    println!(
        "| customer-user grid, first page of 20 | items read at {small_label} users | at {large_label} users |"
    );
    println!("|---|---|---|");
    for ((label, at_small), (_, at_large)) in small.iter().zip(&large) {
        println!("| {label} | {at_small} | {at_large} |");
    }
    let same = small == large;
    println!(
        "\nList pages cost the same reads at {small_label} and {large_label} users: {}",
        if same {
            "yes (target met)"
        } else {
            "NO (target missed)"
        }
    );
}
