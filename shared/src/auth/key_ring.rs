use std::{
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use async_trait::async_trait;

use super::key_set::{KeySet, SigningKeys};
use crate::key_source::KeySourceError;

/// The exact words the token endpoint answers while no signing key is configured.
pub const KEYS_NOT_CONFIGURED: &str = "OAuth authorization is not available as encryption keys configuration was not complete. Please contact your administrator.";

/// Reads a container's keys; the ring decides when.
#[async_trait]
pub trait KeyLoader<K>: Send + Sync {
    /// `held`: the keys the ring holds now, to take over what did not change.
    async fn load(&self, held: Option<Arc<K>>) -> Result<K, String>;
}

/// The keys of this container: loaded once at start-up, refreshed after
/// `refresh_after` so rotations reach warm containers, and retried at most every
/// `retry_after` while the loader fails.
pub struct KeyRing<K> {
    loader: Box<dyn KeyLoader<K>>,
    refresh_after: Duration,
    retry_after: Duration,
    state: RwLock<State<K>>,
}

/// The token function's ring: private keys, published before they sign.
pub type SigningRing = KeyRing<SigningKeys>;

/// Every other function's ring: the published public keys.
pub type VerifyingRing = KeyRing<KeySet>;

struct State<K> {
    keys: Option<Arc<K>>,
    loaded_at: Option<Instant>,
    attempted_at: Option<Instant>,
    /// The last read for a token naming an unknown key.
    unknown_key_read_at: Option<Instant>,
}

impl<K: Send + Sync + 'static> KeyRing<K> {
    pub async fn load(loader: impl KeyLoader<K> + 'static, refresh_after: Duration) -> Self {
        Self::with_retry(loader, refresh_after, Duration::from_secs(10)).await
    }

    pub async fn with_retry(
        loader: impl KeyLoader<K> + 'static,
        refresh_after: Duration,
        retry_after: Duration,
    ) -> Self {
        let ring = Self {
            loader: Box::new(loader),
            refresh_after,
            retry_after,
            state: RwLock::new(State {
                keys: None,
                loaded_at: None,
                attempted_at: None,
                unknown_key_read_at: None,
            }),
        };
        if let Err(error) = ring.reload().await {
            tracing::warn!(%error, "no signing keys at start-up");
        }
        ring
    }

    /// The current keys, or why there are none.
    pub async fn get(&self) -> Result<Arc<K>, String> {
        let (keys, fresh, may_retry) = {
            let state = self.state.read().expect("key ring lock");
            let fresh = state
                .loaded_at
                .is_some_and(|at| at.elapsed() < self.refresh_after);
            let may_retry = self.elapsed(state.attempted_at);
            (state.keys.clone(), fresh, may_retry)
        };
        match keys {
            Some(keys) if fresh || !may_retry => Ok(keys),
            None if !may_retry => Err(KeySourceError::Missing.to_string()),
            cached => match self.reload().await {
                Ok(keys) => Ok(keys),
                // A failed refresh keeps serving the keys already held.
                Err(error) => cached.ok_or(error),
            },
        }
    }

    /// For a token whose `kid` is unknown here, which may come from a key rotated in
    /// since the last read: reads the keys again, at most once per `retry_after` so
    /// made-up kids cannot cost a read each. The start-up read does not count: a
    /// rotation in a container's first seconds is picked up at once.
    pub async fn refresh_soon(&self) -> Result<Arc<K>, String> {
        let may_read = {
            let mut state = self.state.write().expect("key ring lock");
            let may_read = self.elapsed(state.unknown_key_read_at);
            if may_read {
                state.unknown_key_read_at = Some(Instant::now());
            }
            may_read
        };
        if may_read {
            self.reload().await
        } else {
            self.get().await
        }
    }

    fn elapsed(&self, since: Option<Instant>) -> bool {
        since.is_none_or(|at| at.elapsed() >= self.retry_after)
    }

    async fn reload(&self) -> Result<Arc<K>, String> {
        let held = {
            let mut state = self.state.write().expect("key ring lock");
            state.attempted_at = Some(Instant::now());
            state.keys.clone()
        };
        let keys = Arc::new(self.loader.load(held).await?);
        let mut state = self.state.write().expect("key ring lock");
        state.keys = Some(keys.clone());
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

    use super::*;

    /// A loader whose answer the test sets, counting the reads.
    #[derive(Default)]
    struct Scripted {
        answer: Mutex<Option<&'static str>>,
        reads: AtomicUsize,
    }

    impl Scripted {
        fn new(answer: Option<&'static str>) -> Arc<Self> {
            Arc::new(Self {
                answer: Mutex::new(answer),
                ..Self::default()
            })
        }

        fn set(&self, answer: Option<&'static str>) {
            *self.answer.lock().unwrap() = answer;
        }

        fn reads(&self) -> usize {
            self.reads.load(Ordering::SeqCst)
        }
    }

    #[async_trait]
    impl KeyLoader<String> for Arc<Scripted> {
        async fn load(&self, _held: Option<Arc<String>>) -> Result<String, String> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            let answer = *self.answer.lock().unwrap();
            answer
                .map(str::to_owned)
                .ok_or_else(|| KeySourceError::Missing.to_string())
        }
    }

    const LONG: Duration = Duration::from_secs(3600);

    #[tokio::test]
    async fn keys_are_read_once_while_fresh() {
        let loader = Scripted::new(Some("a"));
        let ring = KeyRing::with_retry(loader.clone(), LONG, LONG).await;
        for _ in 0..5 {
            assert_eq!(*ring.get().await.unwrap(), "a");
        }
        assert_eq!(loader.reads(), 1);
    }

    #[tokio::test]
    async fn a_missing_key_is_retried_at_most_once_per_interval() {
        let loader = Scripted::new(None);
        let ring = KeyRing::with_retry(loader.clone(), LONG, LONG).await;
        assert!(ring.get().await.is_err());
        assert!(ring.get().await.is_err());
        assert_eq!(
            loader.reads(),
            1,
            "no read per request while the key is missing"
        );

        let eager = KeyRing::with_retry(loader.clone(), LONG, Duration::ZERO).await;
        loader.set(Some("late"));
        assert_eq!(*eager.get().await.unwrap(), "late");
    }

    #[tokio::test]
    async fn stale_keys_are_read_again() {
        let loader = Scripted::new(Some("a"));
        let ring = KeyRing::with_retry(loader.clone(), Duration::ZERO, Duration::ZERO).await;
        loader.set(Some("b"));
        assert_eq!(*ring.get().await.unwrap(), "b");
    }

    #[tokio::test]
    async fn a_failed_refresh_keeps_serving_the_keys_held() {
        let loader = Scripted::new(Some("a"));
        let ring = KeyRing::with_retry(loader.clone(), Duration::ZERO, Duration::ZERO).await;
        loader.set(None);
        assert_eq!(*ring.get().await.unwrap(), "a");
    }

    #[tokio::test]
    async fn an_unknown_kid_reads_again_at_most_once_per_interval() {
        let loader = Scripted::new(Some("old"));
        let ring = KeyRing::with_retry(loader.clone(), LONG, LONG).await;
        loader.set(Some("new"));
        assert_eq!(*ring.get().await.unwrap(), "old", "still fresh");
        assert_eq!(
            *ring.refresh_soon().await.unwrap(),
            "new",
            "the start-up read is no reason to wait"
        );
        loader.set(Some("newer"));
        assert_eq!(*ring.refresh_soon().await.unwrap(), "new");
        assert_eq!(loader.reads(), 2, "start-up, one refresh");
    }
}
