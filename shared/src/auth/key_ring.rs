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
    refresh_after: Duration,
    retry_after: Duration,
    state: RwLock<State>,
}

#[derive(Default)]
struct State {
    keys: Option<Arc<KeySet>>,
    loaded_at: Option<Instant>,
    attempted_at: Option<Instant>,
}

impl KeyRing {
    pub async fn load(source: Arc<dyn KeySource>, refresh_after: Duration) -> Self {
        let ring = Self {
            source,
            refresh_after,
            retry_after: Duration::from_secs(10),
            state: RwLock::new(State::default()),
        };
        if let Err(error) = ring.reload().await {
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
            cached => match self.reload().await {
                Ok(keys) => Ok(keys),
                // A failed refresh keeps serving the keys already held.
                Err(error) => cached.ok_or(error),
            },
        }
    }

    async fn reload(&self) -> Result<Arc<KeySet>, String> {
        self.state.write().expect("key ring lock").attempted_at = Some(Instant::now());
        let materials = self.source.load().await.map_err(|e| match e {
            KeySourceError::Missing => "no signing key is configured".to_owned(),
            other => other.to_string(),
        })?;
        let keys = Arc::new(KeySet::from_materials(&materials).map_err(|e| e.to_string())?);
        let mut state = self.state.write().expect("key ring lock");
        state.keys = Some(keys.clone());
        state.loaded_at = Some(Instant::now());
        Ok(keys)
    }
}
