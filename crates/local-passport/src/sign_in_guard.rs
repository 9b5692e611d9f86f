//! Brute-force protection for the sign-in form:
//! - a per-IP throttle on form submissions (GCRA, from the `governor` crate):
//!   past the burst, a 429 with `Retry-After`;
//! - a per-account limit across every source address (GCRA too): an account
//!   takes `--lockout-after` sign-in attempts in a burst, then one every
//!   `--lockout-seconds / --lockout-after` seconds, wherever they come from
//!   (all of 127.0.0.0/8 is this machine; a LAN has many addresses). Right or
//!   wrong, past the limit the password is not even checked.
//!
//! A browser that signed in to the account before carries a device cookie
//! for it (see `idp::device`) and is exempt from the account's limit (not
//! from the per-IP throttle): guessing from elsewhere does not lock its owner
//! out. `local-passport users unblock --email E` lifts an account's limit at
//! once, on a running server too: the limit is keyed by the account and its
//! unblock generation, which the command raises in the database.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::settings::Settings;

/// Addresses and accounts remembered at most; past it, those whose limit
/// has recovered are forgotten.
const MAX_TRACKED: usize = 100_000;

/// The sign-in form's guard.
pub struct SignInGuard {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Keyed by the account's email key and its unblock generation.
    per_account: DefaultKeyedRateLimiter<(String, i64)>,
    clock: DefaultClock,
}

impl SignInGuard {
    /// The guard with the server's settings.
    pub fn new(opts: &Settings) -> Self {
        let rate = NonZeroU32::new(opts.sign_in_rate.max(1)).expect("at least 1");
        let burst = NonZeroU32::new(opts.sign_in_burst.max(1)).expect("at least 1");
        let attempts = NonZeroU32::new(opts.lockout_after.max(1)).expect("at least 1");
        // One attempt back every lockout_seconds / lockout_after: the whole
        // burst in --lockout-seconds.
        let replenish = Duration::from_millis(
            (opts.lockout_seconds.saturating_mul(1000) / u64::from(attempts.get())).max(1),
        );
        let per_account = Quota::with_period(replenish)
            .expect("a period of at least 1 ms")
            .allow_burst(attempts);
        Self {
            per_ip: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
            per_account: RateLimiter::keyed(per_account),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one form submission from `ip`; `Err` with the wait when over the rate.
    pub fn admit(&self, ip: IpAddr) -> Result<(), Duration> {
        // The throttle remembers every address it saw; past the bound, the
        // ones whose limit has recovered are forgotten (a flood that never
        // signs in grows it too).
        if self.per_ip.len() >= MAX_TRACKED {
            self.per_ip.retain_recent();
        }
        self.per_ip
            .check_key(&ip)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Counts one sign-in attempt at `account` (its email key) from a browser
    /// that has not signed in to it before; `Err` with the wait when the
    /// account has no attempt left. `generation` is the account's unblock
    /// generation: a new one starts a full allowance.
    pub fn account_attempt(&self, account: &str, generation: i64) -> Result<(), Duration> {
        if self.per_account.len() >= MAX_TRACKED {
            self.per_account.retain_recent();
        }
        self.per_account
            .check_key(&(account.to_owned(), generation))
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}
