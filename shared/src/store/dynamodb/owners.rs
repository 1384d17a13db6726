//! What a back-office user and a customer user share as owners of applications:
//! their record's writes hold only while their application count is the one read.

use super::*;

/// The fields of an application's owner (a user or a customer user) that its
/// application writes are conditioned on.
#[derive(serde::Deserialize)]
pub(super) struct OwnerState {
    pub(super) version: u64,
    pub(super) enabled: bool,
}

/// The owner's count of its applications, moved with each one's create and delete.
pub(super) const APPLICATION_COUNT: &str = "application_count";

impl DynamoStore {
    /// Deletes of applications with their name guards, for an owner's delete. Each is
    /// conditioned on the version found, so one deleted and another created meanwhile
    /// cannot leave the owner's count unmoved and the new one behind.
    pub(super) fn application_deletes(
        &self,
        applications: &[Application],
    ) -> StoreResult<Vec<TransactWriteItem>> {
        let mut writes = Vec::new();
        for application in applications {
            writes.push(self.delete_item(
                item_keys::application_pk(application.id),
                item_keys::SK_APPLICATION,
                Some((
                    "version = :expected",
                    HashMap::from([(":expected".to_owned(), n(application.version))]),
                )),
            )?);
            let guard = item_keys::application_name_guard(application);
            writes.push(self.delete_item(guard.pk, &guard.sk, None)?);
        }
        Ok(writes)
    }

    /// The write of an owner's own record (a back-office user or customer user). One
    /// that rewrites the owner's applications (enabling or disabling it) holds only if
    /// the application count is still the one read, so that an application created
    /// meanwhile is not left out; any other leaves the count as stored.
    pub(super) fn owner_record_write(
        &self,
        item: Item,
        expected_version: u64,
        application_count: u64,
        rewrites_applications: bool,
    ) -> StoreResult<TransactWriteItem> {
        if rewrites_applications {
            self.put_if_count_unmoved(item, expected_version, APPLICATION_COUNT, application_count)
        } else {
            KeepingCounters::new(item, &[APPLICATION_COUNT], expected_version)
                .transact_item(&self.table)
        }
    }

    /// Deletes an owner still at `version` that has exactly the `applications` found
    /// (the index may not show one just created; the count does).
    pub(super) fn delete_owner_item(
        &self,
        owner: Owner,
        version: u64,
        applications: &[Application],
    ) -> StoreResult<TransactWriteItem> {
        let (pk, sk) = item_keys::owner_record(owner);
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .condition_expression(UNMOVED)
            .expression_attribute_names("#counter", APPLICATION_COUNT)
            .expression_attribute_values(":expected", n(version))
            .expression_attribute_values(":count", n(applications.len() as u64))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// Why a write conditioned on an owner's version and application count failed.
    pub(super) async fn owner_conflict(
        &self,
        owner: Owner,
        expected_version: u64,
    ) -> StoreResult<StoreError> {
        Ok(match self.owner_state(owner).await?.map(|o| o.version) {
            None => StoreError::NotFound,
            Some(version) if version != expected_version => StoreError::VersionConflict,
            Some(_) => StoreError::Moved(Dependency::OwnerApplications),
        })
    }

    /// What a failed condition on an application's owner is checked against.
    pub(super) async fn owner_state(&self, owner: Owner) -> StoreResult<Option<OwnerState>> {
        let (pk, sk) = item_keys::owner_record(owner);
        self.get(pk, sk).await
    }
}
