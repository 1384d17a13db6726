use crate::{
    domain::Validation,
    domain::{OrganizationId, UserId},
    ports::{StoreResult, UserStore},
};

/// The most sales representatives a customer or customer user has.
pub const MAX_SALES_REPRESENTATIVES: usize = 20;

/// Sales representatives must be back-office users of the organization: `ids` as the
/// new list of a record whose list is `kept` now. The ids it keeps are not checked
/// again, so that a representative deleted since does not block every later change of
/// the record, and an id given twice is read once. Records in `v` each position that
/// is not such a user, or, before any read, a list longer than
/// [`MAX_SALES_REPRESENTATIVES`]; returns the ids without duplicates.
pub async fn sales_representatives(
    users: &dyn UserStore,
    v: &mut Validation,
    organization_id: OrganizationId,
    ids: &[UserId],
    kept: &[UserId],
) -> StoreResult<Vec<UserId>> {
    if ids.len() > MAX_SALES_REPRESENTATIVES {
        v.add(
            FIELD,
            format!("has at most {MAX_SALES_REPRESENTATIVES} sales representatives"),
        );
        return Ok(Vec::new());
    }
    let mut unique = Vec::new();
    let mut wrong = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        if unique.contains(id) {
            continue;
        }
        if wrong.contains(id) {
            v.add(format!("{FIELD}.{i}"), NOT_A_SALES_REPRESENTATIVE);
        } else if kept.contains(id) || is_representative(users, organization_id, *id).await? {
            unique.push(*id);
        } else {
            wrong.push(*id);
            v.add(format!("{FIELD}.{i}"), NOT_A_SALES_REPRESENTATIVE);
        }
    }
    Ok(unique)
}

const FIELD: &str = "sales_representative_ids";

/// The representatives a new customer or customer user takes over from its parent or
/// customer: those that are still back-office users of the organization.
pub async fn inherited_sales_representatives(
    users: &dyn UserStore,
    organization_id: OrganizationId,
    ids: &[UserId],
) -> StoreResult<Vec<UserId>> {
    let mut kept = Vec::new();
    for id in ids {
        if is_representative(users, organization_id, *id).await? {
            kept.push(*id);
        }
    }
    Ok(kept)
}

async fn is_representative(
    users: &dyn UserStore,
    organization_id: OrganizationId,
    id: UserId,
) -> StoreResult<bool> {
    Ok(users
        .get_user(id)
        .await?
        .is_some_and(|user| user.organization_id == organization_id))
}

/// The message for a wrong sales representative.
const NOT_A_SALES_REPRESENTATIVE: &str =
    "must be a back-office user of the customer's organization";
