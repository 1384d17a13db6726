//! Sign-in sessions: authorization codes (by keyed hash, expiring) and sessions.

use super::*;
use crate::{
    auth::SecretHash,
    ports::{SessionStore, SessionView},
    session::{AuthorizationCode, Person, PersonState, Session},
};

/// Codes stay readable this long after they expire, so that a late second use is still
/// recognised (and revokes what the first issued) before DynamoDB's TTL removes them.
const CODE_KEPT_SECONDS: i64 = 3600;

fn with_ttl(mut item: Item, expires_at: i64) -> Item {
    item.insert(
        TABLE.ttl_attribute.to_owned(),
        AttributeValue::N(expires_at.to_string()),
    );
    item
}

fn session_item(session: &Session) -> StoreResult<Item> {
    let keys = ItemKeys {
        pk: item_keys::session_pk(&session.id),
        sk: item_keys::SK_SESSION.to_owned(),
        gsi1: None,
        gsi2: None,
        more: Vec::new(),
    };
    Ok(with_ttl(
        to_item(session, &keys)?,
        session.absolute_until.unix_timestamp(),
    ))
}

#[async_trait]
impl SessionStore for DynamoStore {
    async fn put_code(&self, code: &AuthorizationCode) -> StoreResult<()> {
        let item = to_item(code, &item_keys::authorization_code(&code.code_hash))?;
        self.put_new(with_ttl(
            item,
            code.valid_until.unix_timestamp() + CODE_KEPT_SECONDS,
        ))
        .await
    }

    async fn get_code(&self, code_hash: &SecretHash) -> StoreResult<Option<AuthorizationCode>> {
        let keys = item_keys::authorization_code(code_hash);
        self.get(keys.pk, &keys.sk).await
    }

    async fn start_session(&self, code: &AuthorizationCode, session: &Session) -> StoreResult<()> {
        let keys = item_keys::authorization_code(&code.code_hash);
        let used = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys.pk, &keys.sk)))
            .update_expression("SET used = :used")
            .condition_expression("used = :unused")
            .expression_attribute_values(":used", AttributeValue::Bool(true))
            .expression_attribute_values(":unused", AttributeValue::Bool(false))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let writes = vec![
            TransactWriteItem::builder().update(used).build(),
            self.put_new_item(session_item(session)?)?,
        ];
        self.transact(writes, &|_| StoreError::VersionConflict)
            .await
    }

    async fn get_session(&self, session_id: &str) -> StoreResult<Option<Session>> {
        self.get(item_keys::session_pk(session_id), item_keys::SK_SESSION)
            .await
    }

    async fn session_view(
        &self,
        application_id: ApplicationId,
        session_id: &str,
        person: Person,
    ) -> StoreResult<SessionView> {
        let app_pk = item_keys::application_pk(application_id);
        let session_pk = item_keys::session_pk(session_id);
        let (person_pk, person_sk) = item_keys::person_record(person);
        let found = self
            .batch_get(vec![
                key(app_pk.clone(), item_keys::SK_APPLICATION),
                key(session_pk.clone(), item_keys::SK_SESSION),
                key(person_pk, person_sk),
            ])
            .await?;
        let mut view = SessionView {
            application: None,
            session: None,
            person: None,
        };
        for item in found {
            let pk = item
                .get(TABLE.partition_key)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default();
            if pk == app_pk {
                view.application = Some(from_item(item)?);
            } else if pk == session_pk {
                view.session = Some(from_item(item)?);
            } else {
                view.person = Some(from_item(item)?);
            }
        }
        Ok(view)
    }

    async fn update_session(&self, session: &Session, expected_version: u64) -> StoreResult<()> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(session_item(session)?))
            .condition_expression("version = :expected AND revoked = :live")
            .expression_attribute_values(":expected", n(expected_version))
            .expression_attribute_values(":live", AttributeValue::Bool(false))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), PutItemError::ConditionalCheckFailedException(_)) =>
            {
                Err(StoreError::VersionConflict)
            }
            Err(e) => Err(backend(e)),
        }
    }

    async fn revoke_session(&self, session_id: &str) -> StoreResult<()> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(
                item_keys::session_pk(session_id),
                item_keys::SK_SESSION,
            )))
            .update_expression("SET revoked = :revoked, version = version + :one")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":revoked", AttributeValue::Bool(true))
            .expression_attribute_values(":one", n(1))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(())
            }
            Err(e) => Err(backend(e)),
        }
    }

    async fn person_state(&self, person: Person) -> StoreResult<Option<PersonState>> {
        let (pk, sk) = item_keys::person_record(person);
        // Only what the check needs: the token function may read nothing else of a
        // person (its policy names these attributes), least of all a password hash.
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .projection_expression("#enabled, #scopes, #after")
            .expression_attribute_names("#enabled", "enabled")
            .expression_attribute_names("#scopes", "scopes")
            .expression_attribute_names("#after", "sessions_valid_after")
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        self.count_reads(u64::from(output.item.is_some()));
        output.item.map(from_item).transpose()
    }
}
