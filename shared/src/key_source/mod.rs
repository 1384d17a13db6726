//! Where key material comes from: the signing-key ports (the private keys that sign
//! access tokens, and where their public halves are published for the functions that
//! verify tokens), the Secrets Manager adapter that reads them, and the client-secret
//! pepper.

mod pepper;
mod secrets_manager;

pub use pepper::PepperCell;
pub use secrets_manager::SecretsManagerKeys;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// One signing key as kept in the secret: `{"kid": ..., "private_key_pem": ...}`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyMaterial {
    pub kid: String,
    pub private_key_pem: String,
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyMaterial")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeySourceError {
    #[error("no signing key is configured")]
    Missing,
    #[error("the signing key secret is not valid: {0}")]
    Malformed(String),
    /// The secret store or the table did not answer, or refused for now.
    #[error("{0}")]
    Unavailable(crate::ports::Outage),
    #[error("the key store failed: {0}")]
    Backend(String),
}

/// The versions of the key secret that hold keys, by their ids. A version never changes
/// once written, so a key read from a version id is that version's key for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyVersions {
    /// The version that signs.
    pub current: String,
    /// Versions whose keys only verify: the one a rotation replaced, and one staged for
    /// the next rotation.
    pub others: Vec<String>,
}

#[async_trait]
pub trait KeySource: Send + Sync {
    /// Which versions hold keys now: one cheap call, however many versions there are.
    async fn versions(&self) -> Result<KeyVersions, KeySourceError>;

    /// The key in `version`; `None` if the version is gone or holds no key.
    async fn read(&self, version: &str) -> Result<Option<KeyMaterial>, KeySourceError>;
}

/// A public key as published for verifiers: its JWK (JSON text), the version of the key
/// secret it comes from, and when it was published (Unix milliseconds), which tells a
/// withdrawal from a race with a newer publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedKey {
    pub kid: String,
    pub jwk: String,
    /// Lets the token function take a verifying key from here instead of reading its
    /// private key again. Keys published before it was recorded have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_version: Option<String>,
    pub published_at: i64,
}

/// The public keys that verify access tokens. Only the token function writes here, and
/// always before it signs with a key; every other function only reads, so none of them
/// needs the private keys.
/// Everything the token function publishes, read at once: its public keys, and since
/// when (Unix milliseconds) it has found no usable signing key, if it has not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Publication {
    pub keys: Vec<PublishedKey>,
    pub keys_missing_since: Option<i64>,
}

#[async_trait]
pub trait PublicKeyStore: Send + Sync {
    /// The keys and the signing state, read consistently: a key published a moment ago
    /// is in.
    async fn publication(&self) -> Result<Publication, KeySourceError>;

    /// Every published key, read consistently.
    async fn published_keys(&self) -> Result<Vec<PublishedKey>, KeySourceError> {
        Ok(self.publication().await?.keys)
    }

    /// Records that the signing-key secret holds no usable key since `since`, or, with
    /// `None`, that it holds one again.
    async fn record_keys_missing(&self, since: Option<i64>) -> Result<(), KeySourceError>;

    /// Publishes `key` if its kid is free, or still holds `replacing` as read.
    /// `false`: another writer got there first; read again to see what it wrote.
    async fn publish_key(
        &self,
        key: &PublishedKey,
        replacing: Option<&PublishedKey>,
    ) -> Result<bool, KeySourceError>;

    /// Withdraws `key` unless it was published again since it was read.
    async fn withdraw_key(&self, key: &PublishedKey) -> Result<(), KeySourceError>;
}
