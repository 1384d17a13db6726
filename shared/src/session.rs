//! Sign-in sessions of people: authorization codes (RFC 6749 4.1 with PKCE, RFC 7636)
//! and refresh-token families (RFC 9700 4.14). Pure rules; storage is a port's.

use aws_lc_rs::{constant_time, digest, rand::SecureRandom};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::{
    credentials::{Audience, Pepper, Scope, SecretHash},
    domain::{ApplicationId, CustomerUserId, UserId},
};

/// Authorization codes live 60 seconds (RFC 9700 4.4: short-lived).
pub const CODE_LIFETIME_SECONDS: i64 = 60;

/// A refresh of the token just rotated away, this soon after, is a retry whose answer
/// was lost: it gets the same refresh token again instead of revoking the family.
pub const REFRESH_RETRY_SECONDS: i64 = 10;

/// The person a session acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Person {
    BackOffice { user_id: UserId },
    Customer { customer_user_id: CustomerUserId },
}

impl Person {
    /// The `sub` of the session's access tokens.
    pub fn subject(&self) -> String {
        match self {
            Person::BackOffice { user_id } => user_id.to_string(),
            Person::Customer { customer_user_id } => customer_user_id.to_string(),
        }
    }

    pub fn audience(&self) -> Audience {
        match self {
            Person::BackOffice { .. } => Audience::Backend,
            Person::Customer { .. } => Audience::Frontend,
        }
    }
}

/// What a session's checks need of its person, read with the session.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PersonState {
    pub enabled: bool,
    /// A back-office user's scopes; none for a customer user.
    #[serde(default)]
    pub scopes: Vec<Scope>,
    /// Sessions started before this instant are over.
    #[serde(default, with = "crate::domain::rfc3339_millis::option")]
    pub sessions_valid_after: Option<OffsetDateTime>,
}

impl PersonState {
    /// Whether this person may still hold the tokens of `session`.
    pub fn honours(&self, session: &Session) -> bool {
        self.enabled
            && self
                .sessions_valid_after
                .is_none_or(|after| session.created_at > after)
    }
}

/// 256 random bits, base64url: codes and refresh-token secrets.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system random generator is available");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `challenge` is an S256 code challenge: base64url of 32 bytes.
pub fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && URL_SAFE_NO_PAD
            .decode(challenge)
            .is_ok_and(|bytes| bytes.len() == 32)
}

/// RFC 7636 4.1 and 4.6: a verifier of 43 to 128 unreserved characters whose SHA-256,
/// base64url, is the challenge; compared in constant time.
pub fn verifier_matches(challenge: &str, verifier: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if !well_formed {
        return false;
    }
    let computed = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()));
    constant_time::verify_slices_are_equal(computed.as_bytes(), challenge.as_bytes()).is_ok()
}

/// An authorization code as stored: only its keyed hash, with everything it is bound to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthorizationCode {
    pub code_hash: SecretHash,
    pub application_id: ApplicationId,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub person: Person,
    pub scopes: Vec<Scope>,
    /// The session its redemption starts: a second redemption revokes it.
    pub session_id: String,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub valid_until: OffsetDateTime,
    pub used: bool,
}

impl AuthorizationCode {
    /// A new code (shown once) and what is stored of it.
    #[allow(clippy::too_many_arguments)]
    pub fn issue(
        pepper: &Pepper,
        application_id: ApplicationId,
        redirect_uri: &str,
        code_challenge: &str,
        person: Person,
        scopes: Vec<Scope>,
        now: OffsetDateTime,
    ) -> (String, Self) {
        let code = random_token();
        let stored = Self {
            code_hash: SecretHash::keyed(pepper, &code),
            application_id,
            redirect_uri: redirect_uri.to_owned(),
            code_challenge: code_challenge.to_owned(),
            person,
            scopes,
            session_id: uuid::Uuid::now_v7().simple().to_string(),
            valid_until: now + Duration::seconds(CODE_LIFETIME_SECONDS),
            used: false,
        };
        (code, stored)
    }

    /// Why this code does not grant a token to `application_id` presenting
    /// `redirect_uri` and `verifier` now, if it does not (for the log only).
    pub fn refusal(
        &self,
        application_id: ApplicationId,
        redirect_uri: Option<&str>,
        verifier: &str,
        now: OffsetDateTime,
    ) -> Option<&'static str> {
        if self.valid_until <= now {
            Some("the code expired")
        } else if self.application_id != application_id {
            Some("the code was issued to another client")
        } else if redirect_uri != Some(self.redirect_uri.as_str()) {
            Some("redirect_uri differs from the authorization request's")
        } else if !verifier_matches(&self.code_challenge, verifier) {
            Some("code_verifier does not match the code challenge")
        } else {
            None
        }
    }
}

/// How long sessions live, per kind of person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetimes {
    pub customer_idle: Duration,
    pub customer_absolute: Duration,
    pub back_office_idle: Duration,
    pub back_office_absolute: Duration,
}

impl Default for SessionLifetimes {
    fn default() -> Self {
        Self {
            customer_idle: Duration::hours(12),
            customer_absolute: Duration::days(30),
            back_office_idle: Duration::hours(8),
            back_office_absolute: Duration::hours(8),
        }
    }
}

impl SessionLifetimes {
    /// (idle, absolute) for this person.
    pub fn of(&self, person: Person) -> (Duration, Duration) {
        match person {
            Person::BackOffice { .. } => (self.back_office_idle, self.back_office_absolute),
            Person::Customer { .. } => (self.customer_idle, self.customer_absolute),
        }
    }
}

/// A refresh token: `<session id>.<secret>`. Each rotation derives the next one from
/// the one presented (HMAC under the pepper), so that the service can tell an old token
/// of the family (reuse: revoke it) from a forged one, and give a retry the same
/// answer, while storing only the current token's keyed hash.
pub struct RefreshToken(String);

impl std::fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshToken(..)")
    }
}

impl RefreshToken {
    pub fn first(session_id: &str) -> Self {
        Self(format!("{session_id}.{}", random_token()))
    }

    /// The token that follows `presented` in its family.
    pub fn next(pepper: &Pepper, presented: &str) -> Self {
        let session_id = session_id_of(presented).unwrap_or_default();
        let secret = SecretHash::keyed(pepper, &format!("rotate:{presented}"));
        Self(format!("{session_id}.{}", secret.as_str()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self, pepper: &Pepper) -> SecretHash {
        SecretHash::keyed(pepper, &self.0)
    }
}

/// The session a refresh token names, if it is well formed.
pub fn session_id_of(token: &str) -> Option<&str> {
    let (id, secret) = token.split_once('.')?;
    let ok = id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && secret.len() == 43;
    ok.then_some(id)
}

/// One sign-in: its refresh-token family, bound to the client and the person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub id: String,
    pub application_id: ApplicationId,
    pub person: Person,
    pub scopes: Vec<Scope>,
    /// Keyed hash of the current refresh token.
    pub refresh_hash: SecretHash,
    /// Keyed hash of the token the last rotation replaced, and when.
    pub previous_hash: Option<SecretHash>,
    #[serde(default, with = "crate::domain::rfc3339_millis::option")]
    pub rotated_at: Option<OffsetDateTime>,
    /// Rotations so far.
    pub generation: u64,
    pub revoked: bool,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub idle_until: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339_millis")]
    pub absolute_until: OffsetDateTime,
    pub version: u64,
}

/// What a presented refresh token is to its session.
#[derive(Debug, PartialEq)]
pub enum Refresh {
    /// The current token: rotate to this one.
    Rotate(String),
    /// The token just replaced, within the retry window: answer this (current) one again.
    Retry(String),
    /// An older token of the family: it was stolen or replayed; revoke the family.
    Reused,
    /// Not of this family.
    Unknown,
}

impl Session {
    /// The session a redeemed code starts, with its first refresh token.
    pub fn start(
        code: &AuthorizationCode,
        pepper: &Pepper,
        lifetimes: &SessionLifetimes,
        now: OffsetDateTime,
    ) -> (Self, RefreshToken) {
        let token = RefreshToken::first(&code.session_id);
        let (idle, absolute) = lifetimes.of(code.person);
        let absolute_until = now + absolute;
        let session = Self {
            id: code.session_id.clone(),
            application_id: code.application_id,
            person: code.person,
            scopes: code.scopes.clone(),
            refresh_hash: token.hash(pepper),
            previous_hash: None,
            rotated_at: None,
            generation: 0,
            revoked: false,
            created_at: now,
            idle_until: (now + idle).min(absolute_until),
            absolute_until,
            version: 1,
        };
        (session, token)
    }

    pub fn live(&self, now: OffsetDateTime) -> bool {
        !self.revoked && now < self.idle_until && now < self.absolute_until
    }

    /// Classifies a presented refresh token. An older token is recognised by deriving
    /// forward from it (at most `generation` steps, each an HMAC).
    pub fn classify(&self, pepper: &Pepper, presented: &str, now: OffsetDateTime) -> Refresh {
        if self.refresh_hash.matches_keyed(pepper, presented) {
            return Refresh::Rotate(RefreshToken::next(pepper, presented).0);
        }
        let mut candidate = RefreshToken::next(pepper, presented);
        let is_previous = self.refresh_hash.matches_keyed(pepper, candidate.expose());
        let recent = self
            .rotated_at
            .is_some_and(|at| now - at <= Duration::seconds(REFRESH_RETRY_SECONDS));
        if is_previous && recent {
            return Refresh::Retry(candidate.0);
        }
        if is_previous {
            return Refresh::Reused;
        }
        for _ in 1..self.generation.min(100_000) {
            candidate = RefreshToken::next(pepper, candidate.expose());
            if self.refresh_hash.matches_keyed(pepper, candidate.expose()) {
                return Refresh::Reused;
            }
        }
        Refresh::Unknown
    }

    /// Moves the family on to `next`, sliding the idle limit.
    pub fn rotate(&mut self, pepper: &Pepper, next: &str, idle: Duration, now: OffsetDateTime) {
        self.previous_hash = Some(std::mem::replace(
            &mut self.refresh_hash,
            SecretHash::keyed(pepper, next),
        ));
        self.rotated_at = Some(now);
        self.generation += 1;
        self.idle_until = (now + idle).min(self.absolute_until);
        self.version += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pepper() -> Pepper {
        Pepper::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8").unwrap()
    }

    fn code(now: OffsetDateTime, verifier: &str) -> AuthorizationCode {
        let challenge =
            URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()));
        AuthorizationCode::issue(
            &pepper(),
            ApplicationId::generate(),
            "https://shop.example.com/cb",
            &challenge,
            Person::Customer {
                customer_user_id: CustomerUserId::generate(),
            },
            vec![],
            now,
        )
        .1
    }

    #[test]
    fn pkce_s256_matches_the_rfc_example() {
        // RFC 7636, appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(is_s256_challenge(challenge));
        assert!(verifier_matches(challenge, verifier));
        assert!(!verifier_matches(
            challenge,
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK"
        ));
        assert!(!verifier_matches(challenge, "short"));
        assert!(!is_s256_challenge("plain-challenge"));
    }

    #[test]
    fn a_code_is_bound_to_client_redirect_verifier_and_time() {
        let now = crate::domain::now();
        let verifier = "a".repeat(43);
        let c = code(now, &verifier);
        let uri = Some("https://shop.example.com/cb");
        assert_eq!(c.refusal(c.application_id, uri, &verifier, now), None);
        assert!(
            c.refusal(ApplicationId::generate(), uri, &verifier, now)
                .is_some()
        );
        assert!(
            c.refusal(
                c.application_id,
                Some("https://shop.example.com/cb/"),
                &verifier,
                now
            )
            .is_some()
        );
        assert!(c.refusal(c.application_id, None, &verifier, now).is_some());
        assert!(
            c.refusal(c.application_id, uri, &"b".repeat(43), now)
                .is_some()
        );
        let later = now + Duration::seconds(CODE_LIFETIME_SECONDS);
        assert!(c.refusal(c.application_id, uri, &verifier, later).is_some());
        assert_ne!(c.code_hash, SecretHash::of("x"));
    }

    #[test]
    fn rotation_retry_and_reuse() {
        let now = crate::domain::now();
        let pepper = pepper();
        let c = code(now, &"a".repeat(43));
        let (mut session, first) = Session::start(&c, &pepper, &SessionLifetimes::default(), now);
        assert!(!format!("{session:?}").contains(first.expose()));
        let Refresh::Rotate(second) = session.classify(&pepper, first.expose(), now) else {
            panic!("the current token rotates");
        };
        session.rotate(&pepper, &second, Duration::hours(12), now);
        assert_eq!(
            session.classify(&pepper, first.expose(), now + Duration::seconds(2)),
            Refresh::Retry(second.clone()),
            "a retry gets the same token"
        );
        assert_eq!(
            session.classify(
                &pepper,
                first.expose(),
                now + Duration::seconds(REFRESH_RETRY_SECONDS + 1)
            ),
            Refresh::Reused
        );
        let Refresh::Rotate(third) = session.classify(&pepper, &second, now) else {
            panic!("the second token is current");
        };
        session.rotate(&pepper, &third, Duration::hours(12), now);
        assert_eq!(
            session.classify(&pepper, first.expose(), now),
            Refresh::Reused,
            "two generations back"
        );
        let forged = RefreshToken::first(&session.id);
        assert_eq!(
            session.classify(&pepper, forged.expose(), now),
            Refresh::Unknown
        );
        assert_eq!(session_id_of(&third), Some(session.id.as_str()));
    }

    #[test]
    fn sessions_end_idle_absolute_or_revoked() {
        let now = crate::domain::now();
        let c = code(now, &"a".repeat(43));
        let (mut session, _) = Session::start(&c, &pepper(), &SessionLifetimes::default(), now);
        assert!(session.live(now));
        assert!(!session.live(now + Duration::hours(12)));
        session.rotate(
            &pepper(),
            "x",
            Duration::hours(12),
            now + Duration::hours(11),
        );
        assert!(
            session.live(now + Duration::hours(13)),
            "the idle limit slides"
        );
        assert!(!session.live(now + Duration::days(30)));
        session.revoked = true;
        assert!(!session.live(now));
    }
}
