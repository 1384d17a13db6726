//! The public keys that verify access tokens, one item per key in one partition, and
//! beside them the token function's signing state (`STATE`, present while it finds no
//! usable signing key).

use super::{DynamoStore, backend, from_item, key, s, to_item};
use crate::{
    key_source::{KeySourceError, PublicKeyStore, Publication, PublishedKey},
    ports::StoreError,
    store::{TABLE, item_keys},
};
use async_trait::async_trait;
use aws_sdk_dynamodb::{
    error::SdkError,
    operation::{delete_item::DeleteItemError, put_item::PutItemError},
    types::AttributeValue,
};

/// The attribute of the `STATE` item: Unix milliseconds.
const KEYS_MISSING_SINCE: &str = "keys_missing_since";

fn failed(error: StoreError) -> KeySourceError {
    match error {
        StoreError::Unavailable(outage) => KeySourceError::Unavailable(outage),
        other => KeySourceError::Backend(other.to_string()),
    }
}

#[async_trait]
impl PublicKeyStore for DynamoStore {
    async fn publication(&self) -> Result<Publication, KeySourceError> {
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
        let mut publication = Publication::default();
        for item in output.items.unwrap_or_default() {
            let state = item.get(TABLE.sort_key).and_then(|sk| sk.as_s().ok())
                == Some(&item_keys::SIGNING_STATE_SK.to_owned());
            if state {
                publication.keys_missing_since = item
                    .get(KEYS_MISSING_SINCE)
                    .and_then(|at| at.as_n().ok())
                    .and_then(|at| at.parse().ok());
            } else {
                publication.keys.push(from_item(item).map_err(failed)?);
            }
        }
        Ok(publication)
    }

    async fn record_keys_missing(&self, since: Option<i64>) -> Result<(), KeySourceError> {
        let state = key(item_keys::SIGNING_KEYS, item_keys::SIGNING_STATE_SK);
        match since {
            Some(since) => {
                let mut item = state;
                item.insert(KEYS_MISSING_SINCE.to_owned(), at(since));
                self.client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(item))
                    // The first container to find the key missing says since when.
                    .condition_expression("attribute_not_exists(pk)")
                    .send()
                    .await
                    .map(|_| ())
                    .or_else(|e| match e {
                        SdkError::ServiceError(e)
                            if matches!(
                                e.err(),
                                PutItemError::ConditionalCheckFailedException(_)
                            ) =>
                        {
                            Ok(())
                        }
                        e => Err(failed(backend(e))),
                    })
            }
            None => self
                .client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(state))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| failed(backend(e))),
        }
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
