//! One-time links and sliding-window rate limits.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use super::{DynamoStore, Item, backend, from_item, n, s, to_item};
use crate::{
    auth::SecretHash,
    customer_user::{CustomerUser, LinkPurpose, OneTimeLink},
    ports::{LinkStore, RateDecision, RateLimiter, StoreError, StoreResult},
    store::{
        TABLE,
        item_keys::{self, ItemKeys},
    },
};

pub(super) fn link_item(link: &OneTimeLink) -> StoreResult<Item> {
    let mut item = to_item(link, &item_keys::link(link))?;
    item.insert(
        TABLE.ttl_attribute.to_owned(),
        AttributeValue::N(link.valid_until.unix_timestamp().to_string()),
    );
    Ok(item)
}

#[async_trait]
impl LinkStore for DynamoStore {
    async fn put_link(&self, link: &OneTimeLink, user_version: Option<u64>) -> StoreResult<()> {
        let (condition, values) = match user_version {
            Some(version) => (
                "version = :expected",
                Item::from([(":expected".to_owned(), n(version))]),
            ),
            None => ("attribute_not_exists(pk)", Item::new()),
        };
        let writes = vec![
            self.put_item_unconditionally(link_item(link)?)?,
            self.check_item(
                item_keys::customer_user_pk(link.customer_user_id),
                item_keys::SK_CUSTOMER_USER,
                condition,
                values,
            )?,
        ];
        self.transact(writes, &|_| StoreError::VersionConflict)
            .await
    }

    async fn find_link(&self, token_hash: &SecretHash) -> StoreResult<Option<OneTimeLink>> {
        let index = TABLE.indexes[0];
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index.name)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", index.partition_key)
            .expression_attribute_values(":pk", s(item_keys::link_by_token(token_hash)))
            .limit(1)
            .send()
            .await
            .map_err(backend)?;
        self.count_reads(output.scanned_count.max(0) as u64);
        output
            .items
            .unwrap_or_default()
            .into_iter()
            .next()
            .map(from_item)
            .transpose()
    }

    async fn consume_link(
        &self,
        link: &OneTimeLink,
        also_drop: &[LinkPurpose],
        user: &CustomerUser,
        previous: &CustomerUser,
    ) -> StoreResult<()> {
        let link_keys = item_keys::link(link);
        let values = HashMap::from([(":hash".to_owned(), s(link.token_hash.as_str()))]);
        let mut writes = vec![
            self.delete_item(
                link_keys.pk,
                &link_keys.sk,
                Some(("token_hash = :hash", values)),
            )?,
            self.owner_record_write(
                super::customer_users::profile_item(user)?,
                previous.version,
                user.application_count,
                false,
            )?,
        ];
        for purpose in also_drop.iter().filter(|p| **p != link.purpose) {
            writes.push(self.delete_item(
                item_keys::customer_user_pk(user.id),
                &item_keys::link_sk(*purpose),
                None,
            )?);
        }
        self.transact(writes, &|index| match index {
            0 => StoreError::NotFound,
            _ => StoreError::VersionConflict,
        })
        .await
    }
}

/// The attempts of one key within its window, newest last.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct Attempts {
    pub(super) at: Vec<i64>,
    pub(super) version: u64,
}

#[async_trait]
impl RateLimiter for DynamoStore {
    async fn attempt(
        &self,
        key: &str,
        limit: usize,
        window: std::time::Duration,
        now: time::OffsetDateTime,
    ) -> StoreResult<RateDecision> {
        let item_keys = ItemKeys {
            pk: format!("RATE#{key}"),
            sk: "RATE".to_owned(),
            gsi1: None,
            gsi2: None,
            more: Vec::new(),
        };
        let window_seconds = window.as_secs() as i64;
        let now_seconds = now.unix_timestamp();
        // Two writers racing on one key: the loser reads again and recounts.
        for _ in 0..5 {
            let stored: Option<Attempts> = self.get(item_keys.pk.clone(), &item_keys.sk).await?;
            let previous_version = stored.as_ref().map(|a| a.version);
            let mut attempts = stored.unwrap_or_default();
            attempts.at.retain(|t| now_seconds - t < window_seconds);
            if attempts.at.len() >= limit {
                let oldest = attempts.at.first().copied().unwrap_or(now_seconds);
                let retry_after_seconds = (oldest + window_seconds - now_seconds).max(1) as u64;
                return Ok(RateDecision::Limited {
                    retry_after_seconds,
                });
            }
            attempts.at.push(now_seconds);
            attempts.version = previous_version.unwrap_or(0) + 1;
            let mut item = to_item(&attempts, &item_keys)?;
            item.insert(
                TABLE.ttl_attribute.to_owned(),
                AttributeValue::N((now_seconds + window_seconds).to_string()),
            );
            let request = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item));
            let request = match previous_version {
                Some(version) => request
                    .condition_expression("version = :expected")
                    .expression_attribute_values(":expected", n(version)),
                None => request.condition_expression("attribute_not_exists(pk)"),
            };
            match request.send().await {
                Ok(_) => return Ok(RateDecision::Allowed),
                Err(aws_sdk_dynamodb::error::SdkError::ServiceError(e))
                    if e.err().is_conditional_check_failed_exception() =>
                {
                    continue;
                }
                Err(e) => return Err(backend(e)),
            }
        }
        Err(StoreError::Backend(format!(
            "the rate limit of {key} is contended"
        )))
    }
}
