//! OAuth 2.0 applications: one record type for both owners. Owned by a back-office user
//! it is a backend application (tokens for `/admin`), owned by a customer user a
//! frontend one (tokens for `/api`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{
    credentials::{Audience, ClientType, RedirectUri, Scope, SecretHash},
    domain::{ApplicationId, CustomerUserId, Name, OrganizationId, UserId},
};

/// Applications one owner may have: its delete removes 2 items per application in one
/// transaction of at most 100 writes, beside up to 64 of a customer user's own.
pub const MAX_APPLICATIONS_PER_OWNER: u64 = 10;

/// Whether an owner that has `application_count` applications may have one more.
pub fn has_room_for_another(application_count: u64) -> bool {
    application_count < MAX_APPLICATIONS_PER_OWNER
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Owner {
    Backend { user_id: UserId },
    Frontend { customer_user_id: CustomerUserId },
}

impl Owner {
    /// The `sub` of the tokens the application is issued.
    pub fn subject(&self) -> String {
        match self {
            Owner::Backend { user_id } => user_id.to_string(),
            Owner::Frontend { customer_user_id } => customer_user_id.to_string(),
        }
    }

    pub fn audience(&self) -> Audience {
        match self {
            Owner::Backend { .. } => Audience::Backend,
            Owner::Frontend { .. } => Audience::Frontend,
        }
    }
}

/// A hash of a client secret; a secret replaced by rotation expires after a grace period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSecret {
    pub hash: SecretHash,
    #[serde(default, with = "crate::domain::rfc3339_millis::option")]
    pub expires_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Application {
    pub id: ApplicationId,
    pub organization_id: OrganizationId,
    pub name: Name,
    pub owner: Owner,
    /// What backend tokens may be granted; frontend applications have none (their
    /// owner's roles decide).
    pub scopes: Vec<Scope>,
    pub active: bool,
    /// Mirrors the owner's `enabled`, so one read decides whether tokens are honoured.
    pub owner_enabled: bool,
    pub secrets: Vec<StoredSecret>,
    /// Confidential (with a secret) unless registered as public (no secret).
    #[serde(default)]
    pub client_type: ClientType,
    /// Where the authorization endpoint may send a browser back, compared exactly.
    #[serde(default)]
    pub redirect_uris: Vec<RedirectUri>,
    /// Tokens issued before this instant are refused (set on deactivation and on the
    /// owner being disabled, so re-enabling does not revive old tokens).
    #[serde(default, with = "crate::domain::rfc3339_millis::option")]
    pub tokens_valid_after: Option<OffsetDateTime>,
    #[serde(default, with = "crate::domain::rfc3339_millis::option")]
    pub last_used_at: Option<OffsetDateTime>,
    /// Recent failed client authentications (epoch seconds), for the lockout.
    #[serde(default)]
    pub auth_failures: Vec<i64>,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub updated_at: OffsetDateTime,
    pub version: u64,
}

/// Why a client_credentials grant is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantError {
    /// A requested scope the application does not hold.
    InvalidScope(String),
}

impl Application {
    /// The public client id: the application id as 32 lowercase hex digits.
    pub fn client_id(&self) -> String {
        client_id_of(self.id)
    }

    /// Whether `last_used_at` is old enough to be written again: at most once a minute,
    /// so busy clients cost no write per token.
    pub fn last_use_is_stale(&self, now: OffsetDateTime) -> bool {
        self.last_used_at
            .is_none_or(|at| now - at >= time::Duration::minutes(1))
    }

    /// Checks a presented secret against every live secret, in constant time each.
    pub fn authenticate(
        &self,
        pepper: &crate::credentials::Pepper,
        presented: &str,
        now: OffsetDateTime,
    ) -> bool {
        self.secrets
            .iter()
            .filter(|s| s.expires_at.is_none_or(|at| at > now))
            .fold(false, |ok, s| s.hash.matches_keyed(pepper, presented) | ok)
    }

    /// The registered redirect URI that `presented` is exactly, if any.
    pub fn redirect_uri(&self, presented: &str) -> Option<&RedirectUri> {
        self.redirect_uris.iter().find(|uri| uri.is(presented))
    }

    /// Whether tokens may be issued to, or honoured for, this application now.
    pub fn usable(&self) -> bool {
        self.active && self.owner_enabled
    }

    /// Whether a token issued at `issued_at` (seconds since the epoch) still counts.
    /// Tokens of the cut-off second itself are refused: `iat` has no finer grain.
    pub fn honours_token_issued_at(&self, issued_at: i64) -> bool {
        self.tokens_valid_after
            .is_none_or(|after| issued_at > after.unix_timestamp())
    }

    /// Replaces the secret: the current one keeps working for `grace` (not at all when
    /// zero), so at most two secrets are ever valid.
    pub fn rotate_secret(
        &mut self,
        new: crate::credentials::SecretHash,
        grace: time::Duration,
        now: OffsetDateTime,
    ) {
        let current = self
            .secrets
            .iter()
            .find(|s| s.expires_at.is_none())
            .cloned();
        self.secrets = current
            .filter(|_| grace > time::Duration::ZERO)
            .map(|s| StoredSecret {
                hash: s.hash,
                expires_at: Some(now + grace),
            })
            .into_iter()
            .collect();
        self.secrets.push(StoredSecret {
            hash: new,
            expires_at: None,
        });
    }

    /// Sets `active`; deactivation also ends every token issued so far, for good.
    pub fn set_active(&mut self, active: bool, now: OffsetDateTime) {
        if self.active && !active {
            self.tokens_valid_after = Some(now);
        }
        self.active = active;
    }

    /// Follows the owner's `enabled`: a disabled owner's tokens stop at once and stay
    /// dead after it is enabled again.
    pub fn follow_owner(&mut self, owner_enabled: bool, at: OffsetDateTime) {
        self.owner_enabled = owner_enabled;
        if !owner_enabled {
            self.tokens_valid_after = Some(at);
        }
        self.updated_at = at;
        self.version += 1;
    }

    /// The scopes a token gets: those requested, which must all be held, or all held.
    pub fn grant(&self, requested: &[Scope]) -> Result<Vec<Scope>, GrantError> {
        if let Some(missing) = requested.iter().find(|s| !self.scopes.contains(s)) {
            return Err(GrantError::InvalidScope(missing.as_str().to_owned()));
        }
        Ok(if requested.is_empty() {
            self.scopes.clone()
        } else {
            requested.to_vec()
        })
    }
}

pub fn client_id_of(id: ApplicationId) -> String {
    id.as_uuid().simple().to_string()
}

/// The application a client id names, if it is well formed.
pub fn application_id_of(client_id: &str) -> Option<ApplicationId> {
    let well_formed = client_id.len() == 32
        && client_id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !well_formed {
        return None;
    }
    uuid::Uuid::try_parse(client_id)
        .ok()
        .map(|u| u.hyphenated().to_string())
        .and_then(|s| s.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::ClientSecret;
    use time::Duration;

    fn pepper() -> crate::credentials::Pepper {
        crate::credentials::Pepper::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
            .unwrap()
    }

    fn app(secret: &ClientSecret) -> Application {
        let now = crate::domain::now();
        Application {
            id: ApplicationId::generate(),
            organization_id: OrganizationId::generate(),
            name: Name::parse("ERP sync").unwrap(),
            owner: Owner::Backend {
                user_id: UserId::generate(),
            },
            scopes: vec![Scope::DirectoryRead, Scope::DirectoryWrite],
            active: true,
            owner_enabled: true,
            secrets: vec![StoredSecret {
                hash: secret.keyed_hash(&pepper()),
                expires_at: None,
            }],
            client_type: ClientType::Confidential,
            redirect_uris: Vec::new(),
            tokens_valid_after: None,
            last_used_at: None,
            auth_failures: Vec::new(),
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    #[test]
    fn an_owner_has_room_for_applications_up_to_the_cap() {
        assert!(has_room_for_another(0));
        assert!(has_room_for_another(MAX_APPLICATIONS_PER_OWNER - 1));
        assert!(!has_room_for_another(MAX_APPLICATIONS_PER_OWNER));
        assert!(!has_room_for_another(MAX_APPLICATIONS_PER_OWNER + 1));
    }

    #[test]
    fn client_id_is_32_hex_and_maps_back() {
        let a = app(&ClientSecret::generate());
        assert_eq!(a.client_id().len(), 32);
        assert_eq!(application_id_of(&a.client_id()), Some(a.id));
        assert_eq!(application_id_of("not-a-client"), None);
        assert_eq!(application_id_of(&a.client_id().to_uppercase()), None);
    }

    #[test]
    fn expired_secrets_no_longer_authenticate() {
        let secret = ClientSecret::generate();
        let mut a = app(&secret);
        let now = crate::domain::now();
        assert!(a.authenticate(&pepper(), secret.expose(), now));
        assert!(!a.authenticate(&pepper(), "wrong", now));
        a.secrets[0].expires_at = Some(now - Duration::seconds(1));
        assert!(!a.authenticate(&pepper(), secret.expose(), now));
    }

    #[test]
    fn rotation_keeps_at_most_two_secrets_and_honours_the_grace() {
        let first = ClientSecret::generate();
        let mut a = app(&first);
        let now = crate::domain::now();
        let second = ClientSecret::generate();
        a.rotate_secret(second.keyed_hash(&pepper()), Duration::hours(24), now);
        assert!(a.authenticate(&pepper(), first.expose(), now));
        assert!(a.authenticate(&pepper(), second.expose(), now));
        assert!(!a.authenticate(&pepper(), first.expose(), now + Duration::hours(25)));
        let third = ClientSecret::generate();
        a.rotate_secret(third.keyed_hash(&pepper()), Duration::hours(24), now);
        assert_eq!(a.secrets.len(), 2);
        assert!(
            !a.authenticate(&pepper(), first.expose(), now),
            "only the latest previous secret survives"
        );
        let fourth = ClientSecret::generate();
        a.rotate_secret(fourth.keyed_hash(&pepper()), Duration::ZERO, now);
        assert_eq!(a.secrets.len(), 1);
        assert!(
            !a.authenticate(&pepper(), third.expose(), now),
            "no grace: the old secret stops at once"
        );
    }

    #[test]
    fn deactivation_ends_earlier_tokens_for_good() {
        let mut a = app(&ClientSecret::generate());
        let now = crate::domain::now();
        a.set_active(false, now);
        a.set_active(true, now + Duration::seconds(5));
        assert!(a.usable());
        assert!(!a.honours_token_issued_at(now.unix_timestamp() - 1));
    }

    #[test]
    fn grants_only_held_scopes() {
        let a = app(&ClientSecret::generate());
        assert_eq!(a.grant(&[]).unwrap(), a.scopes);
        assert_eq!(
            a.grant(&[Scope::DirectoryRead]).unwrap(),
            vec![Scope::DirectoryRead]
        );
        assert_eq!(
            a.grant(&[Scope::RolesRead]),
            Err(GrantError::InvalidScope("roles:read".into()))
        );
    }

    #[test]
    fn tokens_before_the_cut_off_are_refused() {
        let mut a = app(&ClientSecret::generate());
        let now = crate::domain::now();
        assert!(a.honours_token_issued_at(now.unix_timestamp() - 10));
        a.tokens_valid_after = Some(now);
        assert!(!a.honours_token_issued_at(now.unix_timestamp() - 10));
        assert!(!a.honours_token_issued_at(now.unix_timestamp()));
        assert!(a.honours_token_issued_at(now.unix_timestamp() + 1));
    }
}
