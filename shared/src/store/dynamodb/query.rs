//! Reads: single items, batches, and paged Queries on the global indexes.

use aws_sdk_dynamodb::operation::query::QueryOutput;

use super::*;

/// One condition of a Query's filter expression, with its placeholders.
pub(super) struct Filter {
    pub(super) expression: String,
    pub(super) names: Vec<(&'static str, &'static str)>,
    pub(super) values: Vec<(&'static str, AttributeValue)>,
}

impl DynamoStore {
    pub(super) async fn get<T: DeserializeOwned>(
        &self,
        pk: String,
        sk: &str,
    ) -> StoreResult<Option<T>> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        self.count_reads(u64::from(output.item.is_some()));
        output.item.map(from_item).transpose()
    }

    /// The items with these keys (at most 100), in one strongly consistent
    /// BatchGetItem; unprocessed keys (throttling) are asked for again. Missing items
    /// are left out, and the order is the service's.
    pub(super) async fn batch_get(&self, keys: Vec<Item>) -> StoreResult<Vec<Item>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let request = KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .consistent_read(true)
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let mut pending = HashMap::from([(self.table.clone(), request)]);
        let mut found = Vec::new();
        while !pending.is_empty() {
            let output = self
                .client
                .batch_get_item()
                .set_request_items(Some(pending))
                .send()
                .await
                .map_err(backend)?;
            found.extend(
                output
                    .responses
                    .and_then(|mut r| r.remove(&self.table))
                    .unwrap_or_default(),
            );
            pending = output.unprocessed_keys.unwrap_or_default();
        }
        self.count_reads(found.len() as u64);
        Ok(found)
    }

    /// One page of a Query on a global index: partition `partition`, sort keys starting
    /// with `prefix` (case-folded), in sort-key order.
    pub(super) async fn query_page<T: DeserializeOwned>(
        &self,
        index: usize,
        partition: String,
        prefix: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<T>> {
        self.query_filtered(index, partition, prefix, &[], true, page)
            .await
    }

    /// [`Self::query_page`] narrowed by `filters`, all of which must hold. Items the
    /// filters drop still count as read, so a page may hold fewer than `limit` items
    /// and still have a next cursor.
    pub(super) async fn query_filtered<T: DeserializeOwned>(
        &self,
        index: usize,
        partition: String,
        prefix: Option<&str>,
        filters: &[Filter],
        ascending: bool,
        page: &PageRequest,
    ) -> StoreResult<Page<T>> {
        let index = TABLE.indexes[index];
        let start = page
            .cursor
            .as_deref()
            .map(|c| decode_cursor(c, index, &partition, prefix))
            .transpose()?;
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index.name)
            .expression_attribute_names("#pk", index.partition_key)
            .expression_attribute_values(":pk", s(partition))
            .limit(i32::from(page.limit))
            .scan_index_forward(ascending)
            .set_exclusive_start_key(start);
        request = match prefix.filter(|p| !p.is_empty()) {
            Some(prefix) => request
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#sk", index.sort_key)
                .expression_attribute_values(":prefix", s(prefix.to_lowercase())),
            None => request.key_condition_expression("#pk = :pk"),
        };
        if !filters.is_empty() {
            let expression = filters
                .iter()
                .map(|f| f.expression.as_str())
                .collect::<Vec<_>>()
                .join(" AND ");
            request = request.filter_expression(expression);
            for filter in filters {
                for (name, attribute) in &filter.names {
                    request = request.expression_attribute_names(*name, *attribute);
                }
                for (placeholder, value) in &filter.values {
                    request = request.expression_attribute_values(*placeholder, value.clone());
                }
            }
        }
        let output = request.send().await.map_err(backend)?;
        self.page_of(output)
    }

    /// A Query's answer as a page: its items, the items it evaluated counted as read,
    /// and the cursor of the next page.
    pub(super) fn page_of<T: DeserializeOwned>(&self, output: QueryOutput) -> StoreResult<Page<T>> {
        self.count_reads(output.scanned_count.max(0) as u64);
        let items = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(from_item)
            .collect::<StoreResult<Vec<T>>>()?;
        let next_cursor = output
            .last_evaluated_key
            .map(|k| encode_cursor(&k))
            .transpose()?;
        Ok(Page { items, next_cursor })
    }

    pub(super) async fn query_all<T: DeserializeOwned>(
        &self,
        index: usize,
        partition: String,
    ) -> StoreResult<Vec<T>> {
        let mut items = Vec::new();
        let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
        loop {
            let result: Page<T> = self
                .query_page(index, partition.clone(), None, &page)
                .await?;
            items.extend(result.items);
            match result.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => return Ok(items),
            }
        }
    }

    pub(super) async fn any_in(&self, index: usize, partition: String) -> StoreResult<bool> {
        let page: Page<serde_json::Value> = self
            .query_page(index, partition, None, &PageRequest::first(1))
            .await?;
        Ok(!page.items.is_empty())
    }
}
