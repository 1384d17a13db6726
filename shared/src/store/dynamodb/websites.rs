//! Websites, and the counts of the roles they give by default.

use aws_sdk_dynamodb::types::Select;

use super::*;
use crate::domain::Localization;

impl DynamoStore {
    /// The count moves of a website's default role: the role it now gives (which must
    /// exist) first, then the one it gave before.
    pub(super) fn default_role_moves(
        &self,
        website: Option<&Website>,
        previous: Option<&Website>,
    ) -> StoreResult<Vec<TransactWriteItem>> {
        let now = website.and_then(|w| w.default_role_id);
        let before = previous.and_then(|w| w.default_role_id);
        let mut writes = Vec::new();
        if now != before {
            for (role, delta) in [(now, 1), (before, -1)] {
                if let Some(role) = role {
                    writes.push(self.add_to_counter(
                        item_keys::role_pk(role),
                        item_keys::SK_ROLE,
                        "default_for_websites",
                        delta,
                    )?);
                }
            }
        }
        Ok(writes)
    }
}

#[async_trait]
impl WebsiteStore for DynamoStore {
    async fn create_website(&self, website: &Website) -> StoreResult<()> {
        let mut writes = vec![self.put_new_item(to_item(website, &item_keys::website(website))?)?];
        writes.extend(self.default_role_moves(Some(website), None)?);
        self.transact(writes, &|index| match index {
            0 => StoreError::Taken(Unique::Id),
            _ => StoreError::Moved(Dependency::DefaultRole),
        })
        .await
    }

    async fn get_website(&self, id: WebsiteId) -> StoreResult<Option<Website>> {
        self.get(item_keys::website_pk(id), item_keys::SK_WEBSITE)
            .await
    }

    async fn update_website(&self, website: &Website, previous: &Website) -> StoreResult<()> {
        let item = to_item(website, &item_keys::website(website))?;
        let mut writes = vec![
            KeepingCounters::new(item, &["customer_user_count"], previous.version)
                .transact_item(&self.table)?,
        ];
        let moves = self.default_role_moves(Some(website), Some(previous))?;
        // The count taken from the role it gave before (the last move) is left out if
        // that role is gone: deleted before roles counted their websites.
        let left = (website.default_role_id != previous.default_role_id
            && previous.default_role_id.is_some())
        .then(|| writes.len() + moves.len() - 1);
        writes.extend(moves);
        let result = self
            .transact_without_if_failed(writes, left, &|index| match index {
                0 => StoreError::VersionConflict,
                _ => StoreError::Moved(Dependency::DefaultRole),
            })
            .await;
        match result {
            Err(StoreError::VersionConflict) => match self.get_website(website.id).await? {
                None => Err(StoreError::NotFound),
                Some(_) => Err(StoreError::VersionConflict),
            },
            other => other,
        }
    }

    async fn delete_website(&self, website: &Website) -> StoreResult<()> {
        let delete = self.uncounted_delete(
            item_keys::website_pk(website.id),
            item_keys::SK_WEBSITE,
            website.version,
            &["customer_user_count"],
        )?;
        let mut writes = vec![TransactWriteItem::builder().delete(delete).build()];
        let moves = self.default_role_moves(None, Some(website))?;
        let left = (!moves.is_empty()).then_some(1);
        writes.extend(moves);
        let result = self
            .transact_without_if_failed(writes, left, &|_| StoreError::VersionConflict)
            .await;
        match result {
            Err(StoreError::VersionConflict) => match self.get_website(website.id).await? {
                None => Err(StoreError::NotFound),
                Some(current) if current.customer_user_count > 0 => {
                    Err(StoreError::InUse(Reference::WebsiteCustomerUsers))
                }
                Some(_) => Err(StoreError::VersionConflict),
            },
            other => other,
        }
    }

    async fn customer_users_preferring(
        &self,
        website: &Website,
        localizations: &[Localization],
    ) -> StoreResult<u64> {
        if localizations.is_empty() {
            return Ok(0);
        }
        let index = &TABLE.indexes[0];
        let placeholders: Vec<String> =
            (0..localizations.len()).map(|i| format!(":l{i}")).collect();
        let mut values = HashMap::from([
            (
                ":pk".to_owned(),
                s(item_keys::customer_users_of(website.organization_id)),
            ),
            (":website".to_owned(), s(website.id.to_string())),
        ]);
        for (placeholder, localization) in placeholders.iter().zip(localizations) {
            values.insert(placeholder.clone(), s(localization.as_str()));
        }
        let mut count = 0;
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index.name)
                .key_condition_expression("#pk = :pk")
                .filter_expression(format!(
                    "website_id = :website AND preferred_localization IN ({})",
                    placeholders.join(", ")
                ))
                .expression_attribute_names("#pk", index.partition_key)
                .set_expression_attribute_values(Some(values.clone()))
                .select(Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(backend)?;
            self.count_reads(output.scanned_count.max(0) as u64);
            count += output.count.max(0) as u64;
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(count);
            }
        }
    }

    async fn list_websites(
        &self,
        organization_id: OrganizationId,
        name_prefix: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<Website>> {
        self.query_page(
            0,
            item_keys::websites_of(organization_id),
            name_prefix,
            page,
        )
        .await
    }
}
