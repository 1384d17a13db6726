//! What callers authenticate with and what they are granted, as values: OAuth scopes,
//! token audiences, client secrets and one-time tokens with their keyed hashes. A
//! leaf of the crate: the domain records them, `auth` checks and signs with them.

mod audience;
mod redirect_uri;
mod scope;
mod secret;

pub use audience::Audience;
pub use redirect_uri::{ClientType, MAX_REDIRECT_URIS, RedirectUri};
pub use scope::Scope;
pub use secret::{ClientSecret, Pepper, SecretHash};
