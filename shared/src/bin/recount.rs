//! Sets every counter of the table `TABLE_NAME` from the records it counts, and prints
//! those it corrected. Run it once after an upgrade that added a counter, while nothing
//! writes to the table. AWS credentials and region come from the usual chain (profile,
//! SSO, environment), as for the AWS CLI.

use shared::{aws::operator_sdk_config, store::DynamoStore};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let table = std::env::var("TABLE_NAME")
        .map_err(|_| "set TABLE_NAME to the table to recount (the stack output TableName)")?;
    let sdk = operator_sdk_config().await?;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &table);
    let corrected = store.recount().await?;
    for c in &corrected {
        let was = c.was.map_or_else(|| "none".to_owned(), |v| v.to_string());
        println!("{} {}: {was} -> {}", c.pk, c.counter, c.now);
    }
    println!("table {table}: {} counter(s) corrected", corrected.len());
    Ok(())
}
