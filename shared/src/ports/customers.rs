//! Customers (companies) and their hierarchy.

use async_trait::async_trait;

use super::StoreResult;
use crate::{
    directory::Customer,
    domain::{CustomerId, OrganizationId},
    paging::{Page, PageRequest},
};

/// Filters of the customer list; each is served by a key, never a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerFilter {
    pub organization_id: OrganizationId,
    pub name_prefix: Option<String>,
    /// Only the direct subsidiaries of this customer.
    pub parent_id: Option<CustomerId>,
}

#[async_trait]
pub trait CustomerStore: Send + Sync {
    /// Creates the customer and counts it on its parent, atomically.
    async fn create_customer(&self, customer: &Customer) -> StoreResult<()>;

    async fn get_customer(&self, id: CustomerId) -> StoreResult<Option<Customer>>;

    /// Replaces `previous`, moving the subsidiary count if the parent changed.
    /// `ancestors` are the new parent and those above it, up to the root, as checked
    /// for cycles (empty when the parent stays): if any of them has moved meanwhile
    /// the write fails (`StoreError::Duplicate`), so concurrent moves never close a cycle.
    async fn update_customer(
        &self,
        customer: &Customer,
        previous: &Customer,
        ancestors: &[CustomerId],
    ) -> StoreResult<()>;

    /// Deletes the customer if it is still at its version and has no subsidiaries and no
    /// customer users (`StoreError::Duplicate` says which otherwise).
    async fn delete_customer(&self, customer: &Customer) -> StoreResult<()>;

    async fn list_customers(
        &self,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Customer>>;
}
