//! The auth spine: scopes, signing keys, access tokens, client secrets, and the admin
//! request guard.

mod admin;
mod client_secret;
mod key_publication;
mod key_ring;
mod key_set;
pub mod lockout;
mod scope;
mod token;

pub use admin::{Admin, AdminPrincipal, Storefront, StorefrontPrincipal, Verifier, scopes};
pub use client_secret::{ClientSecret, Pepper, SecretHash};
pub use key_publication::{KeyPublisher, PublishedKeyReader};
pub use key_ring::{KEYS_NOT_CONFIGURED, KeyLoader, KeyRing, SigningRing, VerifyingRing};
pub use key_set::{
    KeyError, KeyKind, KeySet, PublicKey, SigningKey, SigningKeys, generate_private_key_pem,
};
pub use scope::Scope;
pub use token::{
    AccessClaims, Audience, IssuedToken, TOKEN_LIFETIME_SECONDS, TokenError, issue, verify,
};
