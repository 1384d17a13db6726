//! The public keys that verify access tokens, one item per key in one partition.

use super::{DynamoStore, backend, from_item, key, s, to_item};
use crate::{
    key_source::{KeySourceError, PublicKeyStore, PublishedKey},
    ports::StoreError,
    store::{TABLE, item_keys},
};
use async_trait::async_trait;
use aws_sdk_dynamodb::{
    error::SdkError,
    operation::{delete_item::DeleteItemError, put_item::PutItemError},
    types::AttributeValue,
};

fn failed(error: StoreError) -> KeySourceError {
    match error {
        StoreError::Unavailable(outage) => KeySourceError::Unavailable(outage),
        other => KeySourceError::Backend(other.to_string()),
    }
}

#[async_trait]
impl PublicKeyStore for DynamoStore {
    async fn published_keys(&self) -> Result<Vec<PublishedKey>, KeySourceError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", TABLE.partition_key)
            .expression_attribute_values(":pk", s(item_keys::SIGNING_KEYS))
            // The token function publishes a key right before it signs with it: an
            // eventually consistent read could miss it for the first tokens.
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| failed(backend(e)))?;
        self.count_reads(output.scanned_count.max(0) as u64);
        output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| from_item(item).map_err(failed))
            .collect()
    }

    async fn publish_key(
        &self,
        key: &PublishedKey,
        replacing: Option<&PublishedKey>,
    ) -> Result<bool, KeySourceError> {
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(
                to_item(key, &item_keys::signing_key(&key.kid)).map_err(failed)?,
            ));
        let request = match replacing {
            None => request.condition_expression("attribute_not_exists(pk)"),
            Some(stored) => request
                .condition_expression("published_at = :at")
                .expression_attribute_values(":at", at(stored.published_at)),
        };
        match request.send().await {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), PutItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(false)
            }
            Err(e) => Err(failed(backend(e))),
        }
    }

    async fn withdraw_key(&self, published: &PublishedKey) -> Result<(), KeySourceError> {
        let item_keys = item_keys::signing_key(&published.kid);
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(item_keys.pk, &item_keys.sk)))
            .condition_expression("published_at = :at")
            .expression_attribute_values(":at", at(published.published_at))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Published again since, or withdrawn by another container: not ours to delete.
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), DeleteItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(())
            }
            Err(e) => Err(failed(backend(e))),
        }
    }
}

fn at(published_at: i64) -> AttributeValue {
    AttributeValue::N(published_at.to_string())
}
