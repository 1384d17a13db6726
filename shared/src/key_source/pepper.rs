use std::{
    sync::RwLock,
    time::{Duration, Instant},
};

use aws_sdk_secretsmanager::{Client, error::SdkError};

use super::KeySourceError;
use crate::{aws::LazyClient, credentials::Pepper};

/// The client-secret pepper, read from its Secrets Manager secret once per container;
/// while it is missing, read again at most every ten seconds.
pub struct PepperCell {
    client: LazyClient<Client>,
    secret_id: String,
    state: RwLock<(Option<Pepper>, Option<Instant>)>,
}

const RETRY: Duration = Duration::from_secs(10);

impl PepperCell {
    /// Reads nothing, and builds no client, until the pepper is first needed: the
    /// token function reads it in `main`; `oauth-apps` only when an application gets a
    /// new secret, so its containers that only serve reads never touch Secrets Manager.
    pub fn new(client: LazyClient<Client>, secret_id: impl Into<String>) -> Self {
        Self {
            client,
            secret_id: secret_id.into(),
            state: RwLock::new((None, None)),
        }
    }

    pub async fn get(&self) -> Option<Pepper> {
        {
            let state = self.state.read().expect("pepper lock");
            if state.0.is_some() || state.1.is_some_and(|at| at.elapsed() < RETRY) {
                return state.0.clone();
            }
        }
        let loaded = match self.read().await {
            Ok(pepper) => pepper,
            Err(KeySourceError::Unavailable(outage)) => {
                // An outage is not remembered: the next request reads again, and works
                // as soon as Secrets Manager answers.
                tracing::warn!(
                    dependency = outage.dependency,
                    operation = outage.operation,
                    %outage,
                    "the client-secret pepper could not be read"
                );
                return None;
            }
            Err(error) => {
                tracing::warn!(%error, "the client-secret pepper could not be read");
                None
            }
        };
        let mut state = self.state.write().expect("pepper lock");
        *state = (loaded.clone(), Some(Instant::now()));
        loaded
    }

    async fn read(&self) -> Result<Option<Pepper>, KeySourceError> {
        match self
            .client
            .get()
            .get_secret_value()
            .secret_id(&self.secret_id)
            .send()
            .await
        {
            Ok(output) => match output.secret_string() {
                Some(value) => Pepper::from_base64(value).map(Some).ok_or_else(|| {
                    KeySourceError::Malformed(
                        "the pepper must be at least 32 bytes of base64".into(),
                    )
                }),
                None => Ok(None),
            },
            Err(SdkError::ServiceError(e)) if e.err().is_resource_not_found_exception() => Ok(None),
            Err(e) => Err(super::secrets_manager::backend(e)),
        }
    }

    /// Creates the secret with a fresh pepper unless it exists (provisioning only: a new
    /// pepper invalidates every stored client secret).
    pub async fn create_if_missing(&self) -> Result<bool, KeySourceError> {
        if self.read().await?.is_some() {
            return Ok(false);
        }
        self.client
            .get()
            .create_secret()
            .name(&self.secret_id)
            .description("Key of the client-secret hashes (HMAC-SHA-256); never rotate while applications exist")
            .secret_string(Pepper::generate_base64())
            .send()
            .await
            .map_err(super::secrets_manager::backend)?;
        *self.state.write().expect("pepper lock") = (None, None);
        Ok(true)
    }
}
