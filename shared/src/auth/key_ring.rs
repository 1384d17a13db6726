use std::{
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use crate::keys::{KeySource, KeySourceError};

use super::keys::KeySet;

/// The exact words the token endpoint answers while no signing key is configured.
pub const KEYS_NOT_CONFIGURED: &str = "OAuth authorization is not available as encryption keys configuration was not complete. Please contact your administrator.";

/// The signing keys of this container: loaded once at start-up, refreshed after
/// `refresh_after` so rotations reach warm containers, and retried at most every
/// `retry_after` while the source fails.
pub struct KeyRing {
    source: Arc<dyn KeySource>,
    use_: KeyUse,
    refresh_after: Duration,
    retry_after: Duration,
    state: RwLock<State>,
}

/// What a container does with its keys, which decides what it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUse {
    /// Signs and publishes: every key, always.
    Sign,
    /// Verifies: the current key, and the older ones only once a token names a key
    /// not held (in the hour after a rotation), which saves reads in every cold start.
    Verify,
}

#[derive(Default)]
struct State {
    keys: Option<Arc<KeySet>>,
    /// Whether the keys held include the older ones, not just the current one.
    complete: bool,
    loaded_at: Option<Instant>,
    attempted_at: Option<Instant>,
}

impl KeyRing {
    pub async fn load(source: Arc<dyn KeySource>, use_: KeyUse, refresh_after: Duration) -> Self {
        Self::with_retry(source, use_, refresh_after, Duration::from_secs(10)).await
    }

    pub async fn with_retry(
        source: Arc<dyn KeySource>,
        use_: KeyUse,
        refresh_after: Duration,
        retry_after: Duration,
    ) -> Self {
        let ring = Self {
            source,
            use_,
            refresh_after,
            retry_after,
            state: RwLock::new(State::default()),
        };
        if let Err(error) = ring.reload(use_ == KeyUse::Sign).await {
            tracing::warn!(%error, "no signing keys at start-up");
        }
        ring
    }

    /// The current key set, or why there is none.
    pub async fn get(&self) -> Result<Arc<KeySet>, String> {
        let (keys, fresh, may_retry) = {
            let state = self.state.read().expect("key ring lock");
            let fresh = state
                .loaded_at
                .is_some_and(|at| at.elapsed() < self.refresh_after);
            let may_retry = state
                .attempted_at
                .is_none_or(|at| at.elapsed() >= self.retry_after);
            (state.keys.clone(), fresh, may_retry)
        };
        match keys {
            Some(keys) if fresh || !may_retry => Ok(keys),
            None if !may_retry => Err("no signing key is configured".to_owned()),
            cached => match self.reload(self.use_ == KeyUse::Sign).await {
                Ok(keys) => Ok(keys),
                // A failed refresh keeps serving the keys already held.
                Err(error) => cached.ok_or(error),
            },
        }
    }

    /// Reads every key again unless a read was tried within `retry_after`: for a
    /// token whose `kid` is unknown here, which may come from a key rotated in since
    /// the last refresh, or from an older key not read yet.
    pub async fn refresh_soon(&self) -> Result<Arc<KeySet>, String> {
        let may_retry = {
            let state = self.state.read().expect("key ring lock");
            !state.complete
                || state
                    .attempted_at
                    .is_none_or(|at| at.elapsed() >= self.retry_after)
        };
        if may_retry {
            self.reload(true).await
        } else {
            self.get().await
        }
    }

    async fn reload(&self, complete: bool) -> Result<Arc<KeySet>, String> {
        self.state.write().expect("key ring lock").attempted_at = Some(Instant::now());
        let loaded = if complete {
            self.source.load().await
        } else {
            self.source.load_current().await
        };
        let materials = loaded.map_err(|e| match e {
            KeySourceError::Missing => "no signing key is configured".to_owned(),
            other => other.to_string(),
        })?;
        let held = self.state.read().expect("key ring lock").keys.clone();
        let keys = Arc::new(
            KeySet::from_materials(&materials, held.as_deref()).map_err(|e| e.to_string())?,
        );
        // A signer parses its private key here, once, and refuses one it cannot sign
        // with: the keys already held keep signing, and none means 503, not a 500 later.
        if self.use_ == KeyUse::Sign {
            keys.signing().prepare().map_err(|e| e.to_string())?;
        }
        let mut state = self.state.write().expect("key ring lock");
        state.keys = Some(keys.clone());
        state.complete = complete;
        state.loaded_at = Some(Instant::now());
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    };

    use async_trait::async_trait;

    use super::*;
    use crate::{
        auth::{KeyKind, generate_private_key_pem},
        keys::KeyMaterial,
    };

    /// A key source whose answer the test sets, counting the reads.
    struct Scripted {
        answer: Mutex<Option<Vec<KeyMaterial>>>,
        reads: AtomicUsize,
        current_reads: AtomicUsize,
    }

    impl Scripted {
        fn new(answer: Option<Vec<KeyMaterial>>) -> Arc<Self> {
            Arc::new(Self {
                answer: Mutex::new(answer),
                reads: AtomicUsize::new(0),
                current_reads: AtomicUsize::new(0),
            })
        }

        fn set(&self, answer: Option<Vec<KeyMaterial>>) {
            *self.answer.lock().unwrap() = answer;
        }

        fn reads(&self) -> usize {
            self.reads.load(Ordering::SeqCst)
        }
    }

    #[async_trait]
    impl KeySource for Scripted {
        async fn load(&self) -> Result<Vec<KeyMaterial>, KeySourceError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.answer
                .lock()
                .unwrap()
                .clone()
                .ok_or(KeySourceError::Missing)
        }

        async fn load_current(&self) -> Result<Vec<KeyMaterial>, KeySourceError> {
            self.current_reads.fetch_add(1, Ordering::SeqCst);
            let answer = self.answer.lock().unwrap().clone();
            answer
                .and_then(|keys| keys.into_iter().next())
                .map(|key| vec![key])
                .ok_or(KeySourceError::Missing)
        }
    }

    fn key(kid: &str) -> KeyMaterial {
        KeyMaterial {
            kid: kid.to_owned(),
            private_key_pem: generate_private_key_pem(KeyKind::Es256).unwrap(),
        }
    }

    const LONG: Duration = Duration::from_secs(3600);

    #[tokio::test]
    async fn keys_are_read_once_while_fresh() {
        let source = Scripted::new(Some(vec![key("a")]));
        let ring = KeyRing::with_retry(source.clone(), KeyUse::Sign, LONG, LONG).await;
        for _ in 0..5 {
            assert_eq!(ring.get().await.unwrap().signing().kid, "a");
        }
        assert_eq!(source.reads(), 1);
    }

    #[tokio::test]
    async fn a_missing_key_is_retried_at_most_once_per_interval() {
        let source = Scripted::new(None);
        let ring = KeyRing::with_retry(source.clone(), KeyUse::Sign, LONG, LONG).await;
        assert!(ring.get().await.is_err());
        assert!(ring.get().await.is_err());
        assert_eq!(
            source.reads(),
            1,
            "no read per request while the key is missing"
        );

        let eager = KeyRing::with_retry(source.clone(), KeyUse::Sign, LONG, Duration::ZERO).await;
        source.set(Some(vec![key("late")]));
        assert_eq!(eager.get().await.unwrap().signing().kid, "late");
    }

    #[tokio::test]
    async fn a_failed_refresh_keeps_serving_the_keys_held() {
        let source = Scripted::new(Some(vec![key("a")]));
        let ring =
            KeyRing::with_retry(source.clone(), KeyUse::Sign, Duration::ZERO, Duration::ZERO).await;
        source.set(None);
        assert_eq!(ring.get().await.unwrap().signing().kid, "a");
    }

    #[tokio::test]
    async fn an_unknown_kid_brings_a_rotated_key_in_early() {
        let source = Scripted::new(Some(vec![key("old")]));
        let ring = KeyRing::with_retry(source.clone(), KeyUse::Sign, LONG, Duration::ZERO).await;
        source.set(Some(vec![key("new"), key("old")]));
        assert_eq!(
            ring.get().await.unwrap().signing().kid,
            "old",
            "still fresh"
        );
        let refreshed = ring.refresh_soon().await.unwrap();
        assert!(refreshed.find("new").is_some());
    }

    #[tokio::test]
    async fn a_verifier_reads_older_keys_only_for_a_token_that_names_one() {
        let source = Scripted::new(Some(vec![key("new"), key("old")]));
        let ring = KeyRing::with_retry(source.clone(), KeyUse::Verify, LONG, LONG).await;
        let held = ring.get().await.unwrap();
        assert!(held.find("new").is_some());
        assert!(
            held.find("old").is_none(),
            "only the current key at start-up"
        );
        assert_eq!(
            (source.current_reads.load(Ordering::SeqCst), source.reads()),
            (1, 0)
        );

        // Right after start-up, and despite the retry interval: the older keys were
        // never read, so reading them is no retry.
        let refreshed = ring.refresh_soon().await.unwrap();
        assert!(refreshed.find("old").is_some());
        assert_eq!(source.reads(), 1);

        // Now every key is held: an unknown kid no longer reads within the interval.
        ring.refresh_soon().await.unwrap();
        assert_eq!(source.reads(), 1);
    }

    #[tokio::test]
    async fn a_signer_reads_every_key_at_start_up() {
        let source = Scripted::new(Some(vec![key("new"), key("old")]));
        let ring = KeyRing::with_retry(source.clone(), KeyUse::Sign, LONG, LONG).await;
        assert!(ring.get().await.unwrap().find("old").is_some());
        assert_eq!(source.current_reads.load(Ordering::SeqCst), 0);
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

    #[tokio::test]
    async fn a_signer_refuses_a_key_it_cannot_sign_with_and_keeps_the_one_it_holds() {
        let source = Scripted::new(Some(vec![broken_rsa("broken")]));
        let ring = KeyRing::with_retry(source.clone(), KeyUse::Sign, LONG, LONG).await;
        assert!(
            ring.get().await.is_err(),
            "no usable key: the endpoint says 503"
        );

        let source = Scripted::new(Some(vec![key("good")]));
        let ring =
            KeyRing::with_retry(source.clone(), KeyUse::Sign, Duration::ZERO, Duration::ZERO).await;
        source.set(Some(vec![broken_rsa("broken")]));
        assert_eq!(ring.get().await.unwrap().signing().kid, "good");

        // A verifier needs only the public half, which reads.
        let source = Scripted::new(Some(vec![broken_rsa("broken")]));
        let ring = KeyRing::with_retry(source, KeyUse::Verify, LONG, LONG).await;
        assert!(ring.get().await.unwrap().find("broken").is_some());
    }
}
