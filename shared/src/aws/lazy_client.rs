use std::sync::{Arc, OnceLock};

/// An AWS client built on its first use and then shared by every clone: for clients
/// that most requests of a function never need, so cold starts do not pay for them.
pub struct LazyClient<C> {
    sdk: aws_config::SdkConfig,
    build: fn(&aws_config::SdkConfig) -> C,
    client: Arc<OnceLock<C>>,
}

impl<C> LazyClient<C> {
    /// `build` is the SDK's `Client::new`.
    pub fn new(sdk: &aws_config::SdkConfig, build: fn(&aws_config::SdkConfig) -> C) -> Self {
        Self {
            sdk: sdk.clone(),
            build,
            client: Arc::default(),
        }
    }

    pub fn get(&self) -> &C {
        self.client.get_or_init(|| (self.build)(&self.sdk))
    }
}

impl<C> Clone for LazyClient<C> {
    fn clone(&self) -> Self {
        Self {
            sdk: self.sdk.clone(),
            build: self.build,
            client: self.client.clone(),
        }
    }
}
