//! Ports: the narrow traits the rules and handlers speak, one per aggregate or
//! capability, so that a handler asks only for what it uses. The adapters
//! (`crate::store` for DynamoDB) implement them; nothing here knows DynamoDB or HTTP.

mod applications;
mod audit;
mod consents;
mod customer_users;
mod customers;
mod links;
mod organizations;
mod rate_limit;
mod roles;
mod users;
mod websites;

pub use applications::{ApplicationQuery, ApplicationScope, ApplicationStore};
pub use audit::AuditLog;
pub use consents::ConsentStore;
pub use customer_users::{
    CustomerUserLookup, CustomerUserQuery, CustomerUserSort, CustomerUserStore,
};
pub use customers::{CustomerFilter, CustomerStore};
pub use links::LinkStore;
pub use organizations::OrganizationStore;
pub use rate_limit::{RateDecision, RateLimiter};
pub use roles::{RoleFilter, RoleStore};
pub use users::UserStore;
pub use websites::WebsiteStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the record does not exist")]
    NotFound,
    #[error("the record was changed by someone else")]
    VersionConflict,
    /// A uniqueness rule was broken; the text says which, for the caller.
    #[error("{0}")]
    Duplicate(String),
    #[error("the cursor is not one this store issued")]
    BadCursor,
    /// Concurrent writes to the same records kept this one from going through.
    #[error("the record is being changed by another request")]
    Contention,
    #[error("storage failed: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;
