//! The two sides of key publication. The token function reads the private keys and
//! publishes their public halves in the table before it signs with them; every other
//! function reads only the public halves, so none of them holds (or may read) a private
//! key, and a rotation reaches them through the same read.

use std::sync::Arc;

use async_trait::async_trait;
use jsonwebtoken::jwk::Jwk;

use super::{
    key_ring::KeyLoader,
    key_set::{KeySet, PublicKey, SigningKey, SigningKeys},
};
use crate::key_source::{KeySource, KeySourceError, KeyVersions, PublicKeyStore, PublishedKey};

fn now_millis() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Loads the token function's keys and publishes them.
pub struct KeyPublisher {
    source: Arc<dyn KeySource>,
    published: Arc<dyn PublicKeyStore>,
}

impl KeyPublisher {
    pub fn new(source: Arc<dyn KeySource>, published: Arc<dyn PublicKeyStore>) -> Self {
        Self { source, published }
    }

    async fn publish(&self, plan: Plan) -> Result<(), String> {
        for (key, replacing) in &plan.publish {
            let written = self
                .published
                .publish_key(key, replacing.as_ref())
                .await
                .map_err(|e| e.to_string())?;
            if !written {
                // Another container published at the same moment: fine if it is this key.
                let now = self
                    .published
                    .published_keys()
                    .await
                    .map_err(|e| e.to_string())?;
                let theirs = now.iter().find(|p| p.kid == key.kid);
                if !theirs.is_some_and(|p| same_jwk(&p.jwk, &key.jwk)) {
                    return Err(format!(
                        "the public key {} changed while it was being published",
                        key.kid
                    ));
                }
            }
        }
        for key in &plan.withdraw {
            // A key left published is only trusted a little longer: the next load retries.
            if let Err(error) = self.published.withdraw_key(key).await {
                tracing::warn!(%error, kid = %key.kid, "could not withdraw a public key");
            }
        }
        Ok(())
    }
}

/// Why the signing keys could not be loaded.
enum LoadError {
    /// The secret holds no usable key: a deployment nobody finished, or a key deleted.
    NotConfigured(String),
    /// Reading failed; the key may well be there.
    Transient(String),
}

impl From<KeySourceError> for LoadError {
    fn from(error: KeySourceError) -> Self {
        match error {
            KeySourceError::Missing | KeySourceError::Malformed(_) => {
                LoadError::NotConfigured(error.to_string())
            }
            KeySourceError::Backend(_) | KeySourceError::Unavailable(_) => {
                LoadError::Transient(error.to_string())
            }
        }
    }
}

#[async_trait]
impl KeyLoader<SigningKeys> for KeyPublisher {
    /// Also records beside the keys whether the secret holds a usable key, so that the
    /// functions managing applications can say whether tokens can be issued. It is
    /// written only when it changes, and never for a read that merely failed.
    async fn load(&self, held: Option<Arc<SigningKeys>>) -> Result<SigningKeys, String> {
        let read_at = now_millis();
        let (versions, publication) =
            tokio::join!(self.source.versions(), self.published.publication());
        let publication = publication.map_err(|e| e.to_string())?;
        let keys = match versions {
            Ok(versions) => {
                self.keys(&versions, &publication.keys, held.as_deref())
                    .await
            }
            Err(error) => Err(error.into()),
        };
        let recorded = publication.keys_missing_since;
        let (record, result) = match keys {
            Ok(keys) => {
                self.publish(Plan::new(&keys, &publication.keys, read_at))
                    .await?;
                (recorded.is_some().then_some(None), Ok(keys))
            }
            Err(LoadError::NotConfigured(why)) => {
                (recorded.is_none().then_some(Some(read_at)), Err(why))
            }
            Err(LoadError::Transient(why)) => (None, Err(why)),
        };
        if let Some(since) = record
            && let Err(error) = self.published.record_keys_missing(since).await
        {
            // Only what administrators are told lags: the next load writes it again.
            tracing::warn!(%error, "could not record the signing state");
        }
        result
    }
}

impl KeyPublisher {
    /// The keys of `versions`, reading from the secret only what is not known yet: a
    /// version's key never changes, so one held or published with its version is taken
    /// as it is. A warm container whose versions did not change reads no key at all, and a
    /// new one reads only the signing key.
    async fn keys(
        &self,
        versions: &KeyVersions,
        published: &[PublishedKey],
        held: Option<&SigningKeys>,
    ) -> Result<SigningKeys, LoadError> {
        let unusable = |e: super::key_set::KeyError| LoadError::NotConfigured(e.to_string());
        let signing = match held.filter(|keys| keys.signing_version() == versions.current) {
            Some(keys) => keys.signing_key(),
            None => {
                let material = self
                    .source
                    .read(&versions.current)
                    .await?
                    .ok_or(KeySourceError::Missing)?;
                let key = SigningKey::from_material(&material).map_err(unusable)?;
                // The private key is parsed here, once, and one that cannot sign is
                // refused: the keys already held keep signing, and none means 503, not a
                // 500 later.
                key.prepare().map_err(unusable)?;
                Arc::new(key)
            }
        };
        let mut others = Vec::new();
        for version in &versions.others {
            let known = held.and_then(|keys| keys.of_version(version)).or_else(|| {
                published
                    .iter()
                    .find(|p| p.secret_version.as_deref() == Some(version.as_str()))
                    .and_then(|p| public_key(p).ok())
                    .map(Arc::new)
            });
            if let Some(key) = known {
                others.push((version.clone(), key));
                continue;
            }
            // A broken older or pending version must not stop signing with the current one.
            match self.read_public(version).await {
                Ok(Some(key)) => others.push((version.clone(), key)),
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, %version, "ignoring a signing key version"),
            }
        }
        Ok(SigningKeys::new(versions.current.clone(), signing, others))
    }

    /// The public half of the key in `version`, read from the secret.
    async fn read_public(&self, version: &str) -> Result<Option<Arc<PublicKey>>, String> {
        let Some(material) = self.source.read(version).await.map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        let key = SigningKey::from_material(&material).map_err(|e| e.to_string())?;
        Ok(Some(key.into_public()))
    }
}

/// What publishing a set of keys writes.
#[derive(Debug, PartialEq, Eq)]
struct Plan {
    /// Keys to publish, each with what is published under its kid now.
    publish: Vec<(PublishedKey, Option<PublishedKey>)>,
    withdraw: Vec<PublishedKey>,
}

impl Plan {
    /// Publishes every key not published as it is (with its version), and withdraws
    /// published keys no longer in `keys`, unless published after `read_at` (when the
    /// keys were read): those come from a container that read a newer secret than this one.
    fn new(keys: &SigningKeys, published: &[PublishedKey], read_at: i64) -> Self {
        let now = now_millis().max(read_at);
        let publish = keys
            .versioned()
            .filter_map(|(version, key)| {
                let stored = published.iter().find(|p| p.kid == key.kid);
                let json = serde_json::to_string(key.jwk()).ok()?;
                if stored.is_some_and(|p| {
                    same_jwk(&p.jwk, &json) && p.secret_version.as_deref() == Some(version)
                }) {
                    return None;
                }
                let key = PublishedKey {
                    kid: key.kid.clone(),
                    jwk: json,
                    secret_version: Some(version.to_owned()),
                    published_at: now,
                };
                Some((key, stored.cloned()))
            })
            .collect();
        let withdraw = published
            .iter()
            .filter(|p| keys.public().find(&p.kid).is_none() && p.published_at < read_at)
            .cloned()
            .collect();
        Self { publish, withdraw }
    }
}

/// The key a published JWK describes.
fn public_key(published: &PublishedKey) -> Result<PublicKey, String> {
    let jwk = serde_json::from_str(&published.jwk).map_err(|e| e.to_string())?;
    PublicKey::from_jwk(jwk).map_err(|e| e.to_string())
}

fn same_jwk(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<Jwk>(a),
        serde_json::from_str::<Jwk>(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Loads the published public keys: what verifies tokens everywhere but in the token
/// function.
pub struct PublishedKeyReader {
    published: Arc<dyn PublicKeyStore>,
}

impl PublishedKeyReader {
    pub fn new(published: Arc<dyn PublicKeyStore>) -> Self {
        Self { published }
    }
}

#[async_trait]
impl KeyLoader<KeySet> for PublishedKeyReader {
    async fn load(&self, _held: Option<Arc<KeySet>>) -> Result<KeySet, String> {
        let publication = self
            .published
            .publication()
            .await
            .map_err(|e| e.to_string())?;
        let keys: Vec<_> = publication
            .keys
            .iter()
            .filter_map(|p| match public_key(p) {
                Ok(key) => Some(Arc::new(key)),
                Err(error) => {
                    tracing::warn!(%error, kid = %p.kid, "ignoring an unusable public key");
                    None
                }
            })
            .collect();
        if keys.is_empty() {
            return Err(KeySourceError::Missing.to_string());
        }
        Ok(KeySet::new(keys).with_keys_missing_since(publication.keys_missing_since))
    }
}

#[cfg(test)]
mod tests;
