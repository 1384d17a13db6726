//! List cursors: the last key read, as base64url JSON.

use super::*;

/// Cursors carry the last key read, as base64url JSON. Decoding checks the shape, and
/// that the key lies within the query it continues (DynamoDB refuses a start key
/// outside the key condition), so a forged cursor, or one carried over to another
/// filter, is a 4xx, never a 5xx.
pub(super) fn encode_cursor(last_key: &Item) -> StoreResult<String> {
    let mut map = serde_json::Map::new();
    for (name, value) in last_key {
        let AttributeValue::S(text) = value else {
            return Err(StoreError::Backend("non-string key attribute".into()));
        };
        map.insert(name.clone(), serde_json::Value::String(text.clone()));
    }
    Ok(URL_SAFE_NO_PAD.encode(serde_json::Value::Object(map).to_string()))
}

/// The longest sort-key value DynamoDB accepts.
pub(super) const MAX_SORT_KEY_BYTES: usize = 1024;

pub(super) fn decode_cursor(
    cursor: &str,
    index: GlobalIndex,
    partition: &str,
    prefix: Option<&str>,
) -> StoreResult<Item> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| StoreError::BadCursor)?;
    let map: HashMap<String, String> =
        serde_json::from_slice(&bytes).map_err(|_| StoreError::BadCursor)?;
    let expected = [
        TABLE.partition_key,
        TABLE.sort_key,
        index.partition_key,
        index.sort_key,
    ];
    if map.len() != expected.len() || !expected.iter().all(|k| map.contains_key(*k)) {
        return Err(StoreError::BadCursor);
    }
    // DynamoDB refuses empty key values and sort keys over 1,024 bytes: a forged cursor
    // must be a 4xx, not a failed call.
    if map
        .values()
        .any(|v| v.is_empty() || v.len() > MAX_SORT_KEY_BYTES)
    {
        return Err(StoreError::BadCursor);
    }
    let within = map[index.partition_key] == partition
        && prefix
            .filter(|p| !p.is_empty())
            .is_none_or(|p| map[index.sort_key].starts_with(&p.to_lowercase()));
    if !within {
        return Err(StoreError::BadCursor);
    }
    Ok(map.into_iter().map(|(k, v)| (k, s(v))).collect())
}
