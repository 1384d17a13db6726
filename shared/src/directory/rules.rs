use crate::{
    domain::{OrganizationId, UserId},
    store::{DirectoryStore, StoreResult},
};

/// Sales representatives must be back-office users of the organization: `ids` as the
/// new list of a record whose list is `kept` now. The ids it keeps are not checked
/// again, so that a representative deleted since does not block every later change of
/// the record. Returns the ids without duplicates, or the positions in `ids` that are
/// not such users.
pub async fn sales_representatives(
    store: &dyn DirectoryStore,
    organization_id: OrganizationId,
    ids: &[UserId],
    kept: &[UserId],
) -> StoreResult<Result<Vec<UserId>, Vec<usize>>> {
    let mut unique = Vec::new();
    let mut wrong = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let valid = kept.contains(id) || is_representative(store, organization_id, *id).await?;
        match valid {
            true if !unique.contains(id) => unique.push(*id),
            true => {}
            false => wrong.push(i),
        }
    }
    Ok(if wrong.is_empty() {
        Ok(unique)
    } else {
        Err(wrong)
    })
}

/// The representatives a new customer or customer user takes over from its parent or
/// customer: those that are still back-office users of the organization.
pub async fn inherited_sales_representatives(
    store: &dyn DirectoryStore,
    organization_id: OrganizationId,
    ids: &[UserId],
) -> StoreResult<Vec<UserId>> {
    let mut kept = Vec::new();
    for id in ids {
        if is_representative(store, organization_id, *id).await? {
            kept.push(*id);
        }
    }
    Ok(kept)
}

async fn is_representative(
    store: &dyn DirectoryStore,
    organization_id: OrganizationId,
    id: UserId,
) -> StoreResult<bool> {
    Ok(store
        .get_user(id)
        .await?
        .is_some_and(|user| user.organization_id == organization_id))
}

/// The message for a wrong sales representative.
pub const NOT_A_SALES_REPRESENTATIVE: &str =
    "must be a back-office user of the customer's organization";
