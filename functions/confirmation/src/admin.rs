//! Back-office actions that send a customer user an email (scope `customer_users:write`).
//! Each answers with what was sent, and the user's new `ETag`; a send that fails is recorded as failed and the
//! state change is kept, so the action can simply be repeated. The email's link is
//! stored before the user changes, so a failure to store it changes nothing either.

use axum::extract::{Path, State};
use shared::{
    ApiError,
    customer_user::{CustomerUser, LinkPurpose, Notification, new_link},
    directory::Website,
    domain::{CustomerUserId, now},
    http::access,
    http::{Admin, AdminPrincipal, scopes::CustomerUsersWrite},
    http::{IfMatch, Versioned},
    mail::Template,
    openapi::WriteProblems,
};

use crate::ConfirmationState;

async fn load(
    state: &ConfirmationState,
    admin: &AdminPrincipal,
    id: &str,
    if_match: Option<IfMatch>,
) -> Result<(CustomerUser, Website), ApiError> {
    let users = state.customer_users.as_ref();
    let user: CustomerUser = access::load(
        state.organizations.as_ref(),
        admin,
        id,
        "customer user",
        |id: CustomerUserId| users.get_customer_user(id),
        |u| u.organization_id,
    )
    .await?;
    if let Some(if_match) = if_match {
        if_match.check(user.version)?;
    }
    let website = state
        .websites
        .get_website(user.website_id)
        .await?
        .ok_or_else(|| {
            ApiError::Conflict(
                "the customer user's website no longer exists: choose another one first".into(),
            )
        })?;
    Ok((user, website))
}

/// Stores `user` as a change of `previous`, unless nothing changed.
async fn save(
    state: &ConfirmationState,
    user: &mut CustomerUser,
    previous: &CustomerUser,
) -> Result<(), ApiError> {
    if user == previous {
        return Ok(());
    }
    user.updated_at = now();
    user.version = previous.version + 1;
    state
        .customer_users
        .update_customer_user(user, previous, &[], false)
        .await?;
    Ok(())
}

/// Stores a new link of `purpose` (while the user is still `previous`), then `user` as
/// a change of `previous`, then sends the email. The link goes first: were the user
/// confirmed and its link then lost, the admin could not confirm it again. A change that fails after its link is stored
/// leaves that link, never sent, in place of the user's earlier one of the same
/// purpose; repeating the action sends a new one.
async fn change_and_send(
    state: &ConfirmationState,
    user: &mut CustomerUser,
    previous: &CustomerUser,
    website: &Website,
    template: Template,
    purpose: LinkPurpose,
    lifetime: std::time::Duration,
) -> Result<Notification, ApiError> {
    let (token, link) = new_link(previous, purpose, lifetime);
    state.links.put_link(&link, Some(previous.version)).await?;
    save(state, user, previous).await?;
    Ok(state
        .notifier
        .send_link(user, website, template, &token, &link)
        .await)
}

/// The set-password links of the welcome and reset emails are refused to a disabled
/// user: sending one would only mislead.
fn enabled_for(user: &CustomerUser, what: &str) -> Result<(), ApiError> {
    if user.enabled {
        Ok(())
    } else {
        Err(ApiError::Conflict(format!(
            "only an enabled customer user can {what}: enable it first"
        )))
    }
}

/// Confirms an unconfirmed, enabled customer user and sends the welcome email with a set-password link.
#[utoipa::path(
    post, path = "/admin/customer-users/{id}/confirm", operation_id = "confirmCustomerUser", tag = "confirmation",
    params(("id" = String, Path, description = "Customer user id"), ("If-Match" = Option<String>, Header, description = "The ETag last read (optional)")),
    security(("backend_token" = ["customer_users:write"])),
    responses((status = 200, description = "What was sent (`status` says whether it went out); the `ETag` is the customer user's version after the action", body = Notification, headers(("ETag" = String))), WriteProblems)
)]
pub async fn confirm(
    State(state): State<ConfirmationState>,
    admin: Admin<CustomerUsersWrite>,
    Path(id): Path<String>,
    if_match: Option<IfMatch>,
) -> Result<Versioned<Notification>, ApiError> {
    let (previous, website) = load(&state, admin.principal(), &id, if_match).await?;
    enabled_for(&previous, "be sent the welcome email")?;
    if previous.confirmed {
        return Err(ApiError::Conflict(
            "the customer user is already confirmed".into(),
        ));
    }
    let mut user = previous.clone();
    user.confirmed = true;
    let sent = change_and_send(
        &state,
        &mut user,
        &previous,
        &website,
        Template::Welcome,
        LinkPurpose::Welcome,
        state.lifetimes.welcome,
    )
    .await?;
    Ok(Versioned::ok(user.version, sent))
}

/// Sends an unconfirmed, enabled customer user a new confirmation link.
///
/// Older links stop working. A confirmed or disabled customer user is refused (409),
/// with nothing changed and nothing sent.
#[utoipa::path(
    post, path = "/admin/customer-users/{id}/resend-confirmation", operation_id = "resendCustomerUserConfirmation", tag = "confirmation",
    params(("id" = String, Path, description = "Customer user id"), ("If-Match" = Option<String>, Header, description = "The ETag last read (optional)")),
    security(("backend_token" = ["customer_users:write"])),
    responses((status = 200, description = "What was sent (`status` says whether it went out); the `ETag` is the customer user's version after the action", body = Notification, headers(("ETag" = String))), WriteProblems)
)]
pub async fn resend_confirmation(
    State(state): State<ConfirmationState>,
    admin: Admin<CustomerUsersWrite>,
    Path(id): Path<String>,
    if_match: Option<IfMatch>,
) -> Result<Versioned<Notification>, ApiError> {
    let (previous, website) = load(&state, admin.principal(), &id, if_match).await?;
    enabled_for(&previous, "be sent a confirmation link")?;
    if previous.confirmed {
        return Err(ApiError::Conflict(
            "the customer user is already confirmed: no confirmation link was sent".into(),
        ));
    }
    let mut user = previous.clone();
    let sent = change_and_send(
        &state,
        &mut user,
        &previous,
        &website,
        Template::Confirmation,
        LinkPurpose::Confirmation,
        state.lifetimes.confirmation,
    )
    .await?;
    Ok(Versioned::ok(user.version, sent))
}

/// Requires an enabled customer user to choose a new password (storefront sign-in is
/// refused until then) and sends the link.
#[utoipa::path(
    post, path = "/admin/customer-users/{id}/reset-password", operation_id = "requireCustomerUserPasswordReset", tag = "confirmation",
    params(("id" = String, Path, description = "Customer user id"), ("If-Match" = Option<String>, Header, description = "The ETag last read (optional)")),
    security(("backend_token" = ["customer_users:write"])),
    responses((status = 200, description = "What was sent (`status` says whether it went out); the `ETag` is the customer user's version after the action", body = Notification, headers(("ETag" = String))), WriteProblems)
)]
pub async fn reset_password(
    State(state): State<ConfirmationState>,
    admin: Admin<CustomerUsersWrite>,
    Path(id): Path<String>,
    if_match: Option<IfMatch>,
) -> Result<Versioned<Notification>, ApiError> {
    let (previous, website) = load(&state, admin.principal(), &id, if_match).await?;
    enabled_for(&previous, "be asked to reset the password")?;
    let mut user = previous.clone();
    user.password_reset_required = true;
    let sent = change_and_send(
        &state,
        &mut user,
        &previous,
        &website,
        Template::ForcedPasswordReset,
        LinkPurpose::PasswordReset,
        state.lifetimes.password_reset,
    )
    .await?;
    Ok(Versioned::ok(user.version, sent))
}

/// Sends the welcome email again, with a new set-password link.
#[utoipa::path(
    post, path = "/admin/customer-users/{id}/welcome-email", operation_id = "sendCustomerUserWelcomeEmail", tag = "confirmation",
    params(("id" = String, Path, description = "Customer user id"), ("If-Match" = Option<String>, Header, description = "The ETag last read (optional)")),
    security(("backend_token" = ["customer_users:write"])),
    responses((status = 200, description = "What was sent (`status` says whether it went out); the `ETag` is the customer user's version after the action", body = Notification, headers(("ETag" = String))), WriteProblems)
)]
pub async fn welcome_email(
    State(state): State<ConfirmationState>,
    admin: Admin<CustomerUsersWrite>,
    Path(id): Path<String>,
    if_match: Option<IfMatch>,
) -> Result<Versioned<Notification>, ApiError> {
    let (previous, website) = load(&state, admin.principal(), &id, if_match).await?;
    enabled_for(&previous, "be sent the welcome email")?;
    let mut unchanged = previous.clone();
    let sent = change_and_send(
        &state,
        &mut unchanged,
        &previous,
        &website,
        Template::Welcome,
        LinkPurpose::Welcome,
        state.lifetimes.welcome,
    )
    .await?;
    Ok(Versioned::ok(unchanged.version, sent))
}
