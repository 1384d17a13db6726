//! Consents on the single table, listed per organization by name. Acceptances live on
//! the customer users' records; each consent counts them.

use async_trait::async_trait;

use super::{DynamoStore, to_item};
use crate::{
    consent::Consent,
    domain::{ConsentId, OrganizationId},
    paging::{Page, PageRequest},
    ports::{ConsentStore, Reference, StoreError, StoreResult},
    store::item_keys,
};

#[async_trait]
impl ConsentStore for DynamoStore {
    async fn create_consent(&self, consent: &Consent) -> StoreResult<()> {
        self.put_new(to_item(consent, &item_keys::consent(consent))?)
            .await
    }

    async fn get_consent(&self, id: ConsentId) -> StoreResult<Option<Consent>> {
        self.get(item_keys::consent_pk(id), item_keys::SK_CONSENT)
            .await
    }

    async fn update_consent(&self, consent: &Consent, previous: &Consent) -> StoreResult<()> {
        let item = to_item(consent, &item_keys::consent(consent))?;
        if self
            .put_counted(item, previous.version, &["acceptance_count"])
            .await?
        {
            return Ok(());
        }
        match self.get_consent(consent.id).await? {
            None => Err(StoreError::NotFound),
            Some(_) => Err(StoreError::VersionConflict),
        }
    }

    async fn delete_consent(&self, consent: &Consent) -> StoreResult<()> {
        if self
            .delete_uncounted(
                item_keys::consent_pk(consent.id),
                item_keys::SK_CONSENT,
                consent.version,
                &["acceptance_count"],
            )
            .await?
        {
            return Ok(());
        }
        match self.get_consent(consent.id).await? {
            None => Err(StoreError::NotFound),
            Some(current) if current.acceptance_count > 0 => {
                Err(StoreError::InUse(Reference::ConsentAcceptances))
            }
            Some(_) => Err(StoreError::VersionConflict),
        }
    }

    async fn list_consents(
        &self,
        organization_id: OrganizationId,
        name_prefix: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<Consent>> {
        self.query_page(
            0,
            item_keys::consents_of(organization_id),
            name_prefix,
            page,
        )
        .await
    }
}
