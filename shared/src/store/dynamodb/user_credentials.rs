//! Back-office users' passwords: one item beside the user's record (same partition,
//! so the user's delete takes it with the rest of the partition).

use super::*;
use crate::{customer_user::PasswordDigest, domain::Email, ports::UserCredentialStore};

#[derive(serde::Serialize, serde::Deserialize)]
struct PasswordItem {
    digest: PasswordDigest,
    #[serde(with = "crate::domain::rfc3339_millis")]
    set_at: time::OffsetDateTime,
}

#[derive(serde::Deserialize)]
struct EmailGuard {
    user_id: UserId,
}

#[async_trait]
impl UserCredentialStore for DynamoStore {
    async fn user_for_sign_in(
        &self,
        email: &Email,
    ) -> StoreResult<Option<(User, Option<PasswordDigest>)>> {
        let guard = item_keys::user_email_guard(&email.normalized());
        let Some(EmailGuard { user_id }) = self.get(guard.pk, &guard.sk).await? else {
            return Ok(None);
        };
        let pk = item_keys::user_pk(user_id);
        let found = self
            .batch_get(vec![
                key(pk.clone(), item_keys::SK_USER),
                key(pk, item_keys::SK_USER_PASSWORD),
            ])
            .await?;
        let mut user = None;
        let mut digest = None;
        for item in found {
            let sk = item
                .get(TABLE.sort_key)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default();
            if sk == item_keys::SK_USER_PASSWORD {
                digest = Some(from_item::<PasswordItem>(item)?.digest);
            } else {
                user = Some(from_item::<User>(item)?);
            }
        }
        Ok(user.map(|user| (user, digest)))
    }

    async fn user_password(&self, user_id: UserId) -> StoreResult<Option<PasswordDigest>> {
        let item: Option<PasswordItem> = self
            .get(item_keys::user_pk(user_id), item_keys::SK_USER_PASSWORD)
            .await?;
        Ok(item.map(|i| i.digest))
    }

    async fn set_user_password(&self, user_id: UserId, digest: &PasswordDigest) -> StoreResult<()> {
        let keys = ItemKeys {
            pk: item_keys::user_pk(user_id),
            sk: item_keys::SK_USER_PASSWORD.to_owned(),
            gsi1: None,
            gsi2: None,
            more: Vec::new(),
        };
        let item = to_item(
            &PasswordItem {
                digest: digest.clone(),
                set_at: crate::domain::now(),
            },
            &keys,
        )?;
        // Only while the user exists: a password must not outlive its user.
        let writes = vec![
            self.put_item_unconditionally(item)?,
            self.check_item(
                item_keys::user_pk(user_id),
                item_keys::SK_USER,
                "attribute_exists(pk)",
                Item::new(),
            )?,
        ];
        self.transact(writes, &|_| StoreError::NotFound).await
    }
}
