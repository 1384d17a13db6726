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

/// What storage answers besides the record: each outcome a rule of the data keeps,
/// in domain terms. The HTTP edge words them for API callers (`crate::error`).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the record does not exist")]
    NotFound,
    #[error("the record was changed by someone else")]
    VersionConflict,
    /// Another record already holds this unique value.
    #[error("taken: {0:?}")]
    Taken(Unique),
    /// Other records still refer to the record, so it cannot go.
    #[error("in use: {0:?}")]
    InUse(Reference),
    /// A record the write depended on changed or went meanwhile: nothing was written.
    #[error("changed meanwhile: {0:?}")]
    Moved(Dependency),
    /// The owner already has as many applications as it may.
    #[error("the owner has the most applications allowed")]
    TooManyApplications,
    #[error("the cursor is not one this store issued")]
    BadCursor,
    /// Concurrent writes to the same records kept this one from going through.
    #[error("the record is being changed by another request")]
    Contention,
    /// Storage did not answer in time, could not be reached, or turned the call away
    /// for now (throttling): nothing is known to have been written, and the same call
    /// may succeed in a moment.
    #[error("{0}")]
    Unavailable(Outage),
    #[error("storage failed: {0}")]
    Backend(String),
}

/// A dependency (a database, the mail service, the secret store) that failed to answer
/// one call: which one, the operation, and how, for the log. The caller is only told to
/// retry later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outage {
    /// `DynamoDB`, `SES`, `Secrets Manager`.
    pub dependency: &'static str,
    /// The API operation, as the service names it (`Query`, `SendEmail`).
    pub operation: &'static str,
    pub cause: OutageCause,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutageCause {
    /// No answer within the timeouts, after the retries.
    TimedOut,
    /// No connection could be made, or it broke before an answer.
    Unreachable,
    /// The service refused the call for now (throttling, a 5xx).
    Refused,
}

impl std::fmt::Display for Outage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let how = match self.cause {
            OutageCause::TimedOut => "did not answer in time",
            OutageCause::Unreachable => "could not be reached",
            OutageCause::Refused => "refused the call for now",
        };
        write!(f, "{} {} {how}", self.dependency, self.operation)
    }
}

/// A value that only one record may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unique {
    /// The new record's id.
    Id,
    /// A back-office user's email, among all back-office users.
    UserEmail,
    /// A customer user's email, within its organization.
    CustomerUserEmail,
    /// An application's name, per owner and organization.
    ApplicationName,
}

/// What still refers to a record that a delete would remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// Customer users registered on the website.
    WebsiteCustomerUsers,
    /// The customer's subsidiaries.
    CustomerSubsidiaries,
    /// The customer's customer users.
    CustomerCustomerUsers,
    /// More roles of the customer's own than one delete takes with it.
    CustomerOwnRoles { most: u16 },
    /// Customer users holding the role.
    RoleHolders,
    /// Websites giving the role to new customer users by default.
    RoleDefaultForWebsites,
    /// Customer users who accepted the consent.
    ConsentAcceptances,
}

/// A record a write depended on, found changed or gone when it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependency {
    /// The owner's applications: one was created or deleted meanwhile.
    OwnerApplications,
    /// The role a website gives by default was deleted.
    DefaultRole,
    /// The new parent of a customer, or a customer above it, moved or went.
    CustomerAncestors,
    /// The customer user's customer.
    Customer,
    /// One of the roles the write gives.
    Role,
    /// One of the consents the write accepts.
    Consent,
    /// The website the write names.
    Website,
}

pub type StoreResult<T> = Result<T, StoreError>;
