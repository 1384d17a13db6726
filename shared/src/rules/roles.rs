//! A customer user's roles, checked against the roles as stored.

use crate::{
    customer_user::{CustomerUser, MAX_ROLES, ROLE_REQUIRED, role_problem},
    domain::Validation,
    ports::{RoleStore, StoreResult},
};

/// The user's roles: one at least while enabled, and each one it may hold
/// ([`role_problem`](crate::customer_user::role_problem)), read in one call.
pub async fn check_roles(
    roles: &dyn RoleStore,
    v: &mut Validation,
    user: &CustomerUser,
) -> StoreResult<()> {
    if user.enabled && user.role_ids.is_empty() {
        v.add("role_ids", ROLE_REQUIRED);
    }
    if user.role_ids.len() > MAX_ROLES {
        v.add(
            "role_ids",
            format!("at most {MAX_ROLES} roles: combine permissions into fewer roles"),
        );
        return Ok(());
    }
    let roles = roles.get_roles(&user.role_ids).await?;
    for (i, role_id) in user.role_ids.iter().enumerate() {
        let role = roles.iter().find(|r| r.id == *role_id);
        if let Some(problem) = role_problem(role, user.organization_id, user.customer_id) {
            v.add(format!("role_ids.{i}"), problem);
        }
    }
    Ok(())
}
