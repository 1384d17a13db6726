//! Which organizations an administrator may act on: its own, or any when its
//! organization has global access.

use crate::{ApiError, auth::AdminPrincipal, domain::OrganizationId, store::DirectoryStore};

pub async fn has_global_access(
    store: &dyn DirectoryStore,
    principal: &AdminPrincipal,
) -> Result<bool, ApiError> {
    Ok(store
        .get_organization(principal.organization_id)
        .await?
        .is_some_and(|o| o.global_access))
}

/// Refuses (403) acting on another organization without global access.
pub async fn ensure_organization(
    store: &dyn DirectoryStore,
    principal: &AdminPrincipal,
    organization_id: OrganizationId,
) -> Result<(), ApiError> {
    if organization_id == principal.organization_id || has_global_access(store, principal).await? {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "your organization has no global access: act on your own organization only".into(),
        ))
    }
}

/// Records of organizations the caller may not see are reported as missing.
pub async fn visible(
    store: &dyn DirectoryStore,
    principal: &AdminPrincipal,
    organization_id: OrganizationId,
    what: &str,
) -> Result<(), ApiError> {
    ensure_organization(store, principal, organization_id)
        .await
        .map_err(|_| not_found(what))
}

pub fn not_found(what: &str) -> ApiError {
    ApiError::NotFound(format!("no {what} with this id"))
}
