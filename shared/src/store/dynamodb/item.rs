//! Records as items: the attribute helpers and the serde mapping, with the key
//! attributes added at this edge.

use super::*;

pub(super) type Item = HashMap<String, AttributeValue>;

pub(super) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(super) fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(super) fn key(pk: impl Into<String>, sk: &str) -> Item {
    HashMap::from([
        (TABLE.partition_key.to_owned(), s(pk)),
        (TABLE.sort_key.to_owned(), s(sk)),
    ])
}

/// A record as an item: its serde fields plus the key attributes.
pub(super) fn to_item<T: Serialize>(record: &T, keys: &ItemKeys) -> StoreResult<Item> {
    let mut item: Item =
        serde_dynamo::to_item(record).map_err(|e| StoreError::Backend(e.to_string()))?;
    item.insert(TABLE.partition_key.to_owned(), s(&keys.pk));
    item.insert(TABLE.sort_key.to_owned(), s(&keys.sk));
    let index_keys = [keys.gsi1.as_ref(), keys.gsi2.as_ref()]
        .into_iter()
        .chain(keys.more.iter().map(Some));
    for (index, value) in TABLE.indexes.iter().zip(index_keys) {
        if let Some((pk, sk)) = value {
            item.insert(index.partition_key.to_owned(), s(pk));
            item.insert(index.sort_key.to_owned(), s(sk));
        }
    }
    Ok(item)
}

pub(super) fn from_item<T: DeserializeOwned>(item: Item) -> StoreResult<T> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Backend(format!("unreadable item: {e}")))
}
