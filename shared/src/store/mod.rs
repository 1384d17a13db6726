//! The DynamoDB adapter of the ports (`crate::ports`): one table, whose shape is
//! [`TABLE`], whose item keys are built in `item_keys`, and whose records are mapped in
//! `dynamodb`, a file per port.

mod dynamodb;
mod item_keys;
mod table;

#[cfg(test)]
pub(crate) use dynamodb::scripted;
pub use dynamodb::{Corrected, DynamoStore};
pub use item_keys::SIGNING_KEYS;
pub use table::{GlobalIndex, TABLE, TableDefinition};
