use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::{CustomerId, Name, OrganizationId, RoleId};

/// What a role lets a customer user do through the storefront, always within the
/// user's own customer. A user holds the union of its roles' permissions.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum Permission {
    /// List and read the users of the own customer.
    #[serde(rename = "customer_users:view")]
    ViewCustomerUsers,
    #[serde(rename = "customer_users:create")]
    CreateCustomerUsers,
    /// Change, enable and disable them.
    #[serde(rename = "customer_users:edit")]
    EditCustomerUsers,
    #[serde(rename = "customer_users:delete")]
    DeleteCustomerUsers,
    /// List and read the roles the customer's users may be given.
    #[serde(rename = "roles:view")]
    ViewRoles,
    /// Create, change and delete the customer's own roles.
    #[serde(rename = "roles:manage")]
    ManageRoles,
}

impl Permission {
    pub const ALL: [Permission; 6] = [
        Permission::ViewCustomerUsers,
        Permission::CreateCustomerUsers,
        Permission::EditCustomerUsers,
        Permission::DeleteCustomerUsers,
        Permission::ViewRoles,
        Permission::ManageRoles,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ViewCustomerUsers => "customer_users:view",
            Permission::CreateCustomerUsers => "customer_users:create",
            Permission::EditCustomerUsers => "customer_users:edit",
            Permission::DeleteCustomerUsers => "customer_users:delete",
            Permission::ViewRoles => "roles:view",
            Permission::ManageRoles => "roles:manage",
        }
    }
}

/// A customer-user role. System roles (no customer) are offered to every customer;
/// a customer's own roles only to its users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustomerUserRole {
    pub id: RoleId,
    pub organization_id: OrganizationId,
    /// A stable identifier such as `ROLE_FRONTEND_ADMINISTRATOR`, made once from the
    /// first label.
    pub role: String,
    pub label: Name,
    /// Set for a role of one customer; fixed at creation.
    pub customer_id: Option<CustomerId>,
    /// Whether customer administrators may assign it through the storefront.
    pub self_managed: bool,
    /// Whether it is offered for self-registration.
    pub public: bool,
    #[serde(default)]
    pub permissions: BTreeSet<Permission>,
    /// Customer users holding the role; kept in the same transaction as each user's
    /// create, role change and delete, so a delete can refuse atomically while any
    /// user holds it.
    #[serde(default)]
    pub user_count: u64,
    /// Websites that give this role to new customer users (read-only): kept in the
    /// same transaction as each website's write, so a delete can refuse atomically.
    #[serde(default)]
    pub default_for_websites: u64,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub updated_at: OffsetDateTime,
    pub version: u64,
}

impl CustomerUserRole {
    /// The identifier of a new role: `ROLE_FRONTEND_` and the label's letters and
    /// digits, made unique by the random end of the id.
    pub fn identifier_for(label: &Name, id: RoleId) -> String {
        let mut slug = String::new();
        for c in label.as_str().chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_uppercase());
            } else if !slug.ends_with('_') && !slug.is_empty() {
                slug.push('_');
            }
        }
        let slug = slug.trim_end_matches('_');
        let id = id.to_string();
        let suffix = &id[id.len() - 8..];
        if slug.is_empty() {
            format!("ROLE_FRONTEND_{}", suffix.to_ascii_uppercase())
        } else {
            format!("ROLE_FRONTEND_{slug}_{}", suffix.to_ascii_uppercase())
        }
    }

    /// Whether a customer administrator of `customer_id` may see and assign it: a
    /// role of that customer, or a system role marked self-managed.
    pub fn assignable_by(&self, customer_id: CustomerId) -> bool {
        match self.customer_id {
            Some(own) => own == customer_id,
            None => self.self_managed,
        }
    }
}

/// The permissions a user with these roles holds: the union of theirs.
pub fn accumulated<'a>(
    roles: impl IntoIterator<Item = &'a CustomerUserRole>,
) -> BTreeSet<Permission> {
    roles
        .into_iter()
        .flat_map(|r| r.permissions.iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(customer_id: Option<CustomerId>, permissions: &[Permission]) -> CustomerUserRole {
        let now = crate::domain::now();
        CustomerUserRole {
            id: RoleId::generate(),
            organization_id: OrganizationId::generate(),
            role: "ROLE_X".into(),
            label: Name::parse("X").unwrap(),
            customer_id,
            self_managed: false,
            public: false,
            permissions: permissions.iter().copied().collect(),
            user_count: 0,
            default_for_websites: 0,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    #[test]
    fn permissions_accumulate_over_roles() {
        let viewer = role(None, &[Permission::ViewCustomerUsers]);
        let editor = role(
            None,
            &[Permission::ViewCustomerUsers, Permission::EditCustomerUsers],
        );
        let roles = [viewer, editor];
        assert_eq!(
            accumulated(&roles).into_iter().collect::<Vec<_>>(),
            vec![Permission::ViewCustomerUsers, Permission::EditCustomerUsers]
        );
        assert!(accumulated(&[]).is_empty());
    }

    #[test]
    fn permission_names_are_their_wire_form() {
        for p in Permission::ALL {
            assert_eq!(
                serde_json::to_value(p).unwrap(),
                serde_json::json!(p.as_str())
            );
        }
        assert!(serde_json::from_value::<Permission>(serde_json::json!("roles:all")).is_err());
    }

    #[test]
    fn identifiers_come_from_the_label_and_the_id() {
        let id = RoleId::generate();
        let made =
            CustomerUserRole::identifier_for(&Name::parse("Buyer (EU) – north").unwrap(), id);
        let id = id.to_string();
        assert_eq!(
            made,
            format!(
                "ROLE_FRONTEND_BUYER_EU_NORTH_{}",
                id[id.len() - 8..].to_ascii_uppercase()
            )
        );
        let bare = CustomerUserRole::identifier_for(&Name::parse("–").unwrap(), RoleId::generate());
        assert!(bare.starts_with("ROLE_FRONTEND_") && bare.len() == "ROLE_FRONTEND_".len() + 8);
    }

    #[test]
    fn storefront_administrators_assign_their_customers_and_self_managed_roles() {
        let customer = CustomerId::generate();
        let mut system = role(None, &[]);
        assert!(!system.assignable_by(customer));
        system.self_managed = true;
        assert!(system.assignable_by(customer));
        assert!(role(Some(customer), &[]).assignable_by(customer));
        assert!(!role(Some(CustomerId::generate()), &[]).assignable_by(customer));
    }
}
