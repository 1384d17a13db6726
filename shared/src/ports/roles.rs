//! Customer-user roles.

use async_trait::async_trait;

use super::StoreResult;
use crate::{
    directory::CustomerUserRole,
    domain::{CustomerId, OrganizationId, RoleId},
    paging::{Page, PageRequest},
};

/// Filters of the role list; each is served by a key, never a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleFilter {
    pub organization_id: OrganizationId,
    /// Only this customer's own roles.
    pub customer_id: Option<CustomerId>,
    /// Only roles whose label starts with this (case-insensitive).
    pub label_prefix: Option<String>,
}

#[async_trait]
pub trait RoleStore: Send + Sync {
    async fn create_role(&self, role: &CustomerUserRole) -> StoreResult<()>;

    async fn get_role(&self, id: RoleId) -> StoreResult<Option<CustomerUserRole>>;

    /// The roles of these ids that exist, in any order, in one read per 100 ids.
    async fn get_roles(&self, ids: &[RoleId]) -> StoreResult<Vec<CustomerUserRole>>;

    /// Replaces `previous` if neither its version nor its user count moved meanwhile.
    async fn update_role(
        &self,
        role: &CustomerUserRole,
        previous: &CustomerUserRole,
    ) -> StoreResult<()>;

    /// Deletes the role if it is still at its version and no customer user holds it
    /// (`StoreError::Duplicate` says so otherwise).
    async fn delete_role(&self, role: &CustomerUserRole) -> StoreResult<()>;

    /// An organization's roles, or one customer's own, by label.
    async fn list_roles(
        &self,
        filter: &RoleFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<CustomerUserRole>>;

    /// The roles a customer administrator may see and assign: the customer's own and
    /// the self-managed system roles, by label.
    async fn list_assignable_roles(
        &self,
        organization_id: OrganizationId,
        customer_id: CustomerId,
        page: &PageRequest,
    ) -> StoreResult<Page<CustomerUserRole>>;
}
