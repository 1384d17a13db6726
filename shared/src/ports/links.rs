//! One-time links (confirmation, password reset) of customer users.

use async_trait::async_trait;

use super::StoreResult;
use crate::customer_user::{CustomerUser, OneTimeLink};

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
        token_hash: &crate::credentials::SecretHash,
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
