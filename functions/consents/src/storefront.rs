//! `/api/me/consents`: a customer user reads the consents of its organization and
//! chooses which ones it accepts.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use shared::{
    ApiError,
    consent::{Consent, ConsentChangeError, accept_exactly},
    customer_user::CustomerUser,
    domain::Validation,
    domain::{ConsentId, Name, WebUrl, now},
    http::Storefront,
    http::storefront_user,
    http::{IfMatch, JsonBody, NoParams, QueryParams, Versioned},
    openapi::{ReadProblems, WriteProblems},
    paging::{Page, PageRequest},
};
use time::OffsetDateTime;

use crate::ConsentsState;

/// Consents one customer user may have accepted: each is counted in the user's
/// transactions, which hold at most 100 writes.
const MAX_ACCEPTED: usize = 30;

/// One consent of the organization, as the customer user stands to it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MyConsent {
    pub consent_id: ConsentId,
    pub name: Name,
    pub content_url: Option<WebUrl>,
    pub mandatory: bool,
    pub accepted: bool,
    #[serde(with = "shared::domain::rfc3339_millis::option")]
    #[schema(value_type = Option<String>)]
    pub accepted_at: Option<OffsetDateTime>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChooseConsents {
    /// Every consent the user accepts; the ones left out are declined (a mandatory
    /// consent, once accepted, cannot be).
    pub accepted: Vec<ConsentId>,
}

/// Every consent of the organization (a few dozen at most), by name.
async fn all_consents(
    state: &ConsentsState,
    user: &CustomerUser,
) -> Result<Vec<Consent>, ApiError> {
    let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
    let mut all = Vec::new();
    loop {
        let next = state
            .consents
            .list_consents(user.organization_id, None, &page)
            .await?;
        all.extend(next.items);
        match next.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => return Ok(all),
        }
    }
}

fn mine_of(user: &CustomerUser, consents: Vec<Consent>) -> Page<MyConsent> {
    let items = consents
        .into_iter()
        .map(|c| {
            let accepted = user.consents.iter().find(|a| a.consent_id == c.id);
            MyConsent {
                consent_id: c.id,
                name: c.name,
                content_url: c.content_url,
                mandatory: c.mandatory,
                accepted: accepted.is_some(),
                accepted_at: accepted.map(|a| a.accepted_at),
            }
        })
        .collect();
    Page {
        items,
        next_cursor: None,
    }
}

/// The organization's consents with the caller's answer to each; the `ETag` is the
/// caller's version, for `PUT`.
#[utoipa::path(
    get, path = "/api/me/consents", operation_id = "listMyConsents", tag = "storefront",
    security(("frontend_token" = [])),
    responses((status = 200, description = "Every consent, on one page", body = Page<MyConsent>, headers(("ETag" = String))), ReadProblems)
)]
pub async fn mine(
    State(state): State<ConsentsState>,
    storefront: Storefront,
    _: QueryParams<NoParams>,
) -> Result<Versioned<Page<MyConsent>>, ApiError> {
    let user = storefront_user(state.customer_users.as_ref(), &storefront.0).await?;
    let consents = all_consents(&state, &user).await?;
    Ok(Versioned::ok(user.version, mine_of(&user, consents)))
}

/// Accepts exactly the listed consents: new ones are accepted now, kept ones keep
/// their time, the rest are declined.
#[utoipa::path(
    put, path = "/api/me/consents", operation_id = "chooseMyConsents", tag = "storefront",
    params(("If-Match" = String, Header, description = "The ETag of GET /api/me/consents")),
    request_body = ChooseConsents,
    security(("frontend_token" = [])),
    responses((status = 200, description = "The consents with the new answers", body = Page<MyConsent>, headers(("ETag" = String))), WriteProblems)
)]
pub async fn choose(
    State(state): State<ConsentsState>,
    storefront: Storefront,
    if_match: IfMatch,
    JsonBody(body): JsonBody<ChooseConsents>,
) -> Result<Versioned<Page<MyConsent>>, ApiError> {
    let current = storefront_user(state.customer_users.as_ref(), &storefront.0).await?;
    if_match.check(current.version)?;
    let consents = all_consents(&state, &current).await?;
    let mut v = Validation::default();
    if body.accepted.len() > MAX_ACCEPTED {
        return Err(ApiError::field(
            "accepted",
            format!("at most {MAX_ACCEPTED} consents at once"),
        ));
    }
    let mut chosen = Vec::with_capacity(body.accepted.len());
    for (i, id) in body.accepted.iter().enumerate() {
        match consents.iter().find(|c| c.id == *id) {
            Some(consent) => chosen.push(consent.clone()),
            None => v.add(
                format!("accepted.{i}"),
                "no consent of your organization has this id: list them with GET /api/me/consents",
            ),
        }
    }
    v.finish()?;
    let accepted = accept_exactly(&current.consents, &chosen, &consents, now()).map_err(
        |e @ ConsentChangeError::MandatoryDeclined { .. }| {
            ApiError::field("accepted", e.to_string())
        },
    )?;
    let mut user = current.clone();
    if accepted != current.consents {
        user.consents = accepted;
        user.updated_at = now();
        user.version = current.version + 1;
        state
            .customer_users
            .update_customer_user(&user, &current, &[], false)
            .await?;
    }
    Ok(Versioned::ok(user.version, mine_of(&user, consents)))
}
