//! Public routes: they carry no access token, only the one-time token from an email.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use shared::{
    ApiError,
    auth::SecretHash,
    customer_user::{
        CustomerUser, LinkPurpose, OneTimeLink, Password, decoy_customer_user_id, new_link,
    },
    domain::Validation,
    domain::checked,
    domain::{Email, WebsiteId, now},
    http::{JsonBody, SourceAddress},
    mail::Template,
    openapi::BodyProblems,
    ports::{RateDecision, StoreError},
};

use crate::ConfirmationState;

/// One answer for every unusable link, so it does not tell which it was.
const LINK_UNUSABLE: &str = "the link is invalid, already used or expired: ask for a new one";

/// Reset requests allowed per email and hour, to each requester (source address): a
/// requester spends its own allowance, never the account holder's.
const RESET_REQUESTS_PER_HOUR: usize = 5;

/// Reset requests allowed per requester (source address) and hour, whatever the emails.
const RESET_REQUESTS_PER_REQUESTER_PER_HOUR: usize = 20;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    /// The token from the confirmation email's link.
    pub token: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
    /// The storefront the request comes from; the configured default when absent. It
    /// picks the organization; the link itself goes to the account's own website.
    pub website_id: Option<WebsiteId>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    /// The token from a password-reset or welcome email's link.
    pub token: String,
    /// At least 8 characters with upper and lower case and a digit.
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Outcome {
    pub status: &'static str,
    pub message: &'static str,
}

/// A usable link of one of `purposes`, and its user.
async fn redeemable(
    state: &ConfirmationState,
    token: &str,
    purposes: &[LinkPurpose],
) -> Result<(OneTimeLink, CustomerUser), ApiError> {
    let unusable = || ApiError::BadRequest(LINK_UNUSABLE.into());
    if token.is_empty() || token.len() > 256 {
        return Err(unusable());
    }
    let link = state
        .links
        .find_link(&SecretHash::of(token))
        .await?
        .filter(|l| purposes.contains(&l.purpose) && l.is_valid_at(now()))
        .ok_or_else(unusable)?;
    let user = state
        .customer_users
        .get_customer_user(link.customer_user_id)
        .await?
        .ok_or_else(unusable)?;
    Ok((link, user))
}

async fn consume(
    state: &ConfirmationState,
    link: &OneTimeLink,
    also_drop: &[LinkPurpose],
    user: &CustomerUser,
    previous: &CustomerUser,
) -> Result<(), ApiError> {
    state
        .links
        .consume_link(link, also_drop, user, previous)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::BadRequest(LINK_UNUSABLE.into()),
            StoreError::VersionConflict => {
                ApiError::Conflict("the account changed meanwhile: try the link again".into())
            }
            other => other.into(),
        })
}

/// Confirms a customer user's email with the token from the confirmation email.
#[utoipa::path(
    post, path = "/customer-user/confirm", operation_id = "confirmEmail", tag = "confirmation",
    request_body = ConfirmRequest,
    responses(
        (status = 200, description = "Confirmed; the welcome email is on its way", body = Outcome),
        (status = 400, description = "The body is not valid JSON, or the link is invalid, used or expired (one answer for all three)", body = shared::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account is already confirmed", body = shared::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is invalid", body = shared::error::Problem, content_type = "application/problem+json"),
        BodyProblems
    )
)]
pub async fn confirm(
    State(state): State<ConfirmationState>,
    JsonBody(body): JsonBody<ConfirmRequest>,
) -> Result<Json<Outcome>, ApiError> {
    let (link, current) = redeemable(&state, &body.token, &[LinkPurpose::Confirmation]).await?;
    if current.confirmed {
        return Err(ApiError::Conflict(
            "the account is already confirmed: sign in".into(),
        ));
    }
    let mut user = current.clone();
    user.confirmed = true;
    user.updated_at = now();
    user.version += 1;
    consume(&state, &link, &[], &user, &current).await?;
    shared::http::audit::by_email_link(user.organization_id, user.id);
    if let Some(website) = state.websites.get_website(user.website_id).await? {
        state
            .notifier
            .send(
                &user,
                &website,
                Template::WelcomeAfterConfirmation,
                &[("link", website.url.as_str())],
            )
            .await;
    }
    Ok(Json(Outcome {
        status: "confirmed",
        message: "the email address is confirmed",
    }))
}

/// Asks for a password-reset email. The answer is the same whether or not the email
/// belongs to an account, and both cases do the same work.
#[utoipa::path(
    post, path = "/customer-user/password-reset/request", operation_id = "requestPasswordReset", tag = "confirmation",
    request_body = ResetRequest,
    responses(
        (status = 202, description = "Accepted (also when no account has this email)", body = Outcome),
        (status = 400, description = "The body is not valid JSON", body = shared::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The email or website is invalid", body = shared::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address, for this email (5 an hour) or for any (20 an hour): retry after the Retry-After seconds", body = shared::error::Problem, content_type = "application/problem+json"),
        BodyProblems
    )
)]
pub async fn request_reset(
    State(state): State<ConfirmationState>,
    SourceAddress(source): SourceAddress,
    JsonBody(body): JsonBody<ResetRequest>,
) -> Result<Response, ApiError> {
    let mut v = Validation::default();
    let email = v.check("email", Email::parse(&body.email));
    let website = match body.website_id.or(state.default_website_id) {
        None => {
            v.add(
                "website_id",
                "is required: name the website the request comes from",
            );
            None
        }
        Some(id) => {
            let website = state.websites.get_website(id).await?;
            if website.is_none() {
                v.add("website_id", "no website has this id");
            }
            website
        }
    };
    v.finish()?;
    let (email, website) = (checked(email)?, checked(website)?);

    // Per requester first: a requester over its own limit spends nothing of the email's.
    let limits = [
        (
            format!("password-reset#from#{source}"),
            RESET_REQUESTS_PER_REQUESTER_PER_HOUR,
            "too many password-reset requests from this address: wait before asking again",
        ),
        (
            format!(
                "password-reset#{}#{}#from#{source}",
                website.organization_id,
                email.normalized()
            ),
            RESET_REQUESTS_PER_HOUR,
            "too many password-reset requests for this email: wait before asking again",
        ),
    ];
    for (key, limit, refusal) in limits {
        let decision = state
            .rates
            .attempt(&key, limit, std::time::Duration::from_secs(3600), now())
            .await?;
        if let RateDecision::Limited {
            retry_after_seconds,
        } = decision
        {
            return Err(ApiError::TooManyRequests {
                message: refusal.into(),
                retry_after_seconds,
            });
        }
    }

    let user = state
        .lookup
        .customer_user_by_email(website.organization_id, &email)
        .await?
        .filter(|u| u.enabled);
    match user {
        Some(user) => {
            // The link goes to the user's own website, whichever one the request names:
            // a requester must not be able to send a genuine link to another host.
            let own_website = state
                .websites
                .get_website(user.website_id)
                .await?
                .unwrap_or(website);
            let (token, link) = new_link(
                &user,
                LinkPurpose::PasswordReset,
                state.lifetimes.password_reset,
            );
            // Stored only while the account is as read: an email change or a disable
            // committed meanwhile would not have dropped this link. The answer stays
            // the same; the user can ask again.
            match state.links.put_link(&link, Some(user.version)).await {
                Ok(()) => {
                    state
                        .notifier
                        .send_link(&user, &own_website, Template::ForgotPassword, &token, &link)
                        .await;
                }
                Err(StoreError::VersionConflict) => {
                    tracing::info!(customer_user_id = %user.id, "account changed during a reset request: no link sent");
                }
                Err(other) => return Err(other.into()),
            }
        }
        None => {
            // The same reads and writes, and an email of the same size to the SES
            // mailbox simulator.
            let website = state
                .websites
                .get_website(website.id)
                .await?
                .unwrap_or(website);
            let decoy = decoy_user(&website, &email)?;
            let (_, link) = new_link(
                &decoy,
                LinkPurpose::PasswordReset,
                state.lifetimes.password_reset,
            );
            state.links.put_link(&link, None).await?;
            state
                .notifier
                .send_decoy(&website, Template::ForgotPassword)
                .await;
        }
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(Outcome {
            status: "accepted",
            message: "if an account has this email, a password-reset link was sent to it",
        }),
    )
        .into_response())
}

fn decoy_user(
    website: &shared::directory::Website,
    email: &Email,
) -> Result<CustomerUser, ApiError> {
    let at = now();
    let placeholder = checked(shared::domain::Name::parse("-").ok())?;
    Ok(CustomerUser {
        id: decoy_customer_user_id(),
        organization_id: website.organization_id,
        customer_id: shared::domain::CustomerId::DECOY,
        website_id: website.id,
        name_prefix: None,
        first_name: placeholder.clone(),
        middle_name: None,
        last_name: placeholder,
        name_suffix: None,
        email: email.clone(),
        birthday: None,
        phone: None,
        sales_representative_ids: Vec::new(),
        preferred_localization: None,
        role_ids: Vec::new(),
        enabled: false,
        confirmed: false,
        password: None,
        password_reset_required: false,
        addresses: Vec::new(),
        consents: Vec::new(),
        application_count: 0,
        sessions_valid_after: None,
        created_at: at,
        updated_at: at,
        version: 0,
    })
}

/// Sets a new password with the token from a password-reset or welcome email; the
/// account counts as confirmed from then on.
#[utoipa::path(
    post, path = "/customer-user/password-reset", operation_id = "resetPassword", tag = "confirmation",
    request_body = NewPassword,
    responses(
        (status = 200, description = "The password is set", body = Outcome),
        (status = 400, description = "The body is not valid JSON, or the link is invalid, used or expired (one answer for all three)", body = shared::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The password does not meet the rule", body = shared::error::Problem, content_type = "application/problem+json"),
        BodyProblems
    )
)]
pub async fn reset(
    State(state): State<ConfirmationState>,
    JsonBody(body): JsonBody<NewPassword>,
) -> Result<Json<Outcome>, ApiError> {
    let mut v = Validation::default();
    let password = v.check("password", Password::parse(&body.password));
    v.finish()?;
    let (link, current) = redeemable(
        &state,
        &body.token,
        &[LinkPurpose::PasswordReset, LinkPurpose::Welcome],
    )
    .await?;
    if !current.enabled {
        return Err(ApiError::BadRequest(LINK_UNUSABLE.into()));
    }
    let mut user = current.clone();
    user.password = Some(checked(password)?.hash());
    user.password_reset_required = false;
    user.confirmed = true;
    user.updated_at = now();
    // A new password ends every sign-in session.
    user.sessions_valid_after = Some(user.updated_at);
    user.version += 1;
    // A new password ends every pending link: they were all ways to set one.
    consume(&state, &link, &LinkPurpose::ALL, &user, &current).await?;
    shared::http::audit::by_email_link(user.organization_id, user.id);
    Ok(Json(Outcome {
        status: "password_set",
        message: "the new password is set: sign in with it",
    }))
}
