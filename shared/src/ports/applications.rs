//! OAuth applications, and what the token endpoint reads and writes of them.

use async_trait::async_trait;

use super::StoreResult;
use crate::{
    application::{Application, Owner},
    domain::{ApplicationId, OrganizationId},
    paging::{Page, PageRequest},
};

#[async_trait]
pub trait ApplicationStore: Send + Sync {
    async fn get_application(&self, id: ApplicationId) -> StoreResult<Option<Application>>;
    /// Creates the application and counts it on its owner; `Duplicate` when the owner
    /// already has one of this name in the organization, or as many as it may have;
    /// `NotFound` when the owner is gone.
    async fn create_application(&self, application: &Application) -> StoreResult<()>;
    /// Replaces `previous`, moving the name guard when the name changed.
    async fn replace_application(
        &self,
        application: &Application,
        previous: &Application,
    ) -> StoreResult<()>;
    /// Deletes the application and its name guard, and counts it off its owner.
    async fn delete_application(&self, application: &Application) -> StoreResult<()>;
    async fn list_applications(
        &self,
        query: &ApplicationQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Application>>;
    /// Replaces the record if it is still at `expected_version`.
    async fn update_application(
        &self,
        application: &Application,
        expected_version: u64,
    ) -> StoreResult<()>;
    async fn applications_of_owner(&self, owner: Owner) -> StoreResult<Vec<Application>>;
    /// The application and the recent failures from `source`, in one read.
    async fn application_for_token(
        &self,
        id: ApplicationId,
        source: &str,
    ) -> StoreResult<(Option<Application>, Vec<i64>)>;
    /// Counts a failed authentication at `now` against the application (when the
    /// client id names one) and the source, atomically: parallel failures all count.
    async fn record_auth_failure(
        &self,
        application: Option<ApplicationId>,
        source: &str,
        now: i64,
    ) -> StoreResult<()>;
    /// Sets `last_used_at` unless another request set it within the minute.
    async fn touch_application(
        &self,
        id: ApplicationId,
        at: time::OffsetDateTime,
    ) -> StoreResult<()>;
}

/// The application grid: one owner's applications by name, or an organization's by
/// name or by last use (most recent first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplicationScope {
    Owner(Owner),
    Organization {
        organization_id: OrganizationId,
        by_last_use: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationQuery {
    pub scope: ApplicationScope,
    pub name_prefix: Option<String>,
    pub active: Option<bool>,
}
