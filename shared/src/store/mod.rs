//! Storage ports. The domain and the handlers speak these traits; `dynamodb` is the
//! adapter that maps them onto one DynamoDB table.

mod dynamodb;
mod keys;
mod table;

#[cfg(test)]
pub(crate) use dynamodb::scripted;
pub use dynamodb::{Corrected, DynamoStore};
pub use keys::SIGNING_KEYS;
pub use table::{GlobalIndex, TABLE, TableDefinition};

use async_trait::async_trait;

use crate::{
    application::{Application, Owner},
    audit::AuditEvent,
    consent::Consent,
    customer_user::{CustomerUser, Notification, OneTimeLink},
    directory::{Customer, CustomerUserRole, Organization, User, Website},
    domain::{
        ApplicationId, ConsentId, CustomerId, CustomerUserId, OrganizationId, RoleId, UserId,
        WebsiteId,
    },
    http::{Page, PageRequest},
};

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

#[async_trait]
pub trait ApplicationStore: Send + Sync {
    async fn get_application(&self, id: ApplicationId) -> StoreResult<Option<Application>>;
    /// Creates the application and counts it on its owner; `Duplicate` when the owner
    /// already has one of this name in the organization, or as many as it may have;
    /// `NotFound` when the owner is gone.
    async fn create_application(&self, application: &Application) -> StoreResult<()>;
    /// Replaces `previous`, moving the name guard when the name changed.
    async fn replace_application(
        &self,
        application: &Application,
        previous: &Application,
    ) -> StoreResult<()>;
    /// Deletes the application and its name guard, and counts it off its owner.
    async fn delete_application(&self, application: &Application) -> StoreResult<()>;
    async fn list_applications(
        &self,
        query: &ApplicationQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Application>>;
    /// Replaces the record if it is still at `expected_version`.
    async fn update_application(
        &self,
        application: &Application,
        expected_version: u64,
    ) -> StoreResult<()>;
    async fn applications_of_owner(&self, owner: Owner) -> StoreResult<Vec<Application>>;
    /// The application and the recent failures from `source`, in one read.
    async fn application_for_token(
        &self,
        id: ApplicationId,
        source: &str,
    ) -> StoreResult<(Option<Application>, Vec<i64>)>;
    /// Counts a failed authentication at `now` against the application (when the
    /// client id names one) and the source, atomically: parallel failures all count.
    async fn record_auth_failure(
        &self,
        application: Option<ApplicationId>,
        source: &str,
        now: i64,
    ) -> StoreResult<()>;
    /// Sets `last_used_at` unless another request set it within the minute.
    async fn touch_application(
        &self,
        id: ApplicationId,
        at: time::OffsetDateTime,
    ) -> StoreResult<()>;
}

/// The application grid: one owner's applications by name, or an organization's by
/// name or by last use (most recent first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplicationScope {
    Owner(Owner),
    Organization {
        organization_id: OrganizationId,
        by_last_use: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationQuery {
    pub scope: ApplicationScope,
    pub name_prefix: Option<String>,
    pub active: Option<bool>,
}

/// Filters of the role list; each is served by a key, never a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleFilter {
    pub organization_id: OrganizationId,
    /// Only this customer's own roles.
    pub customer_id: Option<CustomerId>,
    /// Only roles whose label starts with this (case-insensitive).
    pub label_prefix: Option<String>,
}

/// Filters of the customer list; each is served by a key, never a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerFilter {
    pub organization_id: OrganizationId,
    pub name_prefix: Option<String>,
    /// Only the direct subsidiaries of this customer.
    pub parent_id: Option<CustomerId>,
}

#[async_trait]
pub trait DirectoryStore: Send + Sync {
    async fn create_organization(&self, organization: &Organization) -> StoreResult<()>;
    async fn get_organization(&self, id: OrganizationId) -> StoreResult<Option<Organization>>;
    async fn update_organization(
        &self,
        organization: &Organization,
        expected_version: u64,
    ) -> StoreResult<()>;
    async fn delete_organization(&self, organization: &Organization) -> StoreResult<()>;
    async fn list_organizations(
        &self,
        name_prefix: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<Organization>>;
    /// Whether any website, back-office user, customer, role, consent or application still
    /// belongs to it.
    async fn organization_in_use(&self, id: OrganizationId) -> StoreResult<bool>;

    async fn create_website(&self, website: &Website) -> StoreResult<()>;
    async fn get_website(&self, id: WebsiteId) -> StoreResult<Option<Website>>;
    /// Replaces `previous`, moving the default-role counts if the default changed.
    async fn update_website(&self, website: &Website, previous: &Website) -> StoreResult<()>;
    async fn delete_website(&self, website: &Website) -> StoreResult<()>;
    async fn list_websites(
        &self,
        organization_id: OrganizationId,
        name_prefix: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<Website>>;

    /// Fails with `Duplicate` when another back-office user has the email.
    async fn create_user(&self, user: &User) -> StoreResult<()>;
    async fn get_user(&self, id: UserId) -> StoreResult<Option<User>>;
    /// Replaces `previous` with `user`, moving the email guard if the email changed and
    /// writing the owner's `applications` (already brought in line) in the same transaction.
    /// The stored application count must be `user.application_count` (so the number of
    /// `applications` when they are written): `Duplicate` otherwise, to retry.
    async fn update_user(
        &self,
        user: &User,
        previous: &User,
        applications: &[Application],
    ) -> StoreResult<()>;
    /// Deletes the user, its email guard and its applications in one transaction;
    /// `Duplicate`, to retry, when it has applications other than these.
    async fn delete_user(&self, user: &User, applications: &[Application]) -> StoreResult<()>;
    async fn list_users(
        &self,
        organization_id: OrganizationId,
        email_prefix: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<User>>;
    async fn record_user_notification(
        &self,
        user_id: UserId,
        notification: &Notification,
    ) -> StoreResult<()>;
    /// The newest entries first.
    async fn recent_user_notifications(
        &self,
        user_id: UserId,
        limit: u16,
    ) -> StoreResult<Vec<Notification>>;

    /// Creates the customer and counts it on its parent, atomically.
    async fn create_customer(&self, customer: &Customer) -> StoreResult<()>;
    async fn get_customer(&self, id: CustomerId) -> StoreResult<Option<Customer>>;
    /// Replaces `previous`, moving the subsidiary count if the parent changed.
    /// `ancestors` are the new parent and those above it, up to the root, as checked
    /// for cycles (empty when the parent stays): if any of them has moved meanwhile
    /// the write fails (`StoreError::Duplicate`), so concurrent moves never close a cycle.
    async fn update_customer(
        &self,
        customer: &Customer,
        previous: &Customer,
        ancestors: &[CustomerId],
    ) -> StoreResult<()>;
    /// Deletes the customer if it is still at its version and has no subsidiaries and no
    /// customer users (`StoreError::Duplicate` says which otherwise).
    async fn delete_customer(&self, customer: &Customer) -> StoreResult<()>;
    async fn list_customers(
        &self,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Customer>>;

    async fn create_role(&self, role: &CustomerUserRole) -> StoreResult<()>;
    async fn get_role(&self, id: RoleId) -> StoreResult<Option<CustomerUserRole>>;
    /// The roles of these ids that exist, in any order, in one read per 100 ids.
    async fn get_roles(&self, ids: &[RoleId]) -> StoreResult<Vec<CustomerUserRole>>;
    /// Replaces `previous` if neither its version nor its user count moved meanwhile.
    async fn update_role(
        &self,
        role: &CustomerUserRole,
        previous: &CustomerUserRole,
    ) -> StoreResult<()>;
    /// Deletes the role if it is still at its version and no customer user holds it
    /// (`StoreError::Duplicate` says so otherwise).
    async fn delete_role(&self, role: &CustomerUserRole) -> StoreResult<()>;
    /// An organization's roles, or one customer's own, by label.
    async fn list_roles(
        &self,
        filter: &RoleFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<CustomerUserRole>>;
    /// The roles a customer administrator may see and assign: the customer's own and
    /// the self-managed system roles, by label.
    async fn list_assignable_roles(
        &self,
        organization_id: OrganizationId,
        customer_id: CustomerId,
        page: &PageRequest,
    ) -> StoreResult<Page<CustomerUserRole>>;
}

/// The audit log's events, per organization and per record.
#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn record(&self, event: &AuditEvent) -> StoreResult<()>;
    /// An organization's events, newest first; only those about `resource_id`, if given.
    async fn list_events(
        &self,
        organization_id: OrganizationId,
        resource_id: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEvent>>;
}

#[async_trait]
pub trait ConsentStore: Send + Sync {
    async fn create_consent(&self, consent: &Consent) -> StoreResult<()>;
    async fn get_consent(&self, id: ConsentId) -> StoreResult<Option<Consent>>;
    /// Replaces `previous` if neither its version nor its acceptance count moved.
    async fn update_consent(&self, consent: &Consent, previous: &Consent) -> StoreResult<()>;
    /// Deletes the consent if it is still at its version and nobody accepted it
    /// (`StoreError::Duplicate` says so otherwise).
    async fn delete_consent(&self, consent: &Consent) -> StoreResult<()>;
    /// An organization's consents by name, optionally those whose name starts with
    /// `name_prefix` (case-insensitive).
    async fn list_consents(
        &self,
        organization_id: OrganizationId,
        name_prefix: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<Consent>>;
}

/// The order of the customer-user grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CustomerUserSort {
    #[default]
    Email,
    CreatedAt,
}

/// The customer-user grid's filters. With the email order, the first filter set among
/// customer, email, first name, last name, enabled, confirmed is served by its own
/// index partition; the rest narrow that Query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerUserQuery {
    pub organization_id: OrganizationId,
    pub customer_id: Option<CustomerId>,
    pub email_prefix: Option<String>,
    pub first_name_prefix: Option<String>,
    pub last_name_prefix: Option<String>,
    pub enabled: Option<bool>,
    pub confirmed: Option<bool>,
    pub sort: CustomerUserSort,
}

impl CustomerUserQuery {
    pub fn of_organization(organization_id: OrganizationId) -> Self {
        Self {
            organization_id,
            customer_id: None,
            email_prefix: None,
            first_name_prefix: None,
            last_name_prefix: None,
            enabled: None,
            confirmed: None,
            sort: CustomerUserSort::Email,
        }
    }
}

#[async_trait]
pub trait CustomerUserStore: Send + Sync {
    /// Creates the user with its email guard, counts it on its customer, and stores
    /// `links`, atomically. With `new_customer`, that customer (already counting the
    /// user) is created in the same transaction and counted on its parent.
    /// `Duplicate` when the email is taken in the organization.
    async fn create_customer_user(
        &self,
        user: &CustomerUser,
        new_customer: Option<&Customer>,
        links: &[OneTimeLink],
    ) -> StoreResult<()>;
    async fn get_customer_user(&self, id: CustomerUserId) -> StoreResult<Option<CustomerUser>>;
    /// The user and its newest notifications, in one read of its partition.
    async fn customer_user_with_notifications(
        &self,
        id: CustomerUserId,
        limit: u16,
    ) -> StoreResult<Option<(CustomerUser, Vec<Notification>)>>;
    /// Replaces `previous` with `user`: moves the email guard and the customer count
    /// when they change, writes the owner's `applications` (already brought in line),
    /// and drops pending links when `drop_links`, in one transaction. The stored
    /// application count must be `user.application_count` (so the number of
    /// `applications` when they are written): `Duplicate` otherwise, to retry.
    async fn update_customer_user(
        &self,
        user: &CustomerUser,
        previous: &CustomerUser,
        applications: &[Application],
        drop_links: bool,
    ) -> StoreResult<()>;
    /// Deletes the user and everything attached to it: email guard, count on the
    /// customer, applications, links and notification log. `Duplicate`, to retry, when
    /// it has applications other than `applications`.
    async fn delete_customer_user(
        &self,
        user: &CustomerUser,
        applications: &[Application],
    ) -> StoreResult<()>;
    async fn list_customer_users(
        &self,
        query: &CustomerUserQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<CustomerUser>>;
    async fn record_notification(
        &self,
        customer_user_id: CustomerUserId,
        notification: &Notification,
    ) -> StoreResult<()>;
}

#[async_trait]
pub trait LinkStore: Send + Sync {
    /// Stores a pending link, replacing the user's earlier link of the same purpose, if
    /// the user is still at `user_version`: a change since (a new email, a password, a
    /// disable) dropped the links it knew of, and must not miss this one.
    /// `VersionConflict` otherwise. `None` is for the decoy of an unknown account, whose
    /// profile must not exist, so that both cases do the same work.
    async fn put_link(&self, link: &OneTimeLink, user_version: Option<u64>) -> StoreResult<()>;
    /// The pending link whose token has this hash, if any (expired ones included:
    /// check [`OneTimeLink::is_valid_at`]).
    async fn find_link(
        &self,
        token_hash: &crate::auth::SecretHash,
    ) -> StoreResult<Option<OneTimeLink>>;
    /// Uses the link up, drops the user's pending links of `also_drop`, and stores
    /// `user` (a change of `previous`), atomically: a link used twice, or replaced
    /// meanwhile, fails with `NotFound`.
    async fn consume_link(
        &self,
        link: &OneTimeLink,
        also_drop: &[crate::customer_user::LinkPurpose],
        user: &CustomerUser,
        previous: &CustomerUser,
    ) -> StoreResult<()>;
}

#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Counts an attempt for `key`; `false` when `limit` attempts were already made in
    /// the sliding `window` before `now`. The answer comes with when to retry.
    async fn attempt(
        &self,
        key: &str,
        limit: usize,
        window: std::time::Duration,
        now: time::OffsetDateTime,
    ) -> StoreResult<RateDecision>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    Allowed,
    /// Refused; the oldest attempt in the window leaves it after this many seconds.
    Limited {
        retry_after_seconds: u64,
    },
}

#[async_trait]
pub trait CustomerUserLookup: Send + Sync {
    /// The customer user with this email in the organization. Reads the same items
    /// whether or not there is one, so its cost does not tell.
    async fn customer_user_by_email(
        &self,
        organization_id: OrganizationId,
        email: &crate::domain::Email,
    ) -> StoreResult<Option<CustomerUser>>;
}
