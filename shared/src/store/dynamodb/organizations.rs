//! Organizations.

use super::*;

#[async_trait]
impl OrganizationStore for DynamoStore {
    async fn create_organization(&self, organization: &Organization) -> StoreResult<()> {
        self.put_new(to_item(
            organization,
            &item_keys::organization(organization),
        )?)
        .await
    }

    async fn get_organization(&self, id: OrganizationId) -> StoreResult<Option<Organization>> {
        self.get(item_keys::organization_pk(id), item_keys::SK_ORGANIZATION)
            .await
    }

    async fn update_organization(
        &self,
        organization: &Organization,
        expected_version: u64,
    ) -> StoreResult<()> {
        self.put_versioned(
            organization,
            &item_keys::organization(organization),
            expected_version,
        )
        .await
    }

    async fn delete_organization(&self, organization: &Organization) -> StoreResult<()> {
        self.delete_versioned(
            item_keys::organization_pk(organization.id),
            item_keys::SK_ORGANIZATION,
            organization.version,
        )
        .await
    }

    async fn list_organizations(
        &self,
        name_prefix: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<Organization>> {
        self.query_page(0, item_keys::ORGANIZATIONS.to_owned(), name_prefix, page)
            .await
    }

    async fn organization_in_use(&self, id: OrganizationId) -> StoreResult<bool> {
        let partitions = [
            (0, item_keys::websites_of(id)),
            (0, item_keys::users_of(id)),
            (0, item_keys::customers_of(id)),
            (0, item_keys::roles_of(id)),
            (0, item_keys::consents_of(id)),
            (1, item_keys::applications_in(id)),
        ];
        for (index, partition) in partitions {
            if self.any_in(index, partition).await? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
