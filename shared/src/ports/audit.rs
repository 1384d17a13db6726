//! The audit log.

use async_trait::async_trait;

use super::StoreResult;
use crate::{
    audit::AuditEvent,
    domain::OrganizationId,
    paging::{Page, PageRequest},
};

/// The audit log's events, per organization and per record.
#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn record(&self, event: &AuditEvent) -> StoreResult<()>;
    /// An organization's events, newest first; only those about `resource_id`, if given.
    async fn list_events(
        &self,
        organization_id: OrganizationId,
        resource_id: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEvent>>;
}
