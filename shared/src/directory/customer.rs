use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::{CustomerId, Name, OrganizationId, UserId};

/// A customer (company). Customers form a hierarchy: a subsidiary names its parent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Customer {
    pub id: CustomerId,
    pub organization_id: OrganizationId,
    pub name: Name,
    pub parent_id: Option<CustomerId>,
    /// Back-office users who look after this customer.
    pub sales_representative_ids: Vec<UserId>,
    /// Kept in the same transaction as each subsidiary's create, move and delete, so a
    /// delete can refuse atomically while subsidiaries exist.
    #[serde(default)]
    pub subsidiary_count: u64,
    /// Kept in the same transaction as each customer user's create and delete.
    #[serde(default)]
    pub customer_user_count: u64,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub updated_at: OffsetDateTime,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HierarchyError {
    #[error("Circular reference detected: a customer cannot be its own parent.")]
    OwnParent,
    #[error(
        "Circular reference detected: the chosen parent is a subsidiary of this customer. Choose a customer outside its subtree."
    )]
    DescendantParent,
}

/// Checks that `parent_chain` (the proposed parent, then its parent, up to the root)
/// does not lead back to `customer`.
pub fn check_parent(
    customer: CustomerId,
    parent_chain: &[CustomerId],
) -> Result<(), HierarchyError> {
    match parent_chain.iter().position(|id| *id == customer) {
        None => Ok(()),
        Some(0) => Err(HierarchyError::OwnParent),
        Some(_) => Err(HierarchyError::DescendantParent),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_cannot_be_its_own_parent() {
        let a = CustomerId::generate();
        assert_eq!(check_parent(a, &[a]), Err(HierarchyError::OwnParent));
    }

    #[test]
    fn a_descendant_cannot_become_the_parent() {
        let (a, b, c) = (
            CustomerId::generate(),
            CustomerId::generate(),
            CustomerId::generate(),
        );
        // c's parent is b, b's parent is a: making c the parent of a closes a loop.
        assert_eq!(
            check_parent(a, &[c, b, a]),
            Err(HierarchyError::DescendantParent)
        );
    }

    #[test]
    fn an_unrelated_parent_is_fine() {
        let (a, b, c) = (
            CustomerId::generate(),
            CustomerId::generate(),
            CustomerId::generate(),
        );
        assert_eq!(check_parent(a, &[b, c]), Ok(()));
        assert_eq!(check_parent(a, &[]), Ok(()));
    }
}
