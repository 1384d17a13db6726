//! Back-office users: the record, its email guard, and its notification log.

use super::*;

/// The guard of a back-office user's email, pointing back at the user.
pub(super) fn user_email_guard_item(user: &User) -> StoreResult<Item> {
    to_item(
        &serde_json::json!({ "user_id": user.id }),
        &item_keys::user_email_guard(&user.email.normalized()),
    )
}

#[async_trait]
impl UserStore for DynamoStore {
    async fn create_user(&self, user: &User) -> StoreResult<()> {
        let writes = vec![
            self.put_new_item(to_item(user, &item_keys::user(user))?)?,
            self.put_new_item(user_email_guard_item(user)?)?,
        ];
        self.transact(writes, &|index| match index {
            1 => StoreError::Taken(Unique::UserEmail),
            _ => StoreError::Taken(Unique::Id),
        })
        .await
    }

    async fn get_user(&self, id: UserId) -> StoreResult<Option<User>> {
        self.get(item_keys::user_pk(id), item_keys::SK_USER).await
    }

    async fn update_user(
        &self,
        user: &User,
        previous: &User,
        applications: &[Application],
    ) -> StoreResult<()> {
        let mut writes = vec![self.owner_record_write(
            to_item(user, &item_keys::user(user))?,
            previous.version,
            user.application_count,
            user.enabled != previous.enabled,
        )?];
        let email_changed = user.email.normalized() != previous.email.normalized();
        if email_changed {
            writes.push(self.put_new_item(user_email_guard_item(user)?)?);
            let old = item_keys::user_email_guard(&previous.email.normalized());
            writes.push(self.delete_item(old.pk, &old.sk, None)?);
        }
        for application in applications {
            let item = to_item(application, &item_keys::application(application))?;
            writes.push(self.put_versioned_item(item, application.version - 1)?);
        }
        let result = self
            .transact(writes, &|index| match (index, email_changed) {
                (0, _) => StoreError::VersionConflict,
                (1, true) => StoreError::Taken(Unique::UserEmail),
                _ => StoreError::Moved(Dependency::OwnerApplications),
            })
            .await;
        match result {
            Err(StoreError::VersionConflict) => Err(self
                .owner_conflict(Owner::Backend { user_id: user.id }, previous.version)
                .await?),
            other => other,
        }
    }

    async fn delete_user(&self, user: &User, applications: &[Application]) -> StoreResult<()> {
        let owner = Owner::Backend { user_id: user.id };
        let guard = item_keys::user_email_guard(&user.email.normalized());
        let mut writes = vec![
            self.delete_owner_item(owner, user.version, applications)?,
            self.delete_item(guard.pk, &guard.sk, None)?,
        ];
        writes.extend(self.application_deletes(applications)?);
        let result = self
            .transact(writes, &|index| match index {
                0 => StoreError::VersionConflict,
                _ => StoreError::Moved(Dependency::OwnerApplications),
            })
            .await;
        match result {
            Err(StoreError::VersionConflict) => {
                return Err(self.owner_conflict(owner, user.version).await?);
            }
            other => other?,
        }
        // What is left of the user's partition: its notification log.
        self.delete_partition(item_keys::user_pk(user.id)).await
    }

    async fn list_users(
        &self,
        organization_id: OrganizationId,
        email_prefix: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<User>> {
        self.query_page(0, item_keys::users_of(organization_id), email_prefix, page)
            .await
    }

    async fn record_user_notification(
        &self,
        user_id: UserId,
        notification: &crate::customer_user::Notification,
    ) -> StoreResult<()> {
        self.write_notification(
            item_keys::user_pk(user_id),
            item_keys::SK_USER,
            notification,
        )
        .await
    }

    async fn recent_user_notifications(
        &self,
        user_id: UserId,
        limit: u16,
    ) -> StoreResult<Vec<crate::customer_user::Notification>> {
        self.read_notifications(item_keys::user_pk(user_id), limit)
            .await
    }
}
