//! Notification logs (back-office users' and customer users'), kept in their owner's
//! partition, and clearing a partition when its owner goes.

use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};

use super::*;
use crate::customer_user::Notification;

impl DynamoStore {
    /// Appends to the notification log kept in the partition `pk`, whose owner record
    /// is `owner_sk`, while that record exists: an email sent as its owner was being
    /// deleted must not leave an entry nobody owns, after the partition was cleared.
    pub(super) async fn write_notification(
        &self,
        pk: String,
        owner_sk: &str,
        notification: &Notification,
    ) -> StoreResult<()> {
        let mut item: Item =
            serde_dynamo::to_item(notification).map_err(|e| StoreError::Backend(e.to_string()))?;
        item.extend(key(
            pk.clone(),
            &item_keys::notification_sk(notification.id),
        ));
        let writes = vec![
            self.put_item_unconditionally(item)?,
            self.check_item(pk, owner_sk, "attribute_exists(pk)", Item::new())?,
        ];
        match self.transact(writes, &|_| StoreError::NotFound).await {
            // The owner is gone: there is no log left to add to.
            Err(StoreError::NotFound) => Ok(()),
            other => other,
        }
    }

    /// The newest entries of the notification log in the partition `pk`.
    pub(super) async fn read_notifications(
        &self,
        pk: String,
        limit: u16,
    ) -> StoreResult<Vec<Notification>> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":prefix", s(item_keys::NOTIFICATION_PREFIX))
            .scan_index_forward(false)
            .limit(i32::from(limit))
            .send()
            .await
            .map_err(backend)?;
        self.count_reads(output.scanned_count.max(0) as u64);
        output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// Deletes every item of a partition, 25 at a time.
    pub(super) async fn delete_partition(&self, pk: String) -> StoreResult<()> {
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(&pk))
                .projection_expression("pk, sk")
                .limit(25)
                .send()
                .await
                .map_err(backend)?;
            let keys = output.items.unwrap_or_default();
            if keys.is_empty() {
                return Ok(());
            }
            let mut requests = keys
                .into_iter()
                .map(|k| {
                    DeleteRequest::builder()
                        .set_key(Some(k))
                        .build()
                        .map(|d| WriteRequest::builder().delete_request(d).build())
                        .map_err(|e| StoreError::Backend(e.to_string()))
                })
                .collect::<StoreResult<Vec<_>>>()?;
            // Unprocessed deletes are sent again until none are left.
            while !requests.is_empty() {
                let result = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, requests)
                    .send()
                    .await
                    .map_err(backend)?;
                requests = result
                    .unprocessed_items
                    .and_then(|mut m| m.remove(&self.table))
                    .unwrap_or_default();
            }
        }
    }
}
