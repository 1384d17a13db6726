//! The token spine: signing keys, their rotation and publication, and access tokens.
//! The request guards that check tokens are at the HTTP edge (`crate::http`).

mod key_publication;
mod key_ring;
mod key_set;
pub mod lockout;
mod token;

pub use crate::credentials::{Audience, ClientSecret, Pepper, Scope, SecretHash};
pub use key_publication::{KeyPublisher, PublishedKeyReader};
pub use key_ring::{KEYS_NOT_CONFIGURED, KeyLoader, KeyRing, SigningRing, VerifyingRing};
pub use key_set::{
    KeyError, KeyKind, KeySet, PublicKey, SigningKey, SigningKeys, generate_private_key_pem,
};
pub use token::{
    AccessClaims, IssuedToken, TOKEN_LIFETIME_SECONDS, TokenError, issue, issue_for_person, verify,
};
