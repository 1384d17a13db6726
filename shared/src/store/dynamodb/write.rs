//! Conditional writes of one item: a new key, or a record still at its version.

use super::*;

/// A failed version condition: the record moved on, or (no old item came back) it is gone.
pub(super) fn stale_or_gone(still_there: bool) -> StoreError {
    if still_there {
        StoreError::VersionConflict
    } else {
        StoreError::NotFound
    }
}

impl DynamoStore {
    /// Writes an item whose key is not taken yet.
    pub(super) async fn put_new(&self, item: Item) -> StoreResult<()> {
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
                Err(StoreError::Taken(Unique::Id))
            }
            Err(e) => Err(backend(e)),
        }
    }

    /// Replaces a record still at `expected_version`; tells a stale version from a
    /// record that is gone.
    pub(super) async fn put_versioned<T: Serialize>(
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

    pub(super) async fn delete_versioned(
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
}
