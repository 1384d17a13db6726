//! Back-office users and their notification log.

use async_trait::async_trait;

use super::StoreResult;
use crate::{
    application::Application,
    customer_user::{Notification, PasswordDigest},
    directory::User,
    domain::{Email, OrganizationId, UserId},
    paging::{Page, PageRequest},
};

#[async_trait]
pub trait UserStore: Send + Sync {
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
}

/// A back-office user's password, kept in an item of its own beside the user's record,
/// which only the sign-in function reads.
#[async_trait]
pub trait UserCredentialStore: Send + Sync {
    /// The back-office user with this email, with its password digest if one is set.
    async fn user_for_sign_in(
        &self,
        email: &Email,
    ) -> StoreResult<Option<(User, Option<PasswordDigest>)>>;

    async fn user_password(&self, user_id: UserId) -> StoreResult<Option<PasswordDigest>>;

    /// Sets (or replaces) the user's password; `NotFound` when the user is gone.
    async fn set_user_password(&self, user_id: UserId, digest: &PasswordDigest) -> StoreResult<()>;
}
