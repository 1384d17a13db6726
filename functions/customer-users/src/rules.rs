//! The rules every create and edit of a customer user goes through, from the back
//! office or the storefront alike.

use shared::{
    ApiError,
    application::{Application, Owner},
    auth::ClientSecret,
    customer_user::{
        CustomerUser, DeliveryStatus, LinkPurpose, Notification, OneTimeLink, ROLE_REQUIRED,
        localization_problem, role_problem,
    },
    directory::{Customer, NOT_A_SALES_REPRESENTATIVE, Website, sales_representatives},
    domain::{CustomerId, NotificationId, OrganizationId, WebsiteId, now},
    error::Validation,
    http::PageRequest,
    mail::{Template, compose, render},
};
use time::Duration;

use crate::CustomerUsersState;

/// How long a welcome set-password link works.
pub const WELCOME_LINK_DAYS: i64 = 7;

pub async fn customer(
    state: &CustomerUsersState,
    v: &mut Validation,
    customer_id: CustomerId,
) -> Result<Option<Customer>, ApiError> {
    let customer = state.directory.get_customer(customer_id).await?;
    if customer.is_none() {
        v.add("customer_id", "no customer has this id");
    }
    Ok(customer)
}

/// The chosen website, or the organization's only one.
pub async fn website(
    state: &CustomerUsersState,
    v: &mut Validation,
    organization_id: OrganizationId,
    chosen: Option<WebsiteId>,
) -> Result<Option<Website>, ApiError> {
    match chosen {
        Some(id) => match state.directory.get_website(id).await? {
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
                .directory
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

/// Roles, enabled-needs-a-role, localization and sales representatives.
pub async fn check_relations(
    state: &CustomerUsersState,
    v: &mut Validation,
    user: &CustomerUser,
    website: &Website,
    sales_representatives_changed: bool,
) -> Result<(), ApiError> {
    if user.enabled && user.role_ids.is_empty() {
        v.add("role_ids", ROLE_REQUIRED);
    }
    for (i, role_id) in user.role_ids.iter().enumerate() {
        let role = state.directory.get_role(*role_id).await?;
        if let Some(problem) = role_problem(role.as_ref(), user.organization_id, user.customer_id) {
            v.add(format!("role_ids.{i}"), problem);
        }
    }
    let websites = state
        .directory
        .list_websites(
            user.organization_id,
            None,
            &PageRequest::first(PageRequest::MAX_LIMIT),
        )
        .await?;
    if let Some(problem) = localization_problem(
        user.preferred_localization.as_ref(),
        website,
        &websites.items,
    ) {
        v.add("preferred_localization", problem);
    }
    if sales_representatives_changed
        && let Err(wrong) = sales_representatives(
            state.directory.as_ref(),
            user.organization_id,
            &user.sales_representative_ids,
        )
        .await?
    {
        for i in wrong {
            v.add(
                format!("sales_representative_ids.{i}"),
                NOT_A_SALES_REPRESENTATIVE,
            );
        }
    }
    Ok(())
}

/// A fresh one-time link: the token goes in the email, only its hash is stored.
pub fn new_link(user: &CustomerUser, purpose: LinkPurpose, days: i64) -> (String, OneTimeLink) {
    let token = ClientSecret::generate();
    let link = OneTimeLink {
        customer_user_id: user.id,
        purpose,
        token_hash: token.hash(),
        valid_until: now() + Duration::days(days),
    };
    (token.expose().to_owned(), link)
}

/// Sends the welcome email and records it; a failure is recorded and returned as a
/// warning, never as an error: the user exists either way.
pub async fn send_welcome(
    state: &CustomerUsersState,
    user: &CustomerUser,
    website: &Website,
    token: &str,
    link: &OneTimeLink,
) -> Option<String> {
    let url = format!("{}/customer-user/set-password?token={token}", website.url);
    let expires = link
        .valid_until
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let rendered = render(
        Template::Welcome,
        user.preferred_localization.as_ref(),
        &[
            ("first_name", user.first_name.as_str()),
            ("last_name", user.last_name.as_str()),
            ("website_name", website.name.as_str()),
            ("link", &url),
            ("expires", &expires),
        ],
    );
    let outcome = match compose(state.mailer.sender(), &user.email, &rendered) {
        Ok(message) => state.mailer.send(&message).await.map(|_| ()),
        Err(error) => Err(error),
    };
    let error = outcome.err().map(|e| e.to_string());
    if let Some(error) = &error {
        tracing::warn!(customer_user_id = %user.id, %error, "the welcome email was not sent");
    }
    let notification = Notification {
        id: NotificationId::generate(),
        template: Template::Welcome.name().to_owned(),
        recipient: user.email.clone(),
        at: now(),
        status: if error.is_some() {
            DeliveryStatus::Failed
        } else {
            DeliveryStatus::Sent
        },
        error: error.clone(),
    };
    if let Err(e) = state
        .customer_users
        .record_notification(user.id, &notification)
        .await
    {
        tracing::error!(customer_user_id = %user.id, error = %e, "the notification log was not written");
    }
    error.map(|_| "the welcome email could not be sent; the user was saved and can be sent the email again".to_owned())
}

/// The user's applications, following its `enabled`.
pub async fn applications_following(
    state: &CustomerUsersState,
    user: &CustomerUser,
    previous: &CustomerUser,
) -> Result<Vec<Application>, ApiError> {
    if user.enabled == previous.enabled {
        return Ok(Vec::new());
    }
    let mut applications = state
        .applications
        .applications_of_owner(Owner::Frontend {
            customer_user_id: user.id,
        })
        .await?;
    let at = now();
    for application in &mut applications {
        application.follow_owner(user.enabled, at);
    }
    Ok(applications)
}
