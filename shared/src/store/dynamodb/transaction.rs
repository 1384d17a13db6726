//! Transactions: the writes they are made of, and sending them with retries when
//! a concurrent transaction cancelled them.

use super::*;

pub(super) fn cancelled_reasons(error: &TransactWriteItemsError) -> Option<Vec<String>> {
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
pub(super) enum Cancellation {
    /// The condition of the write at this index failed: the records say no.
    Condition(usize),
    /// Another transaction or write held one of the items: nothing was written, and
    /// the same transaction may go through when tried again.
    Conflict,
    Other,
}

impl Cancellation {
    pub(super) fn of(reasons: &[String]) -> Self {
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
pub(super) const TRANSACTION_ATTEMPTS: u32 = 3;

/// The pause before sending a cancelled transaction again: 20 ms, then 40 ms, each with
/// up to 20 ms more, so that the requests that collided do not collide again.
pub(super) fn pause_after(attempt: u32) -> std::time::Duration {
    // Jitter needs no secrecy: the clock's nanoseconds differ between containers.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    std::time::Duration::from_millis(20 << (attempt - 1))
        + std::time::Duration::from_nanos(u64::from(nanos % 20_000_000))
}

/// What a failed condition on the n-th write of a transaction means.
pub(super) type Meaning<'a> = &'a (dyn Fn(usize) -> StoreError + Sync);

impl DynamoStore {
    pub(super) fn put_new_item(&self, item: Item) -> StoreResult<TransactWriteItem> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    pub(super) fn put_item_unconditionally(&self, item: Item) -> StoreResult<TransactWriteItem> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    pub(super) fn put_versioned_item(
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
    pub(super) fn check_item(
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

    pub(super) fn delete_item(
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

    /// [`Self::transact`]; if the write at `optional` is the one whose condition failed
    /// (its record is gone, or never counted), once more without it.
    pub(super) async fn transact_without_if_failed(
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
    pub(super) async fn transact(
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
}
