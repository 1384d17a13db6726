//! Consents to the processing of personal data: what an organization asks its
//! customer users to accept, and the record of who accepted which one, and when.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::{ConsentId, Name, OrganizationId, WebUrl};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Consent {
    pub id: ConsentId,
    pub organization_id: OrganizationId,
    pub name: Name,
    /// The page with the full text the customer user agrees to.
    pub content_url: Option<WebUrl>,
    /// A mandatory consent, once accepted, cannot be declined through the storefront.
    pub mandatory: bool,
    /// Customer users who accepted it; kept in the same transaction as each acceptance,
    /// decline and user delete, so an accepted consent cannot be deleted.
    #[serde(default)]
    pub acceptance_count: u64,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub updated_at: OffsetDateTime,
    pub version: u64,
}

/// A customer user's acceptance, kept on the user's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsentAcceptance {
    pub consent_id: ConsentId,
    /// The consent's name when it was accepted.
    pub name: Name,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub accepted_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsentChangeError {
    #[error("\"{name}\" is a mandatory consent: once accepted it cannot be declined")]
    MandatoryDeclined { name: String },
}

/// The acceptances after a customer user chose to accept exactly `chosen` (consents
/// already checked to be among the organization's `consents`): kept ones keep their
/// time, new ones take `now`.
pub fn accept_exactly(
    current: &[ConsentAcceptance],
    chosen: &[Consent],
    consents: &[Consent],
    now: OffsetDateTime,
) -> Result<Vec<ConsentAcceptance>, ConsentChangeError> {
    let wanted: BTreeSet<ConsentId> = chosen.iter().map(|c| c.id).collect();
    let declined = current.iter().filter(|a| !wanted.contains(&a.consent_id));
    for gone in declined {
        if let Some(mandatory) = consents
            .iter()
            .find(|c| c.id == gone.consent_id && c.mandatory)
        {
            return Err(ConsentChangeError::MandatoryDeclined {
                name: mandatory.name.as_str().to_owned(),
            });
        }
    }
    let mut next = Vec::with_capacity(chosen.len());
    for consent in chosen {
        if next
            .iter()
            .any(|a: &ConsentAcceptance| a.consent_id == consent.id)
        {
            continue;
        }
        next.push(match current.iter().find(|a| a.consent_id == consent.id) {
            Some(kept) => kept.clone(),
            None => ConsentAcceptance {
                consent_id: consent.id,
                name: consent.name.clone(),
                accepted_at: now,
            },
        });
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consent(name: &str, mandatory: bool) -> Consent {
        let at = crate::domain::now();
        Consent {
            id: ConsentId::generate(),
            organization_id: OrganizationId::generate(),
            name: Name::parse(name).unwrap(),
            content_url: None,
            mandatory,
            acceptance_count: 0,
            created_at: at,
            updated_at: at,
            version: 1,
        }
    }

    #[test]
    fn kept_acceptances_keep_their_time_and_new_ones_take_now() {
        let (terms, mail) = (consent("Terms", false), consent("Newsletter", false));
        let then = time::macros::datetime!(2026-01-01 0:00 UTC);
        let now = time::macros::datetime!(2026-11-29 0:00 UTC);
        let current = vec![ConsentAcceptance {
            consent_id: terms.id,
            name: terms.name.clone(),
            accepted_at: then,
        }];
        let all = [terms.clone(), mail.clone()];
        let next = accept_exactly(
            &current,
            &[terms.clone(), mail.clone(), mail.clone()],
            &all,
            now,
        )
        .unwrap();
        assert_eq!(next.len(), 2);
        assert_eq!(next[0].accepted_at, then);
        assert_eq!((next[1].consent_id, next[1].accepted_at), (mail.id, now));
        assert!(accept_exactly(&next, &[], &all, now).unwrap().is_empty());
    }

    #[test]
    fn an_accepted_mandatory_consent_cannot_be_declined() {
        let terms = consent("Terms", true);
        let current = vec![ConsentAcceptance {
            consent_id: terms.id,
            name: terms.name.clone(),
            accepted_at: crate::domain::now(),
        }];
        let all = std::slice::from_ref(&terms);
        assert_eq!(
            accept_exactly(&current, &[], all, crate::domain::now()),
            Err(ConsentChangeError::MandatoryDeclined {
                name: "Terms".into()
            })
        );
        assert!(accept_exactly(&current, all, all, crate::domain::now()).is_ok());
    }
}
