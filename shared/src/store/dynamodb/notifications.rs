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

    /// One page of the notification log in the partition `pk`, newest first. The
    /// cursor is the last entry's key, which must be an entry of this log.
    pub(super) async fn notifications_page(
        &self,
        pk: String,
        page: &PageRequest,
    ) -> StoreResult<Page<Notification>> {
        let start = page
            .cursor
            .as_deref()
            .map(|cursor| log_cursor(cursor, &pk))
            .transpose()?;
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":prefix", s(item_keys::NOTIFICATION_PREFIX))
            .scan_index_forward(false)
            .limit(i32::from(page.limit))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(backend)?;
        self.page_of(output)
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

/// The start key a log cursor names: `pk` and the `sk` of an entry of that log (a
/// forged or carried-over cursor is a 4xx, never a failed call).
fn log_cursor(cursor: &str, pk: &str) -> StoreResult<Item> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| StoreError::BadCursor)?;
    let map: HashMap<String, String> =
        serde_json::from_slice(&bytes).map_err(|_| StoreError::BadCursor)?;
    let sk = map.get(TABLE.sort_key).ok_or(StoreError::BadCursor)?;
    let within = map.len() == 2
        && map.get(TABLE.partition_key).map(String::as_str) == Some(pk)
        && sk.len() > item_keys::NOTIFICATION_PREFIX.len()
        && sk.len() <= MAX_SORT_KEY_BYTES
        && sk.starts_with(item_keys::NOTIFICATION_PREFIX);
    if !within {
        return Err(StoreError::BadCursor);
    }
    Ok(key(pk, sk))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_cursor_names_an_entry_of_its_own_log() {
        let entry = key("CUSTOMER_USER#a", "NOTIFICATION#0193");
        let cursor = encode_cursor(&entry).unwrap();
        assert_eq!(log_cursor(&cursor, "CUSTOMER_USER#a").unwrap(), entry);
        for (cursor, pk) in [
            (cursor.as_str(), "CUSTOMER_USER#b"),
            ("not base64!", "CUSTOMER_USER#a"),
        ] {
            assert!(matches!(log_cursor(cursor, pk), Err(StoreError::BadCursor)));
        }
        for forged in [
            key("CUSTOMER_USER#a", "PROFILE"),
            key("CUSTOMER_USER#a", "NOTIFICATION#"),
        ] {
            let cursor = encode_cursor(&forged).unwrap();
            assert!(matches!(
                log_cursor(&cursor, "CUSTOMER_USER#a"),
                Err(StoreError::BadCursor)
            ));
        }
    }
}
