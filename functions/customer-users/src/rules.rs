//! The rules every create and edit of a customer user goes through, from the back
//! office or the storefront alike.

use shared::{
    ApiError,
    application::{Application, Owner},
    customer_user::{CustomerUser, localization_problem},
    directory::{Customer, Website},
    domain::Validation,
    domain::{CustomerId, OrganizationId, WebsiteId, now},
    paging::PageRequest,
    rules::{applications_following_owner, sales_representatives},
};

use crate::CustomerUsersState;

pub async fn customer(
    state: &CustomerUsersState,
    v: &mut Validation,
    customer_id: CustomerId,
) -> Result<Option<Customer>, ApiError> {
    let customer = state.customers.get_customer(customer_id).await?;
    if customer.is_none() {
        v.add("customer_id", "no customer has this id");
    }
    Ok(customer)
}

/// A new customer for a new user, as a subsidiary of `parent_id` when given (in the
/// parent's organization, with its sales representatives).
pub async fn new_customer(
    state: &CustomerUsersState,
    v: &mut Validation,
    name: &str,
    parent_id: Option<CustomerId>,
    organization_id: OrganizationId,
) -> Result<Option<Customer>, ApiError> {
    let name = v.check("customer_name", shared::domain::Name::parse(name));
    let parent = match parent_id {
        None => None,
        Some(id) => {
            let parent = state.customers.get_customer(id).await?;
            if parent.is_none() {
                v.add("parent_customer_id", "no customer has this id");
                return Ok(None);
            }
            parent
        }
    };
    let Some(name) = name else { return Ok(None) };
    let at = now();
    Ok(Some(Customer {
        id: CustomerId::generate(),
        organization_id: parent
            .as_ref()
            .map_or(organization_id, |p| p.organization_id),
        name,
        parent_id: parent.as_ref().map(|p| p.id),
        sales_representative_ids: parent
            .map(|p| p.sales_representative_ids)
            .unwrap_or_default(),
        subsidiary_count: 0,
        customer_user_count: 0,
        created_at: at,
        updated_at: at,
        version: 1,
    }))
}

/// The chosen website, or the organization's only one.
pub async fn website(
    state: &CustomerUsersState,
    v: &mut Validation,
    organization_id: OrganizationId,
    chosen: Option<WebsiteId>,
) -> Result<Option<Website>, ApiError> {
    match chosen {
        Some(id) => match state.websites.get_website(id).await? {
            Some(w) if w.organization_id == organization_id => Ok(Some(w)),
            _ => {
                v.add(
                    "website_id",
                    "must be a website of the customer's organization",
                );
                Ok(None)
            }
        },
        None => {
            let page = state
                .websites
                .list_websites(organization_id, None, &PageRequest::first(2))
                .await?;
            match page.items.as_slice() {
                [only] => Ok(Some(only.clone())),
                [] => {
                    v.add(
                        "website_id",
                        "the organization has no website yet: create one first",
                    );
                    Ok(None)
                }
                _ => {
                    v.add(
                        "website_id",
                        "is required because the organization has several websites",
                    );
                    Ok(None)
                }
            }
        }
    }
}

/// The preferred localization is one the user's website enables.
pub fn check_localization(v: &mut Validation, user: &CustomerUser, website: &Website) {
    if let Some(problem) = localization_problem(user.preferred_localization.as_ref(), website) {
        v.add("preferred_localization", problem);
    }
}

/// Each sales representative the user did not have (`kept`) is a back-office user of
/// the organization; the user keeps each one once.
pub async fn check_sales_representatives(
    state: &CustomerUsersState,
    v: &mut Validation,
    user: &mut CustomerUser,
    kept: &[shared::domain::UserId],
) -> Result<(), ApiError> {
    user.sales_representative_ids = sales_representatives(
        state.users.as_ref(),
        v,
        user.organization_id,
        &user.sales_representative_ids,
        kept,
    )
    .await?;
    Ok(())
}

/// The user's applications, following its `enabled`; the user then counts those found,
/// so its write fails if the index did not show them all.
pub async fn applications_following(
    state: &CustomerUsersState,
    user: &mut CustomerUser,
    previous: &CustomerUser,
) -> Result<Vec<Application>, ApiError> {
    let owner = Owner::Frontend {
        customer_user_id: user.id,
    };
    let following = applications_following_owner(
        state.applications.as_ref(),
        owner,
        previous.enabled,
        user.enabled,
        now(),
    )
    .await?;
    let Some(applications) = following else {
        return Ok(Vec::new());
    };
    user.application_count = applications.len() as u64;
    Ok(applications)
}
