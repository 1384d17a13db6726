use jsonwebtoken::{Header, Validation, decode, decode_header};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Audience, KeySet, Scope, SigningKeys};
use crate::{application::Application, session::Session};

/// Access tokens live one hour.
pub const TOKEN_LIFETIME_SECONDS: i64 = 3600;

/// RFC 9068 access-token claims.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub client_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
    /// The sign-in session of a person's token (absent on client-credentials tokens):
    /// the token stops with its session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

impl AccessClaims {
    pub fn scopes(&self) -> Vec<Scope> {
        self.scope
            .split(' ')
            .filter_map(|s| s.parse().ok())
            .collect()
    }
}

pub struct IssuedToken {
    pub access_token: String,
    pub claims: AccessClaims,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token is not an access token (typ must be at+jwt)")]
    WrongType,
    #[error("the token was signed with an unknown key")]
    UnknownKey,
    #[error("the token is not valid: {0}")]
    Invalid(String),
    #[error("signing failed: {0}")]
    Signing(String),
}

pub fn issue(
    keys: &SigningKeys,
    issuer: &str,
    application: &Application,
    scopes: &[Scope],
    now: OffsetDateTime,
) -> Result<IssuedToken, TokenError> {
    let iat = now.unix_timestamp();
    let claims = AccessClaims {
        iss: issuer.to_owned(),
        sub: application.owner.subject(),
        aud: application.owner.audience().as_str().to_owned(),
        client_id: application.client_id(),
        scope: Scope::join(scopes),
        iat,
        nbf: iat,
        exp: iat + TOKEN_LIFETIME_SECONDS,
        jti: Uuid::now_v7().to_string(),
        sid: None,
    };
    sign(keys, claims)
}

/// An access token that acts for the person of a sign-in session, through its client.
pub fn issue_for_person(
    keys: &SigningKeys,
    issuer: &str,
    session: &Session,
    now: OffsetDateTime,
) -> Result<IssuedToken, TokenError> {
    let iat = now.unix_timestamp();
    let claims = AccessClaims {
        iss: issuer.to_owned(),
        sub: session.person.subject(),
        aud: session.person.audience().as_str().to_owned(),
        client_id: crate::application::client_id_of(session.application_id),
        scope: Scope::join(&session.scopes),
        iat,
        nbf: iat,
        exp: iat + TOKEN_LIFETIME_SECONDS,
        jti: Uuid::now_v7().to_string(),
        sid: Some(session.id.clone()),
    };
    sign(keys, claims)
}

fn sign(keys: &SigningKeys, claims: AccessClaims) -> Result<IssuedToken, TokenError> {
    let key = keys.signing();
    let mut header = Header::new(key.public().algorithm);
    header.typ = Some("at+jwt".to_owned());
    header.kid = Some(key.public().kid.clone());
    let access_token = key
        .sign(&header, &claims)
        .map_err(|e| TokenError::Signing(e.to_string()))?;
    Ok(IssuedToken {
        access_token,
        claims,
    })
}

/// Verifies signature, type, issuer, audience and lifetime. Whether the application
/// still stands is the caller's second check.
pub fn verify(
    keys: &KeySet,
    issuer: &str,
    audience: Audience,
    token: &str,
) -> Result<AccessClaims, TokenError> {
    let header = decode_header(token).map_err(|_| TokenError::Malformed)?;
    let typ_ok = header.typ.as_deref().is_some_and(|t| {
        t.eq_ignore_ascii_case("at+jwt") || t.eq_ignore_ascii_case("application/at+jwt")
    });
    if !typ_ok {
        return Err(TokenError::WrongType);
    }
    let key = header
        .kid
        .as_deref()
        .and_then(|kid| keys.find(kid))
        .ok_or(TokenError::UnknownKey)?;
    let mut validation = Validation::new(key.algorithm);
    validation.set_audience(&[audience.as_str()]);
    validation.set_issuer(&[issuer]);
    validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
    validation.validate_nbf = true;
    validation.leeway = 30;
    decode::<AccessClaims>(token, key.decoding_key(), &validation)
        .map(|data| data.claims)
        .map_err(|e| TokenError::Invalid(e.to_string()))
}
