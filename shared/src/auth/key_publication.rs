//! The two sides of key publication. The token function reads the private keys and
//! publishes their public halves in the table before it signs with them; every other
//! function reads only the public halves, so none of them holds (or may read) a private
//! key, and a rotation reaches them through the same read.

use std::sync::Arc;

use async_trait::async_trait;
use jsonwebtoken::jwk::Jwk;

use super::{
    key_ring::KeyLoader,
    keys::{KeySet, PublicKey, SigningKeys},
};
use crate::keys::{KeySource, KeySourceError, PublicKeyStore, PublishedKey};

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

#[async_trait]
impl KeyLoader<SigningKeys> for KeyPublisher {
    async fn load(&self, held: Option<Arc<SigningKeys>>) -> Result<SigningKeys, String> {
        let read_at = now_millis();
        let (materials, published) =
            tokio::join!(self.source.load(), self.published.published_keys());
        let keys =
            SigningKeys::from_materials(&materials.map_err(|e| e.to_string())?, held.as_deref())
                .map_err(|e| e.to_string())?;
        // The private key is parsed here, once, and one that cannot sign is refused: the
        // keys already held keep signing, and none means 503, not a 500 later.
        keys.signing().prepare().map_err(|e| e.to_string())?;
        let plan = Plan::new(
            keys.public(),
            &published.map_err(|e| e.to_string())?,
            read_at,
        );
        self.publish(plan).await?;
        Ok(keys)
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
    /// Publishes every key not published as it is, and withdraws published keys no
    /// longer in `keys`, unless published after `read_at` (when the keys were read):
    /// those come from a container that read a newer secret than this one.
    fn new(keys: &KeySet, published: &[PublishedKey], read_at: i64) -> Self {
        let now = now_millis().max(read_at);
        let jwks = keys.jwks();
        let publish = jwks
            .keys
            .iter()
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone()?;
                let stored = published.iter().find(|p| p.kid == kid);
                let json = serde_json::to_string(jwk).ok()?;
                if stored.is_some_and(|p| same_jwk(&p.jwk, &json)) {
                    return None;
                }
                let key = PublishedKey {
                    kid,
                    jwk: json,
                    published_at: now,
                };
                Some((key, stored.cloned()))
            })
            .collect();
        let withdraw = published
            .iter()
            .filter(|p| keys.find(&p.kid).is_none() && p.published_at < read_at)
            .cloned()
            .collect();
        Self { publish, withdraw }
    }
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
        let published = self
            .published
            .published_keys()
            .await
            .map_err(|e| e.to_string())?;
        let keys: Vec<_> = published
            .iter()
            .filter_map(|p| {
                let key = serde_json::from_str(&p.jwk)
                    .map_err(|e| e.to_string())
                    .and_then(|jwk| PublicKey::from_jwk(jwk).map_err(|e| e.to_string()));
                match key {
                    Ok(key) => Some(Arc::new(key)),
                    Err(error) => {
                        tracing::warn!(%error, kid = %p.kid, "ignoring an unusable public key");
                        None
                    }
                }
            })
            .collect();
        if keys.is_empty() {
            return Err(KeySourceError::Missing.to_string());
        }
        Ok(KeySet::new(keys))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::{
        auth::{KeyKind, generate_private_key_pem},
        keys::KeyMaterial,
    };

    fn material(kid: &str) -> KeyMaterial {
        KeyMaterial {
            kid: kid.to_owned(),
            private_key_pem: generate_private_key_pem(KeyKind::Es256).unwrap(),
        }
    }

    fn signing(materials: &[KeyMaterial]) -> SigningKeys {
        SigningKeys::from_materials(materials, None).unwrap()
    }

    fn published(keys: &SigningKeys, kid: &str, at: i64) -> PublishedKey {
        PublishedKey {
            kid: kid.to_owned(),
            jwk: serde_json::to_string(keys.public().find(kid).unwrap().jwk()).unwrap(),
            published_at: at,
        }
    }

    #[test]
    fn a_plan_publishes_what_is_new_or_changed_and_withdraws_what_is_gone() {
        let kept = material("kept");
        let old = signing(&[kept.clone(), material("changed")]);
        let new = signing(&[material("fresh"), kept, material("changed")]);
        let stored = vec![
            published(&old, "kept", 100),
            published(&old, "changed", 100),
            PublishedKey {
                kid: "retired".into(),
                ..published(&old, "kept", 100)
            },
            PublishedKey {
                kid: "published-after-this-read".into(),
                ..published(&old, "kept", 300)
            },
        ];
        let plan = Plan::new(new.public(), &stored, 200);
        let publishing: Vec<_> = plan
            .publish
            .iter()
            .map(|(key, replacing)| (key.kid.as_str(), replacing.as_ref().map(|r| r.kid.as_str())))
            .collect();
        assert_eq!(publishing, [("fresh", None), ("changed", Some("changed"))]);
        let withdrawing: Vec<_> = plan.withdraw.iter().map(|k| k.kid.as_str()).collect();
        assert_eq!(withdrawing, ["retired"]);
    }

    /// The ports in memory: these tests are about the order of reads and writes; the
    /// DynamoDB and Secrets Manager adapters have tests of their own against the emulator.
    #[derive(Default)]
    struct Memory {
        secret: Mutex<Option<Vec<KeyMaterial>>>,
        table: Mutex<Vec<PublishedKey>>,
        table_fails: Mutex<bool>,
    }

    #[async_trait]
    impl KeySource for Memory {
        async fn load(&self) -> Result<Vec<KeyMaterial>, KeySourceError> {
            self.secret
                .lock()
                .unwrap()
                .clone()
                .ok_or(KeySourceError::Missing)
        }
    }

    #[async_trait]
    impl PublicKeyStore for Memory {
        async fn published_keys(&self) -> Result<Vec<PublishedKey>, KeySourceError> {
            if *self.table_fails.lock().unwrap() {
                return Err(KeySourceError::Backend("the table is unavailable".into()));
            }
            Ok(self.table.lock().unwrap().clone())
        }

        async fn publish_key(
            &self,
            key: &PublishedKey,
            replacing: Option<&PublishedKey>,
        ) -> Result<bool, KeySourceError> {
            let mut table = self.table.lock().unwrap();
            let stored = table.iter().position(|p| p.kid == key.kid);
            match (stored, replacing) {
                (None, None) => table.push(key.clone()),
                (Some(i), Some(seen)) if table[i] == *seen => table[i] = key.clone(),
                _ => return Ok(false),
            }
            Ok(true)
        }

        async fn withdraw_key(&self, key: &PublishedKey) -> Result<(), KeySourceError> {
            self.table.lock().unwrap().retain(|p| p != key);
            Ok(())
        }
    }

    fn memory(secret: Vec<KeyMaterial>) -> Arc<Memory> {
        let memory = Memory::default();
        *memory.secret.lock().unwrap() = Some(secret);
        Arc::new(memory)
    }

    fn kids(table: &Memory) -> Vec<String> {
        let mut kids: Vec<_> = table
            .table
            .lock()
            .unwrap()
            .iter()
            .map(|p| p.kid.clone())
            .collect();
        kids.sort();
        kids
    }

    #[tokio::test]
    async fn the_signer_publishes_its_keys_and_verifiers_read_them_back() {
        let current = material("current");
        let memory = memory(vec![current.clone(), material("previous")]);
        let publisher = KeyPublisher::new(memory.clone(), memory.clone());
        let keys = publisher.load(None).await.unwrap();
        assert_eq!(kids(&memory), ["current", "previous"]);

        let verifying = PublishedKeyReader::new(memory.clone())
            .load(None)
            .await
            .unwrap();
        for kid in ["current", "previous"] {
            assert_eq!(
                verifying.find(kid).unwrap().jwk(),
                keys.public().find(kid).unwrap().jwk()
            );
        }

        // A rotation drops the previous key: the next load withdraws it (a load only
        // withdraws keys published before the millisecond its own read began).
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        *memory.secret.lock().unwrap() = Some(vec![material("next"), current]);
        publisher.load(Some(Arc::new(keys))).await.unwrap();
        assert_eq!(kids(&memory), ["current", "next"]);
    }

    #[tokio::test]
    async fn keys_that_cannot_be_published_do_not_sign() {
        let memory = memory(vec![material("current")]);
        *memory.table_fails.lock().unwrap() = true;
        let refused = KeyPublisher::new(memory.clone(), memory.clone())
            .load(None)
            .await;
        assert!(refused.is_err(), "verifiers could not check what it signs");
    }

    #[tokio::test]
    async fn a_key_published_under_the_same_kid_by_another_signer_is_not_overwritten() {
        let memory = memory(vec![material("k")]);
        let theirs = signing(&[material("k")]);
        memory
            .table
            .lock()
            .unwrap()
            .push(published(&theirs, "k", 1));
        let publisher = KeyPublisher::new(memory.clone(), memory.clone());
        // This signer read the table before the other key was there.
        let mine = signing(&memory.secret.lock().unwrap().clone().unwrap());
        let plan = Plan {
            publish: vec![(published(&mine, "k", 2), None)],
            withdraw: vec![],
        };
        assert!(publisher.publish(plan).await.is_err());
        assert_eq!(memory.table.lock().unwrap()[0].published_at, 1);
    }

    #[tokio::test]
    async fn the_signer_refuses_a_key_it_cannot_sign_with() {
        let memory = memory(vec![broken_rsa("broken")]);
        let refused = KeyPublisher::new(memory.clone(), memory.clone())
            .load(None)
            .await;
        assert!(refused.is_err(), "no usable key: the endpoint says 503");
        assert!(kids(&memory).is_empty(), "and nothing is published");
    }

    #[tokio::test]
    async fn verifiers_skip_an_unusable_published_key_and_need_one_usable() {
        let memory = memory(vec![]);
        let reader = PublishedKeyReader::new(memory.clone());
        assert!(reader.load(None).await.is_err(), "nothing published yet");

        let good = signing(&[material("good")]);
        memory.table.lock().unwrap().extend([
            published(&good, "good", 1),
            PublishedKey {
                kid: "bad".into(),
                jwk: r#"{"kty":"oct","kid":"bad","k":"c2VjcmV0"}"#.into(),
                published_at: 1,
            },
        ]);
        let keys = reader.load(None).await.unwrap();
        assert!(keys.find("good").is_some());
        assert!(keys.find("bad").is_none());
    }

    /// An RSA key whose public half reads but whose private half is inconsistent.
    fn broken_rsa(kid: &str) -> KeyMaterial {
        use simple_asn1::{ASN1Block, from_der, to_der};
        let good = generate_private_key_pem(KeyKind::Rs256).unwrap();
        let der = pem::parse(good.as_bytes()).unwrap().into_contents();
        let outer = from_der(&der).unwrap();
        let ASN1Block::Sequence(_, fields) = &outer[0] else {
            panic!("PKCS#8 is a sequence")
        };
        let ASN1Block::OctetString(_, pkcs1) = &fields[2] else {
            panic!("the PKCS#1 key")
        };
        let mut inner = from_der(pkcs1).unwrap();
        let ASN1Block::Sequence(_, parts) = &mut inner[0] else {
            panic!("PKCS#1 is a sequence")
        };
        // The private exponent, off by two.
        let ASN1Block::Integer(offset, d) = &parts[3] else {
            panic!("d")
        };
        parts[3] = ASN1Block::Integer(*offset, d + 2);
        KeyMaterial {
            kid: kid.to_owned(),
            private_key_pem: pem::encode(&pem::Pem::new(
                "RSA PRIVATE KEY",
                to_der(&inner[0]).unwrap(),
            )),
        }
    }
}
