//! When a token counts as expired: `exp <= now + 30 s`, or no `exp` at all.

/// Tokens this close to expiry are treated as expired, so they are never sent
/// just before they lapse.
pub const EXPIRY_MARGIN_SECS: i64 = 30;

/// Whether a token with this `exp` (seconds since the epoch) is expired at `now`.
pub fn is_expired(exp: Option<i64>, now: i64) -> bool {
    match exp {
        Some(exp) => exp <= now + EXPIRY_MARGIN_SECS,
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_within_thirty_seconds_of_expiry_count_as_expired() {
        assert!(!is_expired(Some(1031), 1000));
        assert!(is_expired(Some(1030), 1000));
        assert!(is_expired(Some(999), 1000));
    }

    #[test]
    fn a_token_without_exp_counts_as_expired() {
        assert!(is_expired(None, 0));
    }
}
