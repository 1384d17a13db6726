//! Creating the table as [`TABLE`] defines it (local stacks and tests).

use super::*;

impl DynamoStore {
    /// Creates the table as [`TABLE`] defines it, with TTL on; an existing table is kept.
    pub async fn create_table_if_missing(&self) -> StoreResult<bool> {
        let attribute = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(|e| StoreError::Backend(e.to_string()))
        };
        let key_element = |name: &str, key_type: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(key_type)
                .build()
                .map_err(|e| StoreError::Backend(e.to_string()))
        };
        let mut request = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key_element(TABLE.partition_key, KeyType::Hash)?)
            .key_schema(key_element(TABLE.sort_key, KeyType::Range)?);
        for name in TABLE.key_attributes() {
            request = request.attribute_definitions(attribute(name)?);
        }
        for index in TABLE.indexes {
            request = request.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(index.name)
                    .key_schema(key_element(index.partition_key, KeyType::Hash)?)
                    .key_schema(key_element(index.sort_key, KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(|e| StoreError::Backend(e.to_string()))?,
            );
        }
        match request.send().await {
            Ok(_) => {}
            Err(SdkError::ServiceError(e)) if e.err().is_resource_in_use_exception() => {
                return Ok(false);
            }
            Err(e) => return Err(backend(e)),
        }
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(TABLE.ttl_attribute)
                    .enabled(true)
                    .build()
                    .map_err(|e| StoreError::Backend(e.to_string()))?,
            )
            .send()
            .await
            .map_err(backend)?;
        Ok(true)
    }
}
