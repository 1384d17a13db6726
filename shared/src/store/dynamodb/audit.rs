//! The audit log on the single table: one item per event, listed newest first per
//! organization (`gsi1`) and per record (`gsi2`), deleted by TTL after the retention.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

use super::{DynamoStore, Filter, to_item};
use crate::{
    audit::{AuditEvent, RETENTION_DAYS},
    domain::{OrganizationId, now},
    paging::{Page, PageRequest},
    ports::{AuditLog, StoreResult},
    store::{TABLE, item_keys},
};

#[async_trait]
impl AuditLog for DynamoStore {
    async fn record(&self, event: &AuditEvent) -> StoreResult<()> {
        let mut item = to_item(event, &item_keys::audit_event(event))?;
        let expires_at = event.at.unix_timestamp() + RETENTION_DAYS * 24 * 60 * 60;
        item.insert(
            TABLE.ttl_attribute.to_owned(),
            AttributeValue::N(expires_at.to_string()),
        );
        self.put_new(item).await
    }

    async fn list_events(
        &self,
        organization_id: OrganizationId,
        resource_id: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEvent>> {
        let (index, partition) = match resource_id {
            Some(resource) => (1, item_keys::audit_events_about(organization_id, resource)),
            None => (0, item_keys::audit_events_of(organization_id)),
        };
        // DynamoDB deletes expired items lazily: an event past its retention is gone.
        let unexpired = Filter {
            expression: "#expires > :now".to_owned(),
            names: vec![("#expires", TABLE.ttl_attribute)],
            values: vec![(
                ":now",
                AttributeValue::N(now().unix_timestamp().to_string()),
            )],
        };
        self.query_filtered(index, partition, None, &[unexpired], false, page)
            .await
    }
}
