//! Organizations: the tenants every other record belongs to.

use async_trait::async_trait;

use super::StoreResult;
use crate::{
    directory::Organization,
    domain::OrganizationId,
    paging::{Page, PageRequest},
};

#[async_trait]
pub trait OrganizationStore: Send + Sync {
    async fn create_organization(&self, organization: &Organization) -> StoreResult<()>;

    async fn get_organization(&self, id: OrganizationId) -> StoreResult<Option<Organization>>;

    async fn update_organization(
        &self,
        organization: &Organization,
        expected_version: u64,
    ) -> StoreResult<()>;

    async fn delete_organization(&self, organization: &Organization) -> StoreResult<()>;

    async fn list_organizations(
        &self,
        name_prefix: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<Organization>>;

    /// Whether any website, back-office user, customer, role, consent or application still
    /// belongs to it.
    async fn organization_in_use(&self, id: OrganizationId) -> StoreResult<bool>;
}
