//! The DynamoDB adapter: records are mapped with `serde_dynamo`, key attributes are added
//! at this edge, uniqueness and counters are kept with conditional transactions.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use async_trait::async_trait;
use aws_sdk_dynamodb::{
    Client,
    error::{DisplayErrorContext, ProvideErrorMetadata, SdkError},
    operation::{
        delete_item::DeleteItemError, put_item::PutItemError,
        transact_write_items::TransactWriteItemsError, update_item::UpdateItemError,
    },
    types::{
        AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, Delete,
        GlobalSecondaryIndex, KeySchemaElement, KeyType, KeysAndAttributes, Projection,
        ProjectionType, Put, ReturnValuesOnConditionCheckFailure, ScalarAttributeType,
        TimeToLiveSpecification, TransactWriteItem, Update,
    },
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Serialize, de::DeserializeOwned};

use super::{
    ApplicationQuery, ApplicationScope, ApplicationStore, CustomerFilter, DirectoryStore,
    GlobalIndex, RoleFilter, StoreError, StoreResult, TABLE,
    keys::{self, ItemKeys},
};
use crate::{
    application::{Application, MAX_APPLICATIONS_PER_OWNER, Owner, too_many_applications},
    auth::lockout,
    directory::{Customer, CustomerUserRole, Organization, User, Website},
    domain::{ApplicationId, CustomerId, OrganizationId, RoleId, UserId, WebsiteId},
    http::{Page, PageRequest},
};

type Item = HashMap<String, AttributeValue>;

mod audit;
mod consents;
#[cfg(test)]
mod contention;
mod customer_users;
mod links;
mod public_keys;
mod recount;
#[cfg(test)]
pub(crate) mod scripted;

pub use recount::Corrected;

/// The store on one DynamoDB table. Cheap to clone; build it once per container.
#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    /// Items read by this store and its clones, for tests and benchmarks that show a
    /// request's cost does not grow with the table.
    items_read: Arc<AtomicU64>,
}

/// One condition of a Query's filter expression, with its placeholders.
struct Filter {
    expression: String,
    names: Vec<(&'static str, &'static str)>,
    values: Vec<(&'static str, AttributeValue)>,
}

fn backend<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    e: SdkError<E, R>,
) -> StoreError {
    // A single-item write that met a transaction in progress on the same item.
    if e.code() == Some("TransactionConflictException") {
        return StoreError::Contention;
    }
    StoreError::Backend(DisplayErrorContext(e).to_string())
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn key(pk: impl Into<String>, sk: &str) -> Item {
    HashMap::from([
        (TABLE.partition_key.to_owned(), s(pk)),
        (TABLE.sort_key.to_owned(), s(sk)),
    ])
}

/// An update that writes a record's item but leaves `counters` as stored: other
/// transactions move them without a version bump, so a change made from an older read
/// neither overwrites them nor has to fail because one moved. Index keys the record no
/// longer has are removed, as a whole-item put would. Conditioned on `expected_version`.
struct KeepingCounters {
    key: Item,
    expression: String,
    names: HashMap<String, String>,
    values: Item,
}

impl KeepingCounters {
    fn new(mut item: Item, counters: &[&str], expected_version: u64) -> Self {
        let key: Item = [TABLE.partition_key, TABLE.sort_key]
            .iter()
            .filter_map(|k| item.remove_entry(*k))
            .collect();
        for counter in counters {
            item.remove(*counter);
        }
        let mut names = HashMap::new();
        let mut values = Item::new();
        let mut set = Vec::new();
        for (i, (name, value)) in item.iter().enumerate() {
            set.push(format!("#a{i} = :a{i}"));
            names.insert(format!("#a{i}"), name.clone());
            values.insert(format!(":a{i}"), value.clone());
        }
        let absent: Vec<&str> = TABLE
            .key_attributes()
            .into_iter()
            .skip(2)
            .filter(|k| !item.contains_key(*k))
            .collect();
        let mut removed = Vec::new();
        for (i, attribute) in absent.into_iter().enumerate() {
            names.insert(format!("#r{i}"), attribute.to_owned());
            removed.push(format!("#r{i}"));
        }
        let mut expression = format!("SET {}", set.join(", "));
        if !removed.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removed.join(", ")));
        }
        values.insert(":expected".to_owned(), n(expected_version));
        Self {
            key,
            expression,
            names,
            values,
        }
    }

    const CONDITION: &str = "version = :expected";

    fn transact_item(self, table: &str) -> StoreResult<TransactWriteItem> {
        let update = Update::builder()
            .table_name(table)
            .set_key(Some(self.key))
            .update_expression(self.expression)
            .condition_expression(Self::CONDITION)
            .set_expression_attribute_names(Some(self.names))
            .set_expression_attribute_values(Some(self.values))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}

/// A record as an item: its serde fields plus the key attributes.
fn to_item<T: Serialize>(record: &T, keys: &ItemKeys) -> StoreResult<Item> {
    let mut item: Item =
        serde_dynamo::to_item(record).map_err(|e| StoreError::Backend(e.to_string()))?;
    item.insert(TABLE.partition_key.to_owned(), s(&keys.pk));
    item.insert(TABLE.sort_key.to_owned(), s(&keys.sk));
    let index_keys = [keys.gsi1.as_ref(), keys.gsi2.as_ref()]
        .into_iter()
        .chain(keys.more.iter().map(Some));
    for (index, value) in TABLE.indexes.iter().zip(index_keys) {
        if let Some((pk, sk)) = value {
            item.insert(index.partition_key.to_owned(), s(pk));
            item.insert(index.sort_key.to_owned(), s(sk));
        }
    }
    Ok(item)
}

/// The guard of an application's name, pointing back at it.
fn app_name_guard_item(application: &Application) -> StoreResult<Item> {
    to_item(
        &serde_json::json!({ "application_id": application.id }),
        &keys::application_name_guard(application),
    )
}

/// The guard of a back-office user's email, pointing back at the user.
fn user_email_guard_item(user: &User) -> StoreResult<Item> {
    to_item(
        &serde_json::json!({ "user_id": user.id }),
        &keys::user_email_guard(&user.email.normalized()),
    )
}

fn from_item<T: DeserializeOwned>(item: Item) -> StoreResult<T> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Backend(format!("unreadable item: {e}")))
}

fn cancelled_reasons(error: &TransactWriteItemsError) -> Option<Vec<String>> {
    match error {
        TransactWriteItemsError::TransactionCanceledException(e) => Some(
            e.cancellation_reasons()
                .iter()
                .map(|r| r.code().unwrap_or("None").to_owned())
                .collect(),
        ),
        _ => None,
    }
}

/// Why DynamoDB cancelled a transaction, from its per-write reasons.
#[derive(Debug, PartialEq, Eq)]
enum Cancellation {
    /// The condition of the write at this index failed: the records say no.
    Condition(usize),
    /// Another transaction or write held one of the items: nothing was written, and
    /// the same transaction may go through when tried again.
    Conflict,
    Other,
}

impl Cancellation {
    fn of(reasons: &[String]) -> Self {
        if let Some(index) = reasons.iter().position(|r| r == "ConditionalCheckFailed") {
            Self::Condition(index)
        } else if reasons.iter().any(|r| r == "TransactionConflict") {
            Self::Conflict
        } else {
            Self::Other
        }
    }
}

/// How many times a transaction is sent when concurrent ones keep cancelling it.
const TRANSACTION_ATTEMPTS: u32 = 3;

/// The pause before sending a cancelled transaction again: 20 ms, then 40 ms, each with
/// up to 20 ms more, so that the requests that collided do not collide again.
fn pause_after(attempt: u32) -> std::time::Duration {
    // Jitter needs no secrecy: the clock's nanoseconds differ between containers.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    std::time::Duration::from_millis(20 << (attempt - 1))
        + std::time::Duration::from_nanos(u64::from(nanos % 20_000_000))
}

/// The fields of an application's owner (a user or a customer user) that its
/// application writes are conditioned on.
#[derive(serde::Deserialize)]
struct OwnerState {
    version: u64,
    enabled: bool,
}

/// What a failed condition on the n-th write of a transaction means.
type Meaning<'a> = &'a (dyn Fn(usize) -> StoreError + Sync);

/// A list of failure times on an item, as [`DynamoStore::count_failure`] keeps it.
struct FailureList {
    attribute: &'static str,
    /// How many failures lock; the list holds up to twice as many between trims.
    limit: usize,
    /// The item's expiry (the source's item only: it exists for its window alone).
    expires_at: Option<i64>,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            items_read: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Items read so far (GetItem hits and items a Query evaluated).
    pub fn items_read(&self) -> u64 {
        self.items_read.load(Ordering::Relaxed)
    }

    fn count_reads(&self, items: u64) {
        self.items_read.fetch_add(items, Ordering::Relaxed);
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }

    /// Creates the table as [`TABLE`] defines it, with TTL on; an existing table is kept.
    pub async fn create_table_if_missing(&self) -> StoreResult<bool> {
        let attribute = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(|e| StoreError::Backend(e.to_string()))
        };
        let key_element = |name: &str, key_type: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(key_type)
                .build()
                .map_err(|e| StoreError::Backend(e.to_string()))
        };
        let mut request = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key_element(TABLE.partition_key, KeyType::Hash)?)
            .key_schema(key_element(TABLE.sort_key, KeyType::Range)?);
        for name in TABLE.key_attributes() {
            request = request.attribute_definitions(attribute(name)?);
        }
        for index in TABLE.indexes {
            request = request.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(index.name)
                    .key_schema(key_element(index.partition_key, KeyType::Hash)?)
                    .key_schema(key_element(index.sort_key, KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(|e| StoreError::Backend(e.to_string()))?,
            );
        }
        match request.send().await {
            Ok(_) => {}
            Err(SdkError::ServiceError(e)) if e.err().is_resource_in_use_exception() => {
                return Ok(false);
            }
            Err(e) => return Err(backend(e)),
        }
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(TABLE.ttl_attribute)
                    .enabled(true)
                    .build()
                    .map_err(|e| StoreError::Backend(e.to_string()))?,
            )
            .send()
            .await
            .map_err(backend)?;
        Ok(true)
    }

    async fn get<T: DeserializeOwned>(&self, pk: String, sk: &str) -> StoreResult<Option<T>> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        self.count_reads(u64::from(output.item.is_some()));
        output.item.map(from_item).transpose()
    }

    fn put_new_item(&self, item: Item) -> StoreResult<TransactWriteItem> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn put_item_unconditionally(&self, item: Item) -> StoreResult<TransactWriteItem> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn put_versioned_item(
        &self,
        item: Item,
        expected_version: u64,
    ) -> StoreResult<TransactWriteItem> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("version = :expected")
            .expression_attribute_values(":expected", n(expected_version))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// A transaction's check that the item `pk`/`sk` meets `condition`, writing nothing.
    fn check_item(
        &self,
        pk: String,
        sk: &str,
        condition: &str,
        values: Item,
    ) -> StoreResult<TransactWriteItem> {
        let mut check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .condition_expression(condition);
        // DynamoDB refuses an empty map of values.
        if !values.is_empty() {
            check = check.set_expression_attribute_values(Some(values));
        }
        let check = check
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    fn delete_item(
        &self,
        pk: String,
        sk: &str,
        condition: Option<(&str, Item)>,
    ) -> StoreResult<TransactWriteItem> {
        let mut delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)));
        if let Some((expression, values)) = condition {
            delete = delete
                .condition_expression(expression)
                .set_expression_attribute_values(Some(values));
        }
        let delete = delete
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// Deletes of applications with their name guards, for an owner's delete. Each is
    /// conditioned on the version found, so one deleted and another created meanwhile
    /// cannot leave the owner's count unmoved and the new one behind.
    fn application_deletes(
        &self,
        applications: &[Application],
    ) -> StoreResult<Vec<TransactWriteItem>> {
        let mut writes = Vec::new();
        for application in applications {
            writes.push(self.delete_item(
                keys::application_pk(application.id),
                keys::SK_APPLICATION,
                Some((
                    "version = :expected",
                    HashMap::from([(":expected".to_owned(), n(application.version))]),
                )),
            )?);
            let guard = keys::application_name_guard(application);
            writes.push(self.delete_item(guard.pk, &guard.sk, None)?);
        }
        Ok(writes)
    }

    fn add_to_counter(
        &self,
        pk: String,
        sk: &str,
        counter: &str,
        delta: i64,
    ) -> StoreResult<TransactWriteItem> {
        self.add_to_counter_if(pk, sk, counter, delta, None)
    }

    /// Takes one from `counter`, which must count at least one: a record that never
    /// counted fails the condition rather than going below zero.
    fn take_from_counter(
        &self,
        pk: String,
        sk: &str,
        counter: &str,
    ) -> StoreResult<TransactWriteItem> {
        let bound = Item::from([(":bound".to_owned(), n(1))]);
        self.add_to_counter_if(pk, sk, counter, -1, Some(("#counter >= :bound", bound)))
    }

    /// [`Self::add_to_counter`], if `condition` (which may name the counter as
    /// `#counter`) also holds.
    fn add_to_counter_if(
        &self,
        pk: String,
        sk: &str,
        counter: &str,
        delta: i64,
        condition: Option<(&str, Item)>,
    ) -> StoreResult<TransactWriteItem> {
        let (expression, mut values) = match condition {
            Some((expression, values)) => {
                (format!("attribute_exists(pk) AND {expression}"), values)
            }
            None => ("attribute_exists(pk)".to_owned(), Item::new()),
        };
        values.insert(":delta".to_owned(), AttributeValue::N(delta.to_string()));
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .update_expression("ADD #counter :delta")
            .condition_expression(expression)
            .expression_attribute_names("#counter", counter)
            .set_expression_attribute_values(Some(values))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Appends `now` to a failure list in one update, so that parallel failures all
    /// count. The list is kept short: once it holds twice its limit, it is rewritten
    /// with the window's newest (unless another request changed it meanwhile, in which
    /// case it is full anyway). The application's list is only counted while the
    /// application exists; the source's item is made on its first failure.
    async fn count_failure(&self, at: Item, list: &FailureList, now: i64) -> StoreResult<()> {
        let exists = if list.expires_at.is_none() {
            "attribute_exists(pk) AND "
        } else {
            ""
        };
        let mut set = vec!["#list = list_append(if_not_exists(#list, :empty), :now)"];
        let mut values = HashMap::from([
            (":empty".to_owned(), AttributeValue::L(Vec::new())),
            (":now".to_owned(), AttributeValue::L(vec![n(now as u64)])),
            (":cap".to_owned(), n(2 * list.limit as u64)),
        ]);
        let mut names = HashMap::from([("#list".to_owned(), list.attribute.to_owned())]);
        if let Some(expires_at) = list.expires_at {
            set.push("#ttl = :ttl");
            set.push("version = if_not_exists(version, :zero)");
            names.insert("#ttl".to_owned(), TABLE.ttl_attribute.to_owned());
            values.insert(":ttl".to_owned(), n(expires_at as u64));
            values.insert(":zero".to_owned(), n(0));
        }
        let appended = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(at.clone()))
            .update_expression(format!("SET {}", set.join(", ")))
            .condition_expression(format!(
                "{exists}(attribute_not_exists(#list) OR size(#list) < :cap)"
            ))
            .set_expression_attribute_names(Some(names.clone()))
            .set_expression_attribute_values(Some(values.clone()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let full = match appended {
            Ok(_) => return Ok(()),
            Err(SdkError::ServiceError(e)) => match e.err() {
                UpdateItemError::ConditionalCheckFailedException(failed) => {
                    // No item: the application is gone, and there is nothing to count.
                    let Some(AttributeValue::L(full)) =
                        failed.item().and_then(|item| item.get(list.attribute))
                    else {
                        return Ok(());
                    };
                    full.clone()
                }
                _ => return Err(backend(SdkError::ServiceError(e))),
            },
            Err(e) => return Err(backend(e)),
        };
        let times: Vec<i64> = full
            .iter()
            .filter_map(|t| t.as_n().ok()?.parse().ok())
            .collect();
        let kept = lockout::with_failure(&times, list.limit, now);
        values.insert(
            ":kept".to_owned(),
            AttributeValue::L(kept.iter().map(|t| n(*t as u64)).collect()),
        );
        values.insert(":read".to_owned(), AttributeValue::L(full));
        set[0] = "#list = :kept";
        for unused in [":empty", ":now", ":cap"] {
            values.remove(unused);
        }
        let rewritten = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(at))
            .update_expression(format!("SET {}", set.join(", ")))
            .condition_expression("#list = :read")
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .send()
            .await;
        match rewritten {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(())
            }
            Err(e) => Err(backend(e)),
        }
    }

    /// The write of an owner's own record (a back-office user or customer user). One
    /// that rewrites the owner's applications (enabling or disabling it) holds only if
    /// the application count is still the one read, so that an application created
    /// meanwhile is not left out; any other leaves the count as stored.
    fn owner_record_write(
        &self,
        item: Item,
        expected_version: u64,
        application_count: u64,
        rewrites_applications: bool,
    ) -> StoreResult<TransactWriteItem> {
        if rewrites_applications {
            self.put_if_count_unmoved(item, expected_version, APPLICATION_COUNT, application_count)
        } else {
            KeepingCounters::new(item, &[APPLICATION_COUNT], expected_version)
                .transact_item(&self.table)
        }
    }

    /// A put, as a write of a transaction, of a record still at `expected_version` whose
    /// `counter` still counts `expected_count` (or was never written).
    fn put_if_count_unmoved(
        &self,
        item: Item,
        expected_version: u64,
        counter: &str,
        expected_count: u64,
    ) -> StoreResult<TransactWriteItem> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(UNMOVED)
            .expression_attribute_names("#counter", counter)
            .expression_attribute_values(":expected", n(expected_version))
            .expression_attribute_values(":count", n(expected_count))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Deletes an owner still at `version` that has exactly the `applications` found
    /// (the index may not show one just created; the count does).
    fn delete_owner_item(
        &self,
        owner: Owner,
        version: u64,
        applications: &[Application],
    ) -> StoreResult<TransactWriteItem> {
        let (pk, sk) = keys::owner_record(owner);
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .condition_expression(UNMOVED)
            .expression_attribute_names("#counter", APPLICATION_COUNT)
            .expression_attribute_values(":expected", n(version))
            .expression_attribute_values(":count", n(applications.len() as u64))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// Why a write conditioned on an owner's version and application count failed.
    async fn owner_conflict(&self, owner: Owner, expected_version: u64) -> StoreResult<StoreError> {
        Ok(match self.owner_state(owner).await?.map(|o| o.version) {
            None => StoreError::NotFound,
            Some(version) if version != expected_version => StoreError::VersionConflict,
            Some(_) => StoreError::Duplicate(APPLICATIONS_MOVED.into()),
        })
    }

    /// What a failed condition on an application's owner is checked against.
    async fn owner_state(&self, owner: Owner) -> StoreResult<Option<OwnerState>> {
        let (pk, sk) = keys::owner_record(owner);
        self.get(pk, sk).await
    }

    /// The count moves of a website's default role: the role it now gives (which must
    /// exist) first, then the one it gave before.
    fn default_role_moves(
        &self,
        website: Option<&Website>,
        previous: Option<&Website>,
    ) -> StoreResult<Vec<TransactWriteItem>> {
        let now = website.and_then(|w| w.default_role_id);
        let before = previous.and_then(|w| w.default_role_id);
        let mut writes = Vec::new();
        if now != before {
            for (role, delta) in [(now, 1), (before, -1)] {
                if let Some(role) = role {
                    writes.push(self.add_to_counter(
                        keys::role_pk(role),
                        keys::SK_ROLE,
                        "default_for_websites",
                        delta,
                    )?);
                }
            }
        }
        Ok(writes)
    }

    /// [`Self::transact`]; if the write at `optional` is the one whose condition failed
    /// (its record is gone, or never counted), once more without it.
    async fn transact_without_if_failed(
        &self,
        writes: Vec<TransactWriteItem>,
        optional: Option<usize>,
        meaning: Meaning<'_>,
    ) -> StoreResult<()> {
        let Some(optional) = optional else {
            return self.transact(writes, meaning).await;
        };
        let failed_there = std::sync::atomic::AtomicBool::new(false);
        let first = self
            .transact(writes.clone(), &|index| {
                if index == optional {
                    failed_there.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                meaning(index)
            })
            .await;
        if !failed_there.load(std::sync::atomic::Ordering::Relaxed) {
            return first;
        }
        let mut writes = writes;
        writes.remove(optional);
        self.transact(writes, &|index| {
            meaning(if index >= optional { index + 1 } else { index })
        })
        .await
    }

    /// Runs writes atomically; the first failed condition is explained by `meaning`. A
    /// transaction cancelled by a concurrent one wrote nothing, so it is sent again.
    async fn transact(
        &self,
        writes: Vec<TransactWriteItem>,
        meaning: Meaning<'_>,
    ) -> StoreResult<()> {
        let request = self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes));
        let mut attempt = 1;
        loop {
            let reasons = match request.clone().send().await {
                Ok(_) => return Ok(()),
                Err(SdkError::ServiceError(e)) => match cancelled_reasons(e.err()) {
                    Some(reasons) => reasons,
                    None => return Err(backend(SdkError::ServiceError(e))),
                },
                Err(e) => return Err(backend(e)),
            };
            match Cancellation::of(&reasons) {
                Cancellation::Condition(index) => return Err(meaning(index)),
                Cancellation::Conflict if attempt < TRANSACTION_ATTEMPTS => {
                    tokio::time::sleep(pause_after(attempt)).await;
                    attempt += 1;
                }
                Cancellation::Conflict => return Err(StoreError::Contention),
                Cancellation::Other => {
                    return Err(StoreError::Backend(format!(
                        "transaction cancelled: {reasons:?}"
                    )));
                }
            }
        }
    }

    /// Writes an item whose key is not taken yet.
    async fn put_new(&self, item: Item) -> StoreResult<()> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), PutItemError::ConditionalCheckFailedException(_)) =>
            {
                Err(StoreError::Duplicate(
                    "a record with this id already exists".into(),
                ))
            }
            Err(e) => Err(backend(e)),
        }
    }

    /// Replaces a record still at `expected_version`; tells a stale version from a
    /// record that is gone.
    async fn put_versioned<T: Serialize>(
        &self,
        record: &T,
        keys: &ItemKeys,
        expected_version: u64,
    ) -> StoreResult<()> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(record, keys)?))
            .condition_expression("version = :expected")
            .expression_attribute_values(":expected", n(expected_version))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) => match e.err() {
                PutItemError::ConditionalCheckFailedException(failed) => {
                    Err(stale_or_gone(failed.item().is_some()))
                }
                _ => Err(backend(SdkError::ServiceError(e))),
            },
            Err(e) => Err(backend(e)),
        }
    }

    /// The items with these keys (at most 100), in one strongly consistent
    /// BatchGetItem; unprocessed keys (throttling) are asked for again. Missing items
    /// are left out, and the order is the service's.
    async fn batch_get(&self, keys: Vec<Item>) -> StoreResult<Vec<Item>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let request = KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .consistent_read(true)
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let mut pending = HashMap::from([(self.table.clone(), request)]);
        let mut found = Vec::new();
        while !pending.is_empty() {
            let output = self
                .client
                .batch_get_item()
                .set_request_items(Some(pending))
                .send()
                .await
                .map_err(backend)?;
            found.extend(
                output
                    .responses
                    .and_then(|mut r| r.remove(&self.table))
                    .unwrap_or_default(),
            );
            pending = output.unprocessed_keys.unwrap_or_default();
        }
        self.count_reads(found.len() as u64);
        Ok(found)
    }

    /// Replaces a record still at `expected_version`, leaving `counter` as stored (see
    /// [`KeepingCounters`]). `false` when the version moved or the record is gone.
    async fn put_counted(
        &self,
        item: Item,
        expected_version: u64,
        counters: &[&str],
    ) -> StoreResult<bool> {
        let update = KeepingCounters::new(item, counters, expected_version);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(update.key))
            .update_expression(update.expression)
            .condition_expression(KeepingCounters::CONDITION)
            .set_expression_attribute_names(Some(update.names))
            .set_expression_attribute_values(Some(update.values))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(false)
            }
            Err(e) => Err(backend(e)),
        }
    }

    /// Deletes a record still at `version` whose `counters` are zero (or below, as one
    /// can be that counted nothing before the counter existed); `false` otherwise.
    async fn delete_uncounted(
        &self,
        pk: String,
        sk: &str,
        version: u64,
        counters: &[&str],
    ) -> StoreResult<bool> {
        let delete = self.uncounted_delete(pk, sk, version, counters)?;
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(delete.key))
            .condition_expression(delete.condition_expression.unwrap_or_default())
            .set_expression_attribute_names(delete.expression_attribute_names)
            .set_expression_attribute_values(delete.expression_attribute_values)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), DeleteItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(false)
            }
            Err(e) => Err(backend(e)),
        }
    }

    /// The delete of [`Self::delete_uncounted`], as a write of a transaction too.
    fn uncounted_delete(
        &self,
        pk: String,
        sk: &str,
        version: u64,
        counters: &[&str],
    ) -> StoreResult<Delete> {
        let mut condition = "version = :expected".to_owned();
        let mut names = HashMap::new();
        for (i, counter) in counters.iter().enumerate() {
            condition.push_str(&format!(
                " AND (attribute_not_exists(#c{i}) OR #c{i} <= :zero)"
            ));
            names.insert(format!("#c{i}"), (*counter).to_owned());
        }
        Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .expression_attribute_values(":expected", n(version))
            .expression_attribute_values(":zero", n(0))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))
    }

    async fn delete_versioned(
        &self,
        pk: String,
        sk: &str,
        expected_version: u64,
    ) -> StoreResult<()> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .condition_expression("version = :expected")
            .expression_attribute_values(":expected", n(expected_version))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) => match e.err() {
                DeleteItemError::ConditionalCheckFailedException(failed) => {
                    Err(stale_or_gone(failed.item().is_some()))
                }
                _ => Err(backend(SdkError::ServiceError(e))),
            },
            Err(e) => Err(backend(e)),
        }
    }

    /// One page of a Query on a global index: partition `partition`, sort keys starting
    /// with `prefix` (case-folded), in sort-key order.
    async fn query_page<T: DeserializeOwned>(
        &self,
        index: usize,
        partition: String,
        prefix: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<T>> {
        self.query_filtered(index, partition, prefix, &[], true, page)
            .await
    }

    /// [`Self::query_page`] narrowed by `filters`, all of which must hold. Items the
    /// filters drop still count as read, so a page may hold fewer than `limit` items
    /// and still have a next cursor.
    async fn query_filtered<T: DeserializeOwned>(
        &self,
        index: usize,
        partition: String,
        prefix: Option<&str>,
        filters: &[Filter],
        ascending: bool,
        page: &PageRequest,
    ) -> StoreResult<Page<T>> {
        let index = TABLE.indexes[index];
        let start = page
            .cursor
            .as_deref()
            .map(|c| decode_cursor(c, index, &partition, prefix))
            .transpose()?;
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index.name)
            .expression_attribute_names("#pk", index.partition_key)
            .expression_attribute_values(":pk", s(partition))
            .limit(i32::from(page.limit))
            .scan_index_forward(ascending)
            .set_exclusive_start_key(start);
        request = match prefix.filter(|p| !p.is_empty()) {
            Some(prefix) => request
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#sk", index.sort_key)
                .expression_attribute_values(":prefix", s(prefix.to_lowercase())),
            None => request.key_condition_expression("#pk = :pk"),
        };
        if !filters.is_empty() {
            let expression = filters
                .iter()
                .map(|f| f.expression.as_str())
                .collect::<Vec<_>>()
                .join(" AND ");
            request = request.filter_expression(expression);
            for filter in filters {
                for (name, attribute) in &filter.names {
                    request = request.expression_attribute_names(*name, *attribute);
                }
                for (placeholder, value) in &filter.values {
                    request = request.expression_attribute_values(*placeholder, value.clone());
                }
            }
        }
        let output = request.send().await.map_err(backend)?;
        self.count_reads(output.scanned_count.max(0) as u64);
        let items = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(from_item)
            .collect::<StoreResult<Vec<T>>>()?;
        let next_cursor = output
            .last_evaluated_key
            .map(|k| encode_cursor(&k))
            .transpose()?;
        Ok(Page { items, next_cursor })
    }

    async fn query_all<T: DeserializeOwned>(
        &self,
        index: usize,
        partition: String,
    ) -> StoreResult<Vec<T>> {
        let mut items = Vec::new();
        let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
        loop {
            let result: Page<T> = self
                .query_page(index, partition.clone(), None, &page)
                .await?;
            items.extend(result.items);
            match result.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => return Ok(items),
            }
        }
    }

    async fn any_in(&self, index: usize, partition: String) -> StoreResult<bool> {
        let page: Page<serde_json::Value> = self
            .query_page(index, partition, None, &PageRequest::first(1))
            .await?;
        Ok(!page.items.is_empty())
    }
}

/// A failed version condition: the record moved on, or (no old item came back) it is gone.
fn stale_or_gone(still_there: bool) -> StoreError {
    if still_there {
        StoreError::VersionConflict
    } else {
        StoreError::NotFound
    }
}

/// Cursors carry the last key read, as base64url JSON. Decoding checks the shape, and
/// that the key lies within the query it continues (DynamoDB refuses a start key
/// outside the key condition), so a forged cursor, or one carried over to another
/// filter, is a 4xx, never a 5xx.
fn encode_cursor(last_key: &Item) -> StoreResult<String> {
    let mut map = serde_json::Map::new();
    for (name, value) in last_key {
        let AttributeValue::S(text) = value else {
            return Err(StoreError::Backend("non-string key attribute".into()));
        };
        map.insert(name.clone(), serde_json::Value::String(text.clone()));
    }
    Ok(URL_SAFE_NO_PAD.encode(serde_json::Value::Object(map).to_string()))
}

/// The longest sort-key value DynamoDB accepts.
const MAX_SORT_KEY_BYTES: usize = 1024;

fn decode_cursor(
    cursor: &str,
    index: GlobalIndex,
    partition: &str,
    prefix: Option<&str>,
) -> StoreResult<Item> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| StoreError::BadCursor)?;
    let map: HashMap<String, String> =
        serde_json::from_slice(&bytes).map_err(|_| StoreError::BadCursor)?;
    let expected = [
        TABLE.partition_key,
        TABLE.sort_key,
        index.partition_key,
        index.sort_key,
    ];
    if map.len() != expected.len() || !expected.iter().all(|k| map.contains_key(*k)) {
        return Err(StoreError::BadCursor);
    }
    // DynamoDB refuses empty key values and sort keys over 1,024 bytes: a forged cursor
    // must be a 4xx, not a failed call.
    if map
        .values()
        .any(|v| v.is_empty() || v.len() > MAX_SORT_KEY_BYTES)
    {
        return Err(StoreError::BadCursor);
    }
    let within = map[index.partition_key] == partition
        && prefix
            .filter(|p| !p.is_empty())
            .is_none_or(|p| map[index.sort_key].starts_with(&p.to_lowercase()));
    if !within {
        return Err(StoreError::BadCursor);
    }
    Ok(map.into_iter().map(|(k, v)| (k, s(v))).collect())
}

/// The counters of a role: its holders, and the websites that give it by default.
const ROLE_COUNTERS: &[&str] = &["user_count", "default_for_websites"];

const DEFAULT_ROLE_GONE: &str = "the default role was just deleted: choose another default_role_id";

const APP_NAME_TAKEN: &str =
    "the owner already has an application of this name in this organization";

/// The owner's count of its applications, moved with each one's create and delete.
const APPLICATION_COUNT: &str = "application_count";

const APPLICATIONS_MOVED: &str =
    "an application of this user was created or deleted meanwhile: retry";

/// A record whose `#counter` other transactions move without a version bump is still
/// at `:expected` and counts `:count`, or has no counter yet (written before it existed).
const UNMOVED: &str =
    "version = :expected AND (attribute_not_exists(#counter) OR #counter = :count)";

/// A customer's own roles deleted with it, at most: with the customer and its parent's
/// count they fill one transaction.
const MAX_OWN_ROLES_DELETED: u16 = 98;

fn in_use(what: &str) -> StoreError {
    StoreError::Duplicate(what.to_owned())
}

#[async_trait]
impl ApplicationStore for DynamoStore {
    async fn get_application(&self, id: ApplicationId) -> StoreResult<Option<Application>> {
        self.get(keys::application_pk(id), keys::SK_APPLICATION)
            .await
    }

    async fn create_application(&self, application: &Application) -> StoreResult<()> {
        let (owner_pk, owner_sk) = keys::owner_record(application.owner);
        let writes = vec![
            self.put_new_item(to_item(application, &keys::application(application))?)?,
            self.put_new_item(app_name_guard_item(application)?)?,
            // The owner must still be as enabled as the application says: one disabled
            // meanwhile found no application to stop, and this one must not live on.
            self.add_to_counter_if(
                owner_pk,
                owner_sk,
                APPLICATION_COUNT,
                1,
                Some((
                    "(attribute_not_exists(#counter) OR #counter < :bound) AND enabled = :enabled",
                    Item::from([
                        (":bound".to_owned(), n(MAX_APPLICATIONS_PER_OWNER)),
                        (
                            ":enabled".to_owned(),
                            AttributeValue::Bool(application.owner_enabled),
                        ),
                    ]),
                )),
            )?,
        ];
        let result = self
            .transact(writes, &|index| match index {
                0 => StoreError::Duplicate("a record with this id already exists".into()),
                1 => StoreError::Duplicate(APP_NAME_TAKEN.into()),
                _ => StoreError::NotFound,
            })
            .await;
        match result {
            // Say why: the owner is gone, was enabled or disabled meanwhile, or has no
            // room left.
            Err(StoreError::NotFound) => match self.owner_state(application.owner).await? {
                None => Err(StoreError::NotFound),
                Some(owner) if owner.enabled != application.owner_enabled => {
                    Err(StoreError::Contention)
                }
                Some(_) => Err(StoreError::Duplicate(too_many_applications())),
            },
            other => other,
        }
    }

    async fn replace_application(
        &self,
        application: &Application,
        previous: &Application,
    ) -> StoreResult<()> {
        let mut writes = vec![self.put_versioned_item(
            to_item(application, &keys::application(application))?,
            previous.version,
        )?];
        let renamed =
            keys::application_name_guard(application) != keys::application_name_guard(previous);
        if renamed {
            writes.push(self.put_new_item(app_name_guard_item(application)?)?);
            let old = keys::application_name_guard(previous);
            writes.push(self.delete_item(old.pk, &old.sk, None)?);
        }
        self.transact(writes, &|index| match index {
            0 => StoreError::VersionConflict,
            _ => StoreError::Duplicate(APP_NAME_TAKEN.into()),
        })
        .await
    }

    async fn delete_application(&self, application: &Application) -> StoreResult<()> {
        let guard = keys::application_name_guard(application);
        let (owner_pk, owner_sk) = keys::owner_record(application.owner);
        let writes = vec![
            self.delete_item(
                keys::application_pk(application.id),
                keys::SK_APPLICATION,
                Some((
                    "version = :expected",
                    HashMap::from([(":expected".to_owned(), n(application.version))]),
                )),
            )?,
            self.delete_item(guard.pk, &guard.sk, None)?,
            self.take_from_counter(owner_pk, owner_sk, APPLICATION_COUNT)?,
        ];
        // The owner's count is left out when it never counted this application (written
        // before owners counted theirs) or is gone (its delete then left this one
        // behind; owner ids are never reused).
        self.transact_without_if_failed(writes, Some(2), &|_| StoreError::VersionConflict)
            .await
    }

    async fn list_applications(
        &self,
        query: &ApplicationQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Application>> {
        let filters: Vec<Filter> = query
            .active
            .map(|active| Filter {
                expression: "#active = :active".into(),
                names: vec![("#active", "active")],
                values: vec![(":active", AttributeValue::Bool(active))],
            })
            .into_iter()
            .collect();
        let prefix = query.name_prefix.as_deref();
        match &query.scope {
            ApplicationScope::Owner(owner) => {
                self.query_filtered(
                    0,
                    keys::applications_of(*owner),
                    prefix,
                    &filters,
                    true,
                    page,
                )
                .await
            }
            ApplicationScope::Organization {
                organization_id,
                by_last_use: false,
            } => {
                self.query_filtered(
                    1,
                    keys::applications_in(*organization_id),
                    prefix,
                    &filters,
                    true,
                    page,
                )
                .await
            }
            ApplicationScope::Organization {
                organization_id,
                by_last_use: true,
            } => {
                let mut filters = filters;
                filters.extend(prefix.filter(|p| !p.is_empty()).map(|p| Filter {
                    expression: "begins_with(#name_lc, :name)".into(),
                    names: vec![("#name_lc", "gsi1sk")],
                    values: vec![(":name", s(p.to_lowercase()))],
                }));
                self.query_filtered(
                    2,
                    keys::applications_in(*organization_id),
                    None,
                    &filters,
                    false,
                    page,
                )
                .await
            }
        }
    }

    async fn update_application(
        &self,
        application: &Application,
        expected_version: u64,
    ) -> StoreResult<()> {
        self.put_versioned(
            application,
            &keys::application(application),
            expected_version,
        )
        .await
    }

    async fn applications_of_owner(&self, owner: Owner) -> StoreResult<Vec<Application>> {
        self.query_all(0, keys::applications_of(owner)).await
    }

    async fn application_for_token(
        &self,
        id: ApplicationId,
        source: &str,
    ) -> StoreResult<(Option<Application>, Vec<i64>)> {
        let app_pk = keys::application_pk(id);
        let source_key = keys::token_source(source);
        let found = self
            .batch_get(vec![
                key(app_pk.clone(), keys::SK_APPLICATION),
                key(source_key.pk.clone(), &source_key.sk),
            ])
            .await?;
        let mut application = None;
        let mut failures = Vec::new();
        for item in found {
            let pk = item
                .get(TABLE.partition_key)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default();
            if pk == app_pk {
                application = Some(from_item(item)?);
            } else {
                failures = from_item::<links::Attempts>(item)?.at;
            }
        }
        Ok((application, failures))
    }

    async fn record_auth_failure(
        &self,
        application: Option<ApplicationId>,
        source: &str,
        now: i64,
    ) -> StoreResult<()> {
        if let Some(id) = application {
            let at = key(keys::application_pk(id), keys::SK_APPLICATION);
            let list = FailureList {
                attribute: "auth_failures",
                limit: lockout::CLIENT_FAILURES,
                expires_at: None,
            };
            self.count_failure(at, &list, now).await?;
        }
        let source_keys = keys::token_source(source);
        let list = FailureList {
            attribute: "at",
            limit: lockout::SOURCE_FAILURES,
            expires_at: Some(now + lockout::WINDOW_SECONDS),
        };
        self.count_failure(key(source_keys.pk, &source_keys.sk), &list, now)
            .await
    }

    async fn touch_application(
        &self,
        id: ApplicationId,
        at: time::OffsetDateTime,
    ) -> StoreResult<()> {
        let cutoff = crate::domain::rfc3339_millis::format(&(at - time::Duration::minutes(1)));
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::application_pk(id), keys::SK_APPLICATION)))
            .update_expression("SET last_used_at = :at, gsi3sk = :order")
            .condition_expression(
                "attribute_exists(pk) AND (attribute_not_exists(last_used_at) OR attribute_type(last_used_at, :null) OR last_used_at <= :cutoff)",
            )
            .expression_attribute_values(":at", s(crate::domain::rfc3339_millis::format(&at)))
            .expression_attribute_values(":cutoff", s(cutoff))
            .expression_attribute_values(":null", s("NULL"))
            .expression_attribute_values(":order", s(keys::last_use_sort_key(Some(at), id)))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Another request wrote it within the minute, or the application is gone.
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(())
            }
            Err(e) => Err(backend(e)),
        }
    }
}

#[async_trait]
impl DirectoryStore for DynamoStore {
    async fn create_organization(&self, organization: &Organization) -> StoreResult<()> {
        self.put_new(to_item(organization, &keys::organization(organization))?)
            .await
    }

    async fn get_organization(&self, id: OrganizationId) -> StoreResult<Option<Organization>> {
        self.get(keys::organization_pk(id), keys::SK_ORGANIZATION)
            .await
    }

    async fn update_organization(
        &self,
        organization: &Organization,
        expected_version: u64,
    ) -> StoreResult<()> {
        self.put_versioned(
            organization,
            &keys::organization(organization),
            expected_version,
        )
        .await
    }

    async fn delete_organization(&self, organization: &Organization) -> StoreResult<()> {
        self.delete_versioned(
            keys::organization_pk(organization.id),
            keys::SK_ORGANIZATION,
            organization.version,
        )
        .await
    }

    async fn list_organizations(
        &self,
        name_prefix: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<Organization>> {
        self.query_page(0, keys::ORGANIZATIONS.to_owned(), name_prefix, page)
            .await
    }

    async fn organization_in_use(&self, id: OrganizationId) -> StoreResult<bool> {
        let partitions = [
            (0, keys::websites_of(id)),
            (0, keys::users_of(id)),
            (0, keys::customers_of(id)),
            (0, keys::roles_of(id)),
            (0, keys::consents_of(id)),
            (1, keys::applications_in(id)),
        ];
        for (index, partition) in partitions {
            if self.any_in(index, partition).await? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn create_website(&self, website: &Website) -> StoreResult<()> {
        let mut writes = vec![self.put_new_item(to_item(website, &keys::website(website))?)?];
        writes.extend(self.default_role_moves(Some(website), None)?);
        self.transact(writes, &|index| match index {
            0 => StoreError::Duplicate("a record with this id already exists".into()),
            _ => StoreError::Duplicate(DEFAULT_ROLE_GONE.into()),
        })
        .await
    }

    async fn get_website(&self, id: WebsiteId) -> StoreResult<Option<Website>> {
        self.get(keys::website_pk(id), keys::SK_WEBSITE).await
    }

    async fn update_website(&self, website: &Website, previous: &Website) -> StoreResult<()> {
        let item = to_item(website, &keys::website(website))?;
        let mut writes = vec![
            KeepingCounters::new(item, &["customer_user_count"], previous.version)
                .transact_item(&self.table)?,
        ];
        let moves = self.default_role_moves(Some(website), Some(previous))?;
        // The count taken from the role it gave before (the last move) is left out if
        // that role is gone: deleted before roles counted their websites.
        let left = (website.default_role_id != previous.default_role_id
            && previous.default_role_id.is_some())
        .then(|| writes.len() + moves.len() - 1);
        writes.extend(moves);
        let result = self
            .transact_without_if_failed(writes, left, &|index| match index {
                0 => StoreError::VersionConflict,
                _ => StoreError::Duplicate(DEFAULT_ROLE_GONE.into()),
            })
            .await;
        match result {
            Err(StoreError::VersionConflict) => match self.get_website(website.id).await? {
                None => Err(StoreError::NotFound),
                Some(_) => Err(StoreError::VersionConflict),
            },
            other => other,
        }
    }

    async fn delete_website(&self, website: &Website) -> StoreResult<()> {
        let delete = self.uncounted_delete(
            keys::website_pk(website.id),
            keys::SK_WEBSITE,
            website.version,
            &["customer_user_count"],
        )?;
        let mut writes = vec![TransactWriteItem::builder().delete(delete).build()];
        let moves = self.default_role_moves(None, Some(website))?;
        let left = (!moves.is_empty()).then_some(1);
        writes.extend(moves);
        let result = self
            .transact_without_if_failed(writes, left, &|_| StoreError::VersionConflict)
            .await;
        match result {
            Err(StoreError::VersionConflict) => match self.get_website(website.id).await? {
                None => Err(StoreError::NotFound),
                Some(current) if current.customer_user_count > 0 => Err(in_use(
                    "customer users are registered on this website: move them to another website first",
                )),
                Some(_) => Err(StoreError::VersionConflict),
            },
            other => other,
        }
    }

    async fn list_websites(
        &self,
        organization_id: OrganizationId,
        name_prefix: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<Website>> {
        self.query_page(0, keys::websites_of(organization_id), name_prefix, page)
            .await
    }

    async fn create_user(&self, user: &User) -> StoreResult<()> {
        let writes = vec![
            self.put_new_item(to_item(user, &keys::user(user))?)?,
            self.put_new_item(user_email_guard_item(user)?)?,
        ];
        self.transact(writes, &|index| match index {
            1 => StoreError::Duplicate("another back-office user already has this email".into()),
            _ => StoreError::Duplicate("a record with this id already exists".into()),
        })
        .await
    }

    async fn get_user(&self, id: UserId) -> StoreResult<Option<User>> {
        self.get(keys::user_pk(id), keys::SK_USER).await
    }

    async fn update_user(
        &self,
        user: &User,
        previous: &User,
        applications: &[Application],
    ) -> StoreResult<()> {
        let mut writes = vec![self.owner_record_write(
            to_item(user, &keys::user(user))?,
            previous.version,
            user.application_count,
            user.enabled != previous.enabled,
        )?];
        let email_changed = user.email.normalized() != previous.email.normalized();
        if email_changed {
            writes.push(self.put_new_item(user_email_guard_item(user)?)?);
            let old = keys::user_email_guard(&previous.email.normalized());
            writes.push(self.delete_item(old.pk, &old.sk, None)?);
        }
        for application in applications {
            let item = to_item(application, &keys::application(application))?;
            writes.push(self.put_versioned_item(item, application.version - 1)?);
        }
        let result = self
            .transact(writes, &|index| match (index, email_changed) {
                (0, _) => StoreError::VersionConflict,
                (1, true) => {
                    StoreError::Duplicate("another back-office user already has this email".into())
                }
                _ => StoreError::Duplicate(APPLICATIONS_MOVED.into()),
            })
            .await;
        match result {
            Err(StoreError::VersionConflict) => Err(self
                .owner_conflict(Owner::Backend { user_id: user.id }, previous.version)
                .await?),
            other => other,
        }
    }

    async fn delete_user(&self, user: &User, applications: &[Application]) -> StoreResult<()> {
        let owner = Owner::Backend { user_id: user.id };
        let guard = keys::user_email_guard(&user.email.normalized());
        let mut writes = vec![
            self.delete_owner_item(owner, user.version, applications)?,
            self.delete_item(guard.pk, &guard.sk, None)?,
        ];
        writes.extend(self.application_deletes(applications)?);
        let result = self
            .transact(writes, &|index| match index {
                0 => StoreError::VersionConflict,
                _ => StoreError::Duplicate(APPLICATIONS_MOVED.into()),
            })
            .await;
        match result {
            Err(StoreError::VersionConflict) => {
                return Err(self.owner_conflict(owner, user.version).await?);
            }
            other => other?,
        }
        // What is left of the user's partition: its notification log.
        self.delete_partition(keys::user_pk(user.id)).await
    }

    async fn list_users(
        &self,
        organization_id: OrganizationId,
        email_prefix: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<User>> {
        self.query_page(0, keys::users_of(organization_id), email_prefix, page)
            .await
    }

    async fn record_user_notification(
        &self,
        user_id: UserId,
        notification: &crate::customer_user::Notification,
    ) -> StoreResult<()> {
        self.write_notification(keys::user_pk(user_id), keys::SK_USER, notification)
            .await
    }

    async fn recent_user_notifications(
        &self,
        user_id: UserId,
        limit: u16,
    ) -> StoreResult<Vec<crate::customer_user::Notification>> {
        self.read_notifications(keys::user_pk(user_id), limit).await
    }

    async fn create_customer(&self, customer: &Customer) -> StoreResult<()> {
        let mut writes = vec![self.put_new_item(to_item(customer, &keys::customer(customer))?)?];
        if let Some(parent) = customer.parent_id {
            writes.push(self.add_to_counter(
                keys::customer_pk(parent),
                keys::SK_CUSTOMER,
                "subsidiary_count",
                1,
            )?);
        }
        self.transact(writes, &|index| match index {
            0 => StoreError::Duplicate("a record with this id already exists".into()),
            _ => StoreError::NotFound,
        })
        .await
    }

    async fn get_customer(&self, id: CustomerId) -> StoreResult<Option<Customer>> {
        self.get(keys::customer_pk(id), keys::SK_CUSTOMER).await
    }

    async fn update_customer(
        &self,
        customer: &Customer,
        previous: &Customer,
        ancestors: &[CustomerId],
    ) -> StoreResult<()> {
        let item = to_item(customer, &keys::customer(customer))?;
        let mut writes = vec![
            KeepingCounters::new(
                item,
                &["subsidiary_count", "customer_user_count"],
                previous.version,
            )
            .transact_item(&self.table)?,
        ];
        // Each ancestor must still have the parent it had when the chain was checked:
        // two moves at once could otherwise close a cycle that neither saw.
        let parent_is = |position: usize| -> (&'static str, Item) {
            match ancestors.get(position + 1) {
                Some(parent) => (
                    "parent_id = :parent",
                    HashMap::from([(":parent".to_owned(), s(parent.to_string()))]),
                ),
                None => (
                    "NOT attribute_type(parent_id, :string)",
                    HashMap::from([(":string".to_owned(), s("S"))]),
                ),
            }
        };
        let mut moved = Vec::new();
        if customer.parent_id != previous.parent_id {
            moved.extend(previous.parent_id.map(|old| (old, -1)));
            moved.extend(customer.parent_id.map(|new| (new, 1)));
        }
        for (id, delta) in &moved {
            let condition = ancestors.iter().position(|a| a == id).map(parent_is);
            writes.push(self.add_to_counter_if(
                keys::customer_pk(*id),
                keys::SK_CUSTOMER,
                "subsidiary_count",
                *delta,
                condition,
            )?);
        }
        // Which writes guard the hierarchy: the checks below, and a counter whose
        // customer is in the chain.
        let mut guards: Vec<bool> = std::iter::once(false)
            .chain(moved.iter().map(|(id, _)| ancestors.contains(id)))
            .collect();
        for (position, id) in ancestors.iter().enumerate() {
            if moved.iter().any(|(m, _)| m == id) {
                continue;
            }
            let (expression, values) = parent_is(position);
            writes.push(self.check_item(
                keys::customer_pk(*id),
                keys::SK_CUSTOMER,
                &format!("attribute_exists(pk) AND {expression}"),
                values,
            )?);
            guards.push(true);
        }
        self.transact(writes, &|index| match index {
            0 => StoreError::VersionConflict,
            i if guards[i] => StoreError::Duplicate(
                "the new parent, or a customer above it, was moved or deleted meanwhile: read the hierarchy again and retry"
                    .into(),
            ),
            _ => StoreError::NotFound,
        })
        .await
    }

    async fn delete_customer(&self, customer: &Customer) -> StoreResult<()> {
        let condition = "version = :expected AND (attribute_not_exists(subsidiary_count) OR subsidiary_count = :zero) AND (attribute_not_exists(customer_user_count) OR customer_user_count = :zero)";
        let values = HashMap::from([
            (":expected".to_owned(), n(customer.version)),
            (":zero".to_owned(), n(0)),
        ]);
        let mut writes = vec![self.delete_item(
            keys::customer_pk(customer.id),
            keys::SK_CUSTOMER,
            Some((condition, values)),
        )?];
        if let Some(parent) = customer.parent_id {
            writes.push(self.add_to_counter(
                keys::customer_pk(parent),
                keys::SK_CUSTOMER,
                "subsidiary_count",
                -1,
            )?);
        }
        // The customer's own roles go with it: only its users could hold them, and it
        // has none left (the condition above).
        let own_roles: Page<CustomerUserRole> = self
            .query_page(
                1,
                keys::roles_of_customer(customer.id),
                None,
                &PageRequest::first(MAX_OWN_ROLES_DELETED),
            )
            .await?;
        if own_roles.next_cursor.is_some() {
            return Err(in_use(&format!(
                "the customer has more than {MAX_OWN_ROLES_DELETED} roles of its own: delete some first"
            )));
        }
        for role in &own_roles.items {
            writes.push(self.delete_item(
                keys::role_pk(role.id),
                keys::SK_ROLE,
                Some((
                    "attribute_not_exists(user_count) OR user_count = :zero",
                    HashMap::from([(":zero".to_owned(), n(0))]),
                )),
            )?);
        }
        let result = self
            .transact(writes, &|_| StoreError::VersionConflict)
            .await;
        match result {
            Err(StoreError::VersionConflict) => {
                // Say why: a dependant appeared, or the record changed or went away.
                match self.get_customer(customer.id).await? {
                    None => Err(StoreError::NotFound),
                    Some(current) if current.subsidiary_count > 0 => Err(in_use(
                        "the customer has subsidiaries: move or delete them first",
                    )),
                    Some(current) if current.customer_user_count > 0 => Err(in_use(
                        "the customer has customer users: move or delete them first",
                    )),
                    Some(_) => Err(StoreError::VersionConflict),
                }
            }
            other => other,
        }
    }

    async fn list_customers(
        &self,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Customer>> {
        let prefix = filter.name_prefix.as_deref();
        match filter.parent_id {
            Some(parent) => {
                self.query_page(1, keys::subsidiaries_of(parent), prefix, page)
                    .await
            }
            None => {
                self.query_page(0, keys::customers_of(filter.organization_id), prefix, page)
                    .await
            }
        }
    }

    async fn create_role(&self, role: &CustomerUserRole) -> StoreResult<()> {
        self.put_new(role_item(role)?).await
    }

    async fn update_role(
        &self,
        role: &CustomerUserRole,
        previous: &CustomerUserRole,
    ) -> StoreResult<()> {
        if self
            .put_counted(role_item(role)?, previous.version, ROLE_COUNTERS)
            .await?
        {
            return Ok(());
        }
        match self.get_role(role.id).await? {
            None => Err(StoreError::NotFound),
            Some(_) => Err(StoreError::VersionConflict),
        }
    }

    async fn delete_role(&self, role: &CustomerUserRole) -> StoreResult<()> {
        if self
            .delete_uncounted(
                keys::role_pk(role.id),
                keys::SK_ROLE,
                role.version,
                ROLE_COUNTERS,
            )
            .await?
        {
            return Ok(());
        }
        // Say why: a user was given the role, or the role changed or went away.
        match self.get_role(role.id).await? {
            None => Err(StoreError::NotFound),
            Some(current) if current.user_count > 0 => Err(in_use(
                "customer users hold this role: give them other roles first",
            )),
            Some(current) if current.default_for_websites > 0 => Err(in_use(
                "a website gives this role to new customer users by default: choose another default first",
            )),
            Some(_) => Err(StoreError::VersionConflict),
        }
    }

    async fn get_role(&self, id: RoleId) -> StoreResult<Option<CustomerUserRole>> {
        self.get(keys::role_pk(id), keys::SK_ROLE).await
    }

    async fn get_roles(&self, ids: &[RoleId]) -> StoreResult<Vec<CustomerUserRole>> {
        let mut unique: Vec<RoleId> = ids.to_vec();
        unique.sort();
        unique.dedup();
        let mut roles = Vec::with_capacity(unique.len());
        for chunk in unique.chunks(100) {
            let keys = chunk
                .iter()
                .map(|id| key(keys::role_pk(*id), keys::SK_ROLE))
                .collect();
            for item in self.batch_get(keys).await? {
                roles.push(from_item(item)?);
            }
        }
        Ok(roles)
    }

    async fn list_roles(
        &self,
        filter: &RoleFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<CustomerUserRole>> {
        let prefix = filter.label_prefix.as_deref();
        match filter.customer_id {
            Some(customer_id) => {
                // The customer's partition holds only its organization's roles; the
                // filter keeps another organization's customer out of reach.
                let same_organization = Filter {
                    expression: "#org = :org".into(),
                    names: vec![("#org", "organization_id")],
                    values: vec![(":org", s(filter.organization_id.to_string()))],
                };
                self.query_filtered(
                    1,
                    keys::roles_of_customer(customer_id),
                    prefix,
                    &[same_organization],
                    true,
                    page,
                )
                .await
            }
            None => {
                self.query_page(0, keys::roles_of(filter.organization_id), prefix, page)
                    .await
            }
        }
    }

    async fn list_assignable_roles(
        &self,
        organization_id: OrganizationId,
        customer_id: CustomerId,
        page: &PageRequest,
    ) -> StoreResult<Page<CustomerUserRole>> {
        let filter = Filter {
            expression: "(#customer = :customer OR (#system = :yes AND #self_managed = :yes))"
                .into(),
            names: vec![
                ("#customer", "customer_id"),
                ("#system", "system_role"),
                ("#self_managed", "self_managed"),
            ],
            values: vec![
                (":customer", s(customer_id.to_string())),
                (":yes", AttributeValue::Bool(true)),
            ],
        };
        self.query_filtered(
            0,
            keys::roles_of(organization_id),
            None,
            &[filter],
            true,
            page,
        )
        .await
    }
}

/// The role with the flag the storefront's role list filters on (a role of no customer).
fn role_item(role: &CustomerUserRole) -> StoreResult<Item> {
    let mut item = to_item(role, &keys::role(role))?;
    item.insert(
        "system_role".into(),
        AttributeValue::Bool(role.customer_id.is_none()),
    );
    Ok(item)
}
