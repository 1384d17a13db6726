//! Counters that other transactions move without a version bump, and the failure
//! lists of the token endpoint's throttling.

use super::*;

/// An update that writes a record's item but leaves `counters` as stored: other
/// transactions move them without a version bump, so a change made from an older read
/// neither overwrites them nor has to fail because one moved. Index keys the record no
/// longer has are removed, as a whole-item put would. Conditioned on `expected_version`.
pub(super) struct KeepingCounters {
    pub(super) key: Item,
    pub(super) expression: String,
    pub(super) names: HashMap<String, String>,
    pub(super) values: Item,
}

impl KeepingCounters {
    pub(super) fn new(mut item: Item, counters: &[&str], expected_version: u64) -> Self {
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

    pub(super) const CONDITION: &str = "version = :expected";

    pub(super) fn transact_item(self, table: &str) -> StoreResult<TransactWriteItem> {
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

/// A record whose `#counter` other transactions move without a version bump is still
/// at `:expected` and counts `:count`, or has no counter yet (written before it existed).
pub(super) const UNMOVED: &str =
    "version = :expected AND (attribute_not_exists(#counter) OR #counter = :count)";

/// A list of failure times on an item, as [`DynamoStore::count_failure`] keeps it.
pub(super) struct FailureList {
    pub(super) attribute: &'static str,
    /// How many failures lock; the list holds up to twice as many between trims.
    pub(super) limit: usize,
    /// The item's expiry (the source's item only: it exists for its window alone).
    pub(super) expires_at: Option<i64>,
}

impl DynamoStore {
    pub(super) fn add_to_counter(
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
    pub(super) fn take_from_counter(
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
    pub(super) fn add_to_counter_if(
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
    pub(super) async fn count_failure(
        &self,
        at: Item,
        list: &FailureList,
        now: i64,
    ) -> StoreResult<()> {
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

    /// A put, as a write of a transaction, of a record still at `expected_version` whose
    /// `counter` still counts `expected_count` (or was never written).
    pub(super) fn put_if_count_unmoved(
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

    /// Replaces a record still at `expected_version`, leaving `counter` as stored (see
    /// [`KeepingCounters`]). `false` when the version moved or the record is gone.
    pub(super) async fn put_counted(
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
    pub(super) async fn delete_uncounted(
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
    pub(super) fn uncounted_delete(
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
}
