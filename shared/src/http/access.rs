//! Which organizations an administrator may act on: its own, or any when its
//! organization has global access.

use crate::{
    ApiError, domain::OrganizationId, domain::Validation, http::AdminPrincipal,
    ports::OrganizationStore,
};

pub async fn has_global_access(
    store: &dyn OrganizationStore,
    principal: &AdminPrincipal,
) -> Result<bool, ApiError> {
    Ok(store
        .get_organization(principal.organization_id)
        .await?
        .is_some_and(|o| o.global_access))
}

/// Refuses (403) acting on another organization without global access.
pub async fn ensure_organization(
    store: &dyn OrganizationStore,
    principal: &AdminPrincipal,
    organization_id: OrganizationId,
) -> Result<(), ApiError> {
    if organization_id == principal.organization_id || has_global_access(store, principal).await? {
        crate::http::audit::concerns(organization_id);
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "your organization has no global access: act on your own organization only".into(),
        ))
    }
}

/// The organization a list asks for with `?organization_id=` (the caller's by
/// default), if the caller may act on it.
pub async fn organization_for_read(
    store: &dyn OrganizationStore,
    principal: &AdminPrincipal,
    requested: Option<&str>,
) -> Result<OrganizationId, ApiError> {
    let organization_id = match requested {
        None => principal.organization_id,
        Some(raw) => raw
            .parse()
            .map_err(|e: crate::domain::InvalidValue| ApiError::field("organization_id", e.0))?,
    };
    ensure_organization(store, principal, organization_id).await?;
    Ok(organization_id)
}

/// The organization a new record goes to (the caller's by default): 403 when out of
/// reach, an `organization_id` field error when it does not exist.
pub async fn organization_for_write(
    store: &dyn OrganizationStore,
    principal: &AdminPrincipal,
    v: &mut Validation,
    requested: Option<OrganizationId>,
) -> Result<OrganizationId, ApiError> {
    let organization_id = requested.unwrap_or(principal.organization_id);
    ensure_organization(store, principal, organization_id).await?;
    if store.get_organization(organization_id).await?.is_none() {
        v.add("organization_id", "no organization has this id");
    }
    Ok(organization_id)
}

/// Records of organizations the caller may not see are reported as missing; a failed
/// read stays a failure, never a 404 a client could take for "already deleted".
pub async fn visible(
    store: &dyn OrganizationStore,
    principal: &AdminPrincipal,
    organization_id: OrganizationId,
    what: &str,
) -> Result<(), ApiError> {
    ensure_organization(store, principal, organization_id)
        .await
        .map_err(|error| match error {
            ApiError::Forbidden(_) => not_found(what),
            other => other,
        })
}

pub fn not_found(what: &str) -> ApiError {
    ApiError::NotFound(format!("no {what} with this id"))
}

/// Reads the record `raw_id` names with `fetch`, as the administrator may see it: an
/// id that does not parse, a missing record and a record of an organization out of
/// reach all answer 404 "no `what` with this id".
pub async fn load<I, T, Fut>(
    store: &dyn OrganizationStore,
    principal: &AdminPrincipal,
    raw_id: &str,
    what: &str,
    fetch: impl FnOnce(I) -> Fut,
    organization_of: impl FnOnce(&T) -> OrganizationId,
) -> Result<T, ApiError>
where
    I: std::str::FromStr,
    Fut: std::future::Future<Output = crate::ports::StoreResult<Option<T>>>,
{
    let id = raw_id.parse().map_err(|_| not_found(what))?;
    let record = fetch(id).await?.ok_or_else(|| not_found(what))?;
    visible(store, principal, organization_of(&record), what).await?;
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{domain::UserId, store::scripted::scripted};

    #[tokio::test]
    async fn a_failed_read_is_not_reported_as_missing() {
        let failure = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}"#;
        let (store, served) = scripted(vec![(400, failure)]).await;
        let principal = AdminPrincipal {
            user_id: UserId::generate(),
            organization_id: OrganizationId::generate(),
            client_id: "client".into(),
            scopes: Vec::new(),
        };
        let elsewhere = OrganizationId::generate();
        let answer = visible(&store, &principal, elsewhere, "customer").await;
        assert!(matches!(answer, Err(ApiError::Internal(_))), "{answer:?}");
        assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
