//! An owner's applications follow it: disabling or deleting a back-office user or a
//! customer user ends its applications' tokens at once, and re-enabling it does not
//! revive what its applications' own state ended.

use time::OffsetDateTime;

use crate::{
    application::{Application, Owner},
    ports::{ApplicationStore, StoreResult},
};

/// The owner's applications brought in line with its `enabled` at `at`, when that
/// changes from `was_enabled` (none otherwise). The owner's write carries them, and
/// holds only while the owner counts exactly these, so the caller sets its
/// application count to their number: an application the index did not show yet
/// fails the write rather than being left out.
pub async fn applications_following_owner(
    applications: &dyn ApplicationStore,
    owner: Owner,
    was_enabled: bool,
    enabled: bool,
    at: OffsetDateTime,
) -> StoreResult<Option<Vec<Application>>> {
    if was_enabled == enabled {
        return Ok(None);
    }
    let mut found = applications.applications_of_owner(owner).await?;
    for application in &mut found {
        application.follow_owner(enabled, at);
    }
    Ok(Some(found))
}
