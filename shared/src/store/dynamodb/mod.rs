//! The DynamoDB adapter: records are mapped with `serde_dynamo`, key attributes are added
//! at this edge, uniqueness and counters are kept with conditional transactions.
//!
//! The toolkit (`item`, `query`, `cursor`, `write`, `transaction`, `counter`, `owners`,
//! `schema`) is shared by the files that implement one port each.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use async_trait::async_trait;
use aws_sdk_dynamodb::{
    Client,
    error::{DisplayErrorContext, ProvideErrorMetadata, SdkError},
    operation::{
        delete_item::DeleteItemError, put_item::PutItemError,
        transact_write_items::TransactWriteItemsError, update_item::UpdateItemError,
    },
    types::{
        AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, Delete,
        GlobalSecondaryIndex, KeySchemaElement, KeyType, KeysAndAttributes, Projection,
        ProjectionType, Put, ReturnValuesOnConditionCheckFailure, ScalarAttributeType,
        TimeToLiveSpecification, TransactWriteItem, Update,
    },
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Serialize, de::DeserializeOwned};

use super::{
    GlobalIndex, TABLE,
    item_keys::{self, ItemKeys},
};
use crate::{
    application::{Application, MAX_APPLICATIONS_PER_OWNER, Owner},
    auth::lockout,
    directory::{Customer, CustomerUserRole, Organization, User, Website},
    domain::{ApplicationId, CustomerId, OrganizationId, RoleId, UserId, WebsiteId},
    paging::{Page, PageRequest},
    ports::{
        ApplicationQuery, ApplicationScope, ApplicationStore, CustomerFilter, CustomerStore,
        Dependency, OrganizationStore, Reference, RoleFilter, RoleStore, StoreError, StoreResult,
        Unique, UserStore, WebsiteStore,
    },
};

mod applications;
mod audit;
mod consents;
#[cfg(test)]
mod contention;
mod counter;
mod cursor;
mod customer_users;
mod customers;
mod item;
mod links;
mod notifications;
mod organizations;
mod owners;
mod public_keys;
mod query;
mod recount;
mod roles;
mod schema;
#[cfg(test)]
pub(crate) mod scripted;
mod transaction;
mod users;
mod websites;
mod write;

pub use recount::Corrected;

// The toolkit, for the files of the ports (each takes `use super::*`).
use self::{counter::*, cursor::*, item::*, owners::*, query::*};

/// The store on one DynamoDB table. Cheap to clone; build it once per container.
#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    /// Items read by this store and its clones, for tests and benchmarks that show a
    /// request's cost does not grow with the table.
    items_read: Arc<AtomicU64>,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            items_read: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Items read so far (GetItem hits and items a Query evaluated).
    pub fn items_read(&self) -> u64 {
        self.items_read.load(Ordering::Relaxed)
    }

    pub(super) fn count_reads(&self, items: u64) {
        self.items_read.fetch_add(items, Ordering::Relaxed);
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }
}

/// What a failed call means for the port: a conflict, an outage of DynamoDB (timed
/// out, unreachable, throttled: [`StoreError::Unavailable`]), or a failure.
fn backend<E, R>(e: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + crate::aws::HasStatus,
{
    // A single-item write that met a transaction in progress on the same item.
    if e.code() == Some("TransactionConflictException") {
        return StoreError::Contention;
    }
    if let Some(outage) = crate::aws::outage(&e) {
        return StoreError::Unavailable(outage);
    }
    StoreError::Backend(DisplayErrorContext(e).to_string())
}
