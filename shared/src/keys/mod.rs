//! The signing-key port: where the private keys that sign access tokens come from.

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
    #[error("the key store failed: {0}")]
    Backend(String),
}

#[async_trait]
pub trait KeySource: Send + Sync {
    /// The current key first, then older keys still accepted for verification.
    async fn load(&self) -> Result<Vec<KeyMaterial>, KeySourceError>;

    /// The current key alone: what verifies nearly every token, for one read instead
    /// of several.
    async fn load_current(&self) -> Result<Vec<KeyMaterial>, KeySourceError> {
        self.load().await
    }
}
