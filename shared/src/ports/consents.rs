//! Consents to the processing of personal data.

use async_trait::async_trait;

use super::StoreResult;
use crate::{
    consent::Consent,
    domain::{ConsentId, OrganizationId},
    paging::{Page, PageRequest},
};

#[async_trait]
pub trait ConsentStore: Send + Sync {
    async fn create_consent(&self, consent: &Consent) -> StoreResult<()>;
    async fn get_consent(&self, id: ConsentId) -> StoreResult<Option<Consent>>;
    /// Replaces `previous` if neither its version nor its acceptance count moved.
    async fn update_consent(&self, consent: &Consent, previous: &Consent) -> StoreResult<()>;
    /// Deletes the consent if it is still at its version and nobody accepted it
    /// (`StoreError::Duplicate` says so otherwise).
    async fn delete_consent(&self, consent: &Consent) -> StoreResult<()>;
    /// An organization's consents by name, optionally those whose name starts with
    /// `name_prefix` (case-insensitive).
    async fn list_consents(
        &self,
        organization_id: OrganizationId,
        name_prefix: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<Consent>>;
}
