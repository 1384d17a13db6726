//! Brute-force protection of client authentication: failures are counted per client id
//! and per source address in a sliding window; past the limit every attempt is refused,
//! even with the right secret, until the oldest failure leaves the window.

/// Failures of one client id allowed within [`WINDOW_SECONDS`].
pub const CLIENT_FAILURES: usize = 10;
/// Failures from one source address allowed within [`WINDOW_SECONDS`].
pub const SOURCE_FAILURES: usize = 100;
pub const WINDOW_SECONDS: i64 = 15 * 60;

/// The failures still inside the window at `now`.
pub fn recent(failures: &[i64], now: i64) -> Vec<i64> {
    failures
        .iter()
        .copied()
        .filter(|t| now - t < WINDOW_SECONDS)
        .collect()
}

/// Seconds until the next attempt may be made, if `failures` reached `limit`: until
/// fewer than `limit` remain in the window (parallel failures can leave more than
/// `limit` there, so this is not always the oldest's exit).
pub fn locked_for(failures: &[i64], limit: usize, now: i64) -> Option<u64> {
    let mut recent = recent(failures, now);
    if recent.len() < limit || limit == 0 {
        return None;
    }
    recent.sort_unstable();
    let freeing = recent[recent.len() - limit];
    Some((freeing + WINDOW_SECONDS - now).max(1) as u64)
}

/// The failures to store after one more at `now`: the window's, capped at `limit`.
pub fn with_failure(failures: &[i64], limit: usize, now: i64) -> Vec<i64> {
    let mut kept = recent(failures, now);
    kept.push(now);
    kept.sort_unstable();
    let excess = kept.len().saturating_sub(limit);
    kept.drain(..excess);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_limit_the_wait_lasts_until_fewer_than_the_limit_remain() {
        let now = 1_000_000;
        // Fifteen failures, one a second: five must leave before fewer than ten remain.
        let failures: Vec<i64> = (0..15).map(|i| now + i).collect();
        let at = now + 14;
        let wait = locked_for(&failures, CLIENT_FAILURES, at).unwrap();
        assert_eq!(wait, (now + 5 + WINDOW_SECONDS - at) as u64);
        assert!(locked_for(&failures, CLIENT_FAILURES, at + wait as i64).is_none());
        assert!(locked_for(&failures, CLIENT_FAILURES, at + wait as i64 - 1).is_some());
    }

    #[test]
    fn ten_failures_lock_until_the_first_leaves_the_window() {
        let now = 1_000_000;
        let mut failures = Vec::new();
        for i in 0..9 {
            failures = with_failure(&failures, CLIENT_FAILURES, now + i);
            assert_eq!(locked_for(&failures, CLIENT_FAILURES, now + i), None);
        }
        failures = with_failure(&failures, CLIENT_FAILURES, now + 9);
        assert_eq!(
            locked_for(&failures, CLIENT_FAILURES, now + 9),
            Some(WINDOW_SECONDS as u64 - 9)
        );
        assert_eq!(
            locked_for(&failures, CLIENT_FAILURES, now + WINDOW_SECONDS),
            None
        );
    }

    #[test]
    fn old_failures_fall_out_and_the_list_stays_bounded() {
        let failures = vec![1, 2, 3];
        assert_eq!(recent(&failures, 10 + WINDOW_SECONDS), Vec::<i64>::new());
        let mut many = Vec::new();
        for t in 0..50 {
            many = with_failure(&many, CLIENT_FAILURES, 100 + t);
        }
        assert_eq!(many.len(), CLIENT_FAILURES);
    }
}
