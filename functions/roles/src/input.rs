//! Request bodies and the rules every role write follows, wherever it comes from.

use std::collections::BTreeSet;

use serde::Deserialize;
use shared::{
    ApiError,
    directory::{CustomerUserRole, Permission},
    domain::Validation,
    domain::{CustomerId, Name, OrganizationId, RoleId, now},
    http::present,
};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRole {
    /// Defaults to the caller's organization.
    pub organization_id: Option<OrganizationId>,
    pub label: String,
    /// Makes it a role of this customer only; fixed once created. Without it the role
    /// is a system role, offered to every customer.
    pub customer_id: Option<CustomerId>,
    /// Whether customer administrators may assign it through the storefront (a
    /// customer's own roles always are). Default false.
    pub self_managed: Option<bool>,
    /// Whether it is offered for self-registration. Default false.
    pub public: Option<bool>,
    /// What holders may do through the storefront. Default none.
    pub permissions: Option<Vec<Permission>>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRole {
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub label: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub self_managed: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub public: Option<bool>,
    /// Replaces the role's permissions.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub permissions: Option<Vec<Permission>>,
}

/// A role a customer administrator makes for its own customer.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StorefrontCreateRole {
    pub label: String,
    /// At most the permissions the caller holds. Default none.
    pub permissions: Option<Vec<Permission>>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StorefrontUpdateRole {
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub label: Option<String>,
    /// Replaces the role's permissions; at most those the caller holds.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub permissions: Option<Vec<Permission>>,
}

impl From<StorefrontUpdateRole> for UpdateRole {
    fn from(body: StorefrontUpdateRole) -> Self {
        Self {
            label: body.label,
            permissions: body.permissions,
            ..Self::default()
        }
    }
}

/// The roles a customer user holds, replaced as a whole.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRoles {
    /// System roles or roles of the user's customer; an enabled user needs one.
    pub role_ids: Vec<RoleId>,
}

/// Builds a new role from checked parts.
pub fn new_role(
    organization_id: OrganizationId,
    label: Name,
    customer_id: Option<CustomerId>,
    self_managed: bool,
    public: bool,
    permissions: BTreeSet<Permission>,
) -> CustomerUserRole {
    let id = RoleId::generate();
    let at = now();
    CustomerUserRole {
        id,
        organization_id,
        role: CustomerUserRole::identifier_for(&label, id),
        label,
        customer_id,
        self_managed,
        public,
        permissions,
        user_count: 0,
        default_for_websites: 0,
        created_at: at,
        updated_at: at,
        version: 1,
    }
}

/// `current` with the changes of `body` applied, checked; the version moves on.
pub fn changed(current: &CustomerUserRole, body: UpdateRole) -> Result<CustomerUserRole, ApiError> {
    let mut v = Validation::default();
    let mut role = current.clone();
    if let Some(label) = body
        .label
        .as_deref()
        .and_then(|l| v.check("label", Name::parse(l)))
    {
        role.label = label;
    }
    if let Some(self_managed) = body.self_managed {
        role.self_managed = self_managed;
    }
    if let Some(public) = body.public {
        role.public = public;
    }
    if let Some(permissions) = body.permissions {
        role.permissions = permissions.into_iter().collect();
    }
    v.finish()?;
    // A change that changes nothing keeps the version, and is not written.
    if role != *current {
        role.updated_at = now();
        role.version = current.version + 1;
    }
    Ok(role)
}

/// Refuses permissions beyond `held`, naming each by its place in the request.
pub fn within(
    requested: Option<&[Permission]>,
    held: &BTreeSet<Permission>,
) -> Result<(), ApiError> {
    let mut v = Validation::default();
    for (i, p) in requested.unwrap_or_default().iter().enumerate() {
        if !held.contains(p) {
            v.add(
                format!("permissions.{i}"),
                format!(
                    "you cannot grant `{}`: none of your roles grants it",
                    p.as_str()
                ),
            );
        }
    }
    Ok(v.finish()?)
}
