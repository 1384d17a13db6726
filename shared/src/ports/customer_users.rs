//! Customer users: profiles, their grid, and lookup by email.

use async_trait::async_trait;

use super::StoreResult;
use crate::{
    application::Application,
    customer_user::{CustomerUser, Notification, OneTimeLink},
    directory::Customer,
    domain::{CustomerId, CustomerUserId, OrganizationId},
    paging::{Page, PageRequest},
};

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
    /// One page of the user's notification log, newest first. A user without entries,
    /// or none at all, has an empty page: the caller reads the user first.
    async fn list_notifications(
        &self,
        id: CustomerUserId,
        page: &PageRequest,
    ) -> StoreResult<Page<Notification>>;
    async fn record_notification(
        &self,
        customer_user_id: CustomerUserId,
        notification: &Notification,
    ) -> StoreResult<()>;
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
