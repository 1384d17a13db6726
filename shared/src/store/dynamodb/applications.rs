//! OAuth applications: the record, its name guard, and its count on the owner.

use super::*;

/// The guard of an application's name, pointing back at it.
pub(super) fn app_name_guard_item(application: &Application) -> StoreResult<Item> {
    to_item(
        &serde_json::json!({ "application_id": application.id }),
        &item_keys::application_name_guard(application),
    )
}

#[async_trait]
impl ApplicationStore for DynamoStore {
    async fn get_application(&self, id: ApplicationId) -> StoreResult<Option<Application>> {
        self.get(item_keys::application_pk(id), item_keys::SK_APPLICATION)
            .await
    }

    async fn create_application(&self, application: &Application) -> StoreResult<()> {
        let (owner_pk, owner_sk) = item_keys::owner_record(application.owner);
        let writes = vec![
            self.put_new_item(to_item(application, &item_keys::application(application))?)?,
            self.put_new_item(app_name_guard_item(application)?)?,
            // The owner must still be as enabled as the application says: one disabled
            // meanwhile found no application to stop, and this one must not live on.
            self.add_to_counter_if(
                owner_pk,
                owner_sk,
                APPLICATION_COUNT,
                1,
                Some((
                    "(attribute_not_exists(#counter) OR #counter < :bound) AND enabled = :enabled",
                    Item::from([
                        (":bound".to_owned(), n(MAX_APPLICATIONS_PER_OWNER)),
                        (
                            ":enabled".to_owned(),
                            AttributeValue::Bool(application.owner_enabled),
                        ),
                    ]),
                )),
            )?,
        ];
        let result = self
            .transact(writes, &|index| match index {
                0 => StoreError::Taken(Unique::Id),
                1 => StoreError::Taken(Unique::ApplicationName),
                _ => StoreError::NotFound,
            })
            .await;
        match result {
            // Say why: the owner is gone, was enabled or disabled meanwhile, or has no
            // room left.
            Err(StoreError::NotFound) => match self.owner_state(application.owner).await? {
                None => Err(StoreError::NotFound),
                Some(owner) if owner.enabled != application.owner_enabled => {
                    Err(StoreError::Contention)
                }
                Some(_) => Err(StoreError::TooManyApplications),
            },
            other => other,
        }
    }

    async fn replace_application(
        &self,
        application: &Application,
        previous: &Application,
    ) -> StoreResult<()> {
        let mut writes = vec![self.put_versioned_item(
            to_item(application, &item_keys::application(application))?,
            previous.version,
        )?];
        let renamed = item_keys::application_name_guard(application)
            != item_keys::application_name_guard(previous);
        if renamed {
            writes.push(self.put_new_item(app_name_guard_item(application)?)?);
            let old = item_keys::application_name_guard(previous);
            writes.push(self.delete_item(old.pk, &old.sk, None)?);
        }
        self.transact(writes, &|index| match index {
            0 => StoreError::VersionConflict,
            _ => StoreError::Taken(Unique::ApplicationName),
        })
        .await
    }

    async fn delete_application(&self, application: &Application) -> StoreResult<()> {
        let guard = item_keys::application_name_guard(application);
        let (owner_pk, owner_sk) = item_keys::owner_record(application.owner);
        let writes = vec![
            self.delete_item(
                item_keys::application_pk(application.id),
                item_keys::SK_APPLICATION,
                Some((
                    "version = :expected",
                    HashMap::from([(":expected".to_owned(), n(application.version))]),
                )),
            )?,
            self.delete_item(guard.pk, &guard.sk, None)?,
            self.take_from_counter(owner_pk, owner_sk, APPLICATION_COUNT)?,
        ];
        // The owner's count is left out when it never counted this application (written
        // before owners counted theirs) or is gone (its delete then left this one
        // behind; owner ids are never reused).
        self.transact_without_if_failed(writes, Some(2), &|_| StoreError::VersionConflict)
            .await
    }

    async fn list_applications(
        &self,
        query: &ApplicationQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Application>> {
        let filters: Vec<Filter> = query
            .active
            .map(|active| Filter {
                expression: "#active = :active".into(),
                names: vec![("#active", "active")],
                values: vec![(":active", AttributeValue::Bool(active))],
            })
            .into_iter()
            .collect();
        let prefix = query.name_prefix.as_deref();
        match &query.scope {
            ApplicationScope::Owner(owner) => {
                self.query_filtered(
                    0,
                    item_keys::applications_of(*owner),
                    prefix,
                    &filters,
                    true,
                    page,
                )
                .await
            }
            ApplicationScope::Organization {
                organization_id,
                by_last_use: false,
            } => {
                self.query_filtered(
                    1,
                    item_keys::applications_in(*organization_id),
                    prefix,
                    &filters,
                    true,
                    page,
                )
                .await
            }
            ApplicationScope::Organization {
                organization_id,
                by_last_use: true,
            } => {
                let mut filters = filters;
                filters.extend(prefix.filter(|p| !p.is_empty()).map(|p| Filter {
                    expression: "begins_with(#name_lc, :name)".into(),
                    names: vec![("#name_lc", "gsi1sk")],
                    values: vec![(":name", s(p.to_lowercase()))],
                }));
                self.query_filtered(
                    2,
                    item_keys::applications_in(*organization_id),
                    None,
                    &filters,
                    false,
                    page,
                )
                .await
            }
        }
    }

    async fn update_application(
        &self,
        application: &Application,
        expected_version: u64,
    ) -> StoreResult<()> {
        self.put_versioned(
            application,
            &item_keys::application(application),
            expected_version,
        )
        .await
    }

    async fn applications_of_owner(&self, owner: Owner) -> StoreResult<Vec<Application>> {
        self.query_all(0, item_keys::applications_of(owner)).await
    }

    async fn application_for_token(
        &self,
        id: ApplicationId,
        source: &str,
    ) -> StoreResult<(Option<Application>, Vec<i64>)> {
        let app_pk = item_keys::application_pk(id);
        let source_key = item_keys::token_source(source);
        let found = self
            .batch_get(vec![
                key(app_pk.clone(), item_keys::SK_APPLICATION),
                key(source_key.pk.clone(), &source_key.sk),
            ])
            .await?;
        let mut application = None;
        let mut failures = Vec::new();
        for item in found {
            let pk = item
                .get(TABLE.partition_key)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default();
            if pk == app_pk {
                application = Some(from_item(item)?);
            } else {
                failures = from_item::<links::Attempts>(item)?.at;
            }
        }
        Ok((application, failures))
    }

    async fn record_auth_failure(
        &self,
        application: Option<ApplicationId>,
        source: &str,
        now: i64,
    ) -> StoreResult<()> {
        if let Some(id) = application {
            let at = key(item_keys::application_pk(id), item_keys::SK_APPLICATION);
            let list = FailureList {
                attribute: "auth_failures",
                limit: lockout::CLIENT_FAILURES,
                expires_at: None,
            };
            self.count_failure(at, &list, now).await?;
        }
        let source_keys = item_keys::token_source(source);
        let list = FailureList {
            attribute: "at",
            limit: lockout::SOURCE_FAILURES,
            expires_at: Some(now + lockout::WINDOW_SECONDS),
        };
        self.count_failure(key(source_keys.pk, &source_keys.sk), &list, now)
            .await
    }

    async fn touch_application(
        &self,
        id: ApplicationId,
        at: time::OffsetDateTime,
    ) -> StoreResult<()> {
        let cutoff = crate::domain::rfc3339_millis::format(&(at - time::Duration::minutes(1)));
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(item_keys::application_pk(id), item_keys::SK_APPLICATION)))
            .update_expression("SET last_used_at = :at, gsi3sk = :order")
            .condition_expression(
                "attribute_exists(pk) AND (attribute_not_exists(last_used_at) OR attribute_type(last_used_at, :null) OR last_used_at <= :cutoff)",
            )
            .expression_attribute_values(":at", s(crate::domain::rfc3339_millis::format(&at)))
            .expression_attribute_values(":cutoff", s(cutoff))
            .expression_attribute_values(":null", s("NULL"))
            .expression_attribute_values(":order", s(item_keys::last_use_sort_key(Some(at), id)))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Another request wrote it within the minute, or the application is gone.
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(())
            }
            Err(e) => Err(backend(e)),
        }
    }
}
