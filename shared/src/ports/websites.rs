//! Websites of an organization.

use async_trait::async_trait;

use super::StoreResult;
use crate::{
    directory::Website,
    domain::{Localization, OrganizationId, WebsiteId},
    paging::{Page, PageRequest},
};

#[async_trait]
pub trait WebsiteStore: Send + Sync {
    async fn create_website(&self, website: &Website) -> StoreResult<()>;

    async fn get_website(&self, id: WebsiteId) -> StoreResult<Option<Website>>;

    /// Replaces `previous`, moving the default-role counts if the default changed.
    async fn update_website(&self, website: &Website, previous: &Website) -> StoreResult<()>;

    async fn delete_website(&self, website: &Website) -> StoreResult<()>;

    /// How many customer users of `website` prefer one of `localizations`. It reads
    /// every customer user of the website's organization (a paged Query that counts
    /// through a filter), so it is for the rare change that drops a localization.
    async fn customer_users_preferring(
        &self,
        website: &Website,
        localizations: &[Localization],
    ) -> StoreResult<u64>;

    async fn list_websites(
        &self,
        organization_id: OrganizationId,
        name_prefix: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<Website>>;
}
