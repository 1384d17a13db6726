//! Sliding-window rate limits.

use async_trait::async_trait;

use super::StoreResult;

#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Counts an attempt for `key`; `false` when `limit` attempts were already made in
    /// the sliding `window` before `now`. The answer comes with when to retry.
    async fn attempt(
        &self,
        key: &str,
        limit: usize,
        window: std::time::Duration,
        now: time::OffsetDateTime,
    ) -> StoreResult<RateDecision>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    Allowed,
    /// Refused; the oldest attempt in the window leaves it after this many seconds.
    Limited {
        retry_after_seconds: u64,
    },
}
