use crate::{
    domain::{OrganizationId, UserId},
    store::{DirectoryStore, StoreResult},
};

/// Sales representatives must be back-office users of the organization. Returns the
/// ids without duplicates, or the positions in `ids` that are not such users.
pub async fn sales_representatives(
    store: &dyn DirectoryStore,
    organization_id: OrganizationId,
    ids: &[UserId],
) -> StoreResult<Result<Vec<UserId>, Vec<usize>>> {
    let mut unique = Vec::new();
    let mut wrong = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        match store.get_user(*id).await? {
            Some(user) if user.organization_id == organization_id => {
                if !unique.contains(id) {
                    unique.push(*id);
                }
            }
            _ => wrong.push(i),
        }
    }
    Ok(if wrong.is_empty() {
        Ok(unique)
    } else {
        Err(wrong)
    })
}

/// The message for a wrong sales representative.
pub const NOT_A_SALES_REPRESENTATIVE: &str =
    "must be a back-office user of the customer's organization";
