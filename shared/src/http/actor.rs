//! Who a storefront request acts for, and what its roles let it do.

use std::collections::BTreeSet;

use crate::customer_user::CustomerUser;
use crate::{
    ApiError,
    directory::{Permission, accumulated},
    http::StorefrontPrincipal,
    ports::{CustomerUserStore, RoleStore},
};

/// The token's customer user; a token that outlived its user, or whose user was
/// disabled, is refused.
pub async fn storefront_user(
    users: &dyn CustomerUserStore,
    principal: &StorefrontPrincipal,
) -> Result<CustomerUser, ApiError> {
    let user = users
        .get_customer_user(principal.customer_user_id)
        .await?
        .filter(|u| u.enabled)
        .ok_or_else(|| {
            ApiError::unauthorized("the token's customer user no longer exists or is disabled")
        })?;
    // What it changes is its customer's, whichever organization its application is in.
    crate::http::audit::concerns(user.organization_id);
    Ok(user)
}

/// A storefront customer user with the permissions its roles add up to.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: CustomerUser,
    pub permissions: BTreeSet<Permission>,
}

impl Actor {
    /// The token's customer user with what its roles let it do.
    pub async fn of(
        users: &dyn CustomerUserStore,
        roles: &dyn RoleStore,
        principal: &StorefrontPrincipal,
    ) -> Result<Self, ApiError> {
        let user = storefront_user(users, principal).await?;
        let roles = roles.get_roles(&user.role_ids).await?;
        Ok(Actor {
            permissions: accumulated(&roles),
            user,
        })
    }

    /// The token's customer user, if its roles grant `needed` (403 otherwise).
    pub async fn with(
        users: &dyn CustomerUserStore,
        roles: &dyn RoleStore,
        principal: &StorefrontPrincipal,
        needed: Permission,
    ) -> Result<Self, ApiError> {
        let actor = Self::of(users, roles, principal).await?;
        actor.require(needed)?;
        Ok(actor)
    }

    pub fn require(&self, needed: Permission) -> Result<(), ApiError> {
        if self.permissions.contains(&needed) {
            Ok(())
        } else {
            Err(missing(needed))
        }
    }
}

fn missing(needed: Permission) -> ApiError {
    ApiError::Forbidden(format!(
        "this takes the `{}` permission, which none of your roles grants: ask your customer's administrator",
        needed.as_str()
    ))
}
