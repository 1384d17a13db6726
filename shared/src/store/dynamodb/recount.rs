//! Sets every counter of the table from the records it counts: what an operator runs
//! once after an upgrade that added a counter (records written before it were never
//! counted), or to repair one. It scans the whole table, so it is a command, never a
//! request path, and it should run while nothing writes (a counter moved during the
//! scan would be set to what the scan saw).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_dynamodb::error::SdkError;
use serde::Deserialize;

use super::{DynamoStore, Item, backend, from_item, key, n};
use crate::{
    application::Owner,
    domain::{ConsentId, CustomerId, RoleId, WebsiteId},
    ports::StoreResult,
    store::item_keys,
};

/// One counter found wrong, and what it was set to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corrected {
    pub pk: String,
    pub counter: &'static str,
    /// As stored; `None` when the record had no such counter yet.
    pub was: Option<i64>,
    pub now: u64,
}

/// The fields of any record that count something, or are counted.
#[derive(Deserialize)]
struct Scanned {
    pk: String,
    sk: String,
    #[serde(default)]
    website_id: Option<WebsiteId>,
    #[serde(default)]
    customer_id: Option<CustomerId>,
    #[serde(default)]
    parent_id: Option<CustomerId>,
    #[serde(default)]
    role_ids: Vec<RoleId>,
    #[serde(default)]
    consents: Vec<Accepted>,
    #[serde(default)]
    owner: Option<Owner>,
    #[serde(default)]
    default_role_id: Option<RoleId>,
    #[serde(flatten)]
    rest: HashMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct Accepted {
    consent_id: ConsentId,
}

/// The counters each kind of record (by sort key) keeps.
const COUNTERS: [(&str, &[&str]); 6] = [
    (item_keys::SK_WEBSITE, &["customer_user_count"]),
    (item_keys::SK_USER, &["application_count"]),
    (item_keys::SK_CUSTOMER_USER, &["application_count"]),
    (item_keys::SK_ROLE, &["user_count", "default_for_websites"]),
    (item_keys::SK_CONSENT, &["acceptance_count"]),
    (
        item_keys::SK_CUSTOMER,
        &["subsidiary_count", "customer_user_count"],
    ),
];

impl DynamoStore {
    /// Counts every record's dependants and sets each counter that differs; returns
    /// those it set.
    pub async fn recount(&self) -> StoreResult<Vec<Corrected>> {
        let mut counted: BTreeMap<(String, &'static str), u64> = BTreeMap::new();
        let mut stored: Vec<(String, String, &'static str, Option<i64>)> = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(backend)?;
            for item in page.items.unwrap_or_default() {
                let record: Scanned = from_item(item)?;
                count(&record, &mut counted);
                if let Some((_, counters)) = COUNTERS.iter().find(|(sk, _)| *sk == record.sk) {
                    for counter in *counters {
                        let was = record
                            .rest
                            .get(*counter)
                            .and_then(serde_json::Value::as_i64);
                        stored.push((record.pk.clone(), record.sk.clone(), counter, was));
                    }
                }
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        let mut corrected = Vec::new();
        for (pk, sk, counter, was) in stored {
            let now = counted.get(&(pk.clone(), counter)).copied().unwrap_or(0);
            if was == Some(now as i64) {
                continue;
            }
            self.set_counter(key(pk.clone(), &sk), counter, now).await?;
            corrected.push(Corrected {
                pk,
                counter,
                was,
                now,
            });
        }
        Ok(corrected)
    }

    async fn set_counter(&self, at: Item, counter: &str, value: u64) -> StoreResult<()> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(at))
            .update_expression("SET #counter = :value")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#counter", counter)
            .expression_attribute_values(":value", n(value))
            .send()
            .await;
        match result {
            // Deleted since the scan: nothing left to count on.
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(())
            }
            other => other.map(|_| ()).map_err(backend),
        }
    }
}

/// Adds what `record` counts towards to `counted`, by the counted record's key.
fn count(record: &Scanned, counted: &mut BTreeMap<(String, &'static str), u64>) {
    let mut add =
        |pk: String, counter: &'static str| *counted.entry((pk, counter)).or_insert(0) += 1;
    match record.sk.as_str() {
        item_keys::SK_CUSTOMER_USER => {
            if let Some(website) = record.website_id {
                add(item_keys::website_pk(website), "customer_user_count");
            }
            if let Some(customer) = record.customer_id {
                add(item_keys::customer_pk(customer), "customer_user_count");
            }
            // Each counted once, as the store counts them, whatever a list repeats.
            let roles: BTreeSet<_> = record.role_ids.iter().collect();
            for role in roles {
                add(item_keys::role_pk(*role), "user_count");
            }
            let consents: BTreeSet<_> = record.consents.iter().map(|a| a.consent_id).collect();
            for consent in consents {
                add(item_keys::consent_pk(consent), "acceptance_count");
            }
        }
        item_keys::SK_WEBSITE => {
            if let Some(role) = record.default_role_id {
                add(item_keys::role_pk(role), "default_for_websites");
            }
        }
        item_keys::SK_CUSTOMER => {
            if let Some(parent) = record.parent_id {
                add(item_keys::customer_pk(parent), "subsidiary_count");
            }
        }
        item_keys::SK_APPLICATION => match record.owner {
            Some(Owner::Backend { user_id }) => {
                add(item_keys::user_pk(user_id), "application_count")
            }
            Some(Owner::Frontend { customer_user_id }) => add(
                item_keys::customer_user_pk(customer_user_id),
                "application_count",
            ),
            None => {}
        },
        _ => {}
    }
}
