//! Brute-force protection for the sign-in form, as Auth0 does it:
//! - a per-IP throttle on form submissions (GCRA, from the `governor` crate):
//!   past the burst, a 429 with `Retry-After`;
//! - a lockout per account and IP: after `--lockout-after` failed attempts in
//!   a row for one address from one IP, that pair is refused for
//!   `--lockout-seconds`, even with the right password; a success resets it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::cli::ServeOptions;

/// Failed attempts (pairs) and throttled addresses remembered at most; past
/// it, the unlocked pairs and the recovered addresses go first.
const MAX_TRACKED: usize = 100_000;

#[derive(Default)]
struct Failures {
    count: u32,
    locked_until: Option<Instant>,
}

/// The sign-in form's guard.
pub struct SignInGuard {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
    failures: Mutex<HashMap<(String, IpAddr), Failures>>,
    lockout_after: u32,
    lockout: Duration,
}

impl SignInGuard {
    /// The guard with the server's settings.
    pub fn new(opts: &ServeOptions) -> Self {
        let rate = NonZeroU32::new(opts.sign_in_rate.max(1)).expect("at least 1");
        let burst = NonZeroU32::new(opts.sign_in_burst.max(1)).expect("at least 1");
        Self {
            per_ip: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
            clock: DefaultClock::default(),
            failures: Mutex::default(),
            lockout_after: opts.lockout_after.max(1),
            lockout: Duration::from_secs(opts.lockout_seconds),
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

    /// How long this account is still locked for this IP, if it is.
    pub fn locked(&self, account: &str, ip: IpAddr) -> Option<Duration> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let until = failures.get(&(account.to_owned(), ip))?.locked_until?;
        until.checked_duration_since(Instant::now())
    }

    /// Records a failed attempt; true when it locks the pair.
    pub fn failed(&self, account: &str, ip: IpAddr) -> bool {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() >= MAX_TRACKED {
            let now = Instant::now();
            failures.retain(|_, f| f.locked_until.is_some_and(|u| u > now));
        }
        let entry = failures.entry((account.to_owned(), ip)).or_default();
        entry.count += 1;
        if entry.count >= self.lockout_after {
            entry.count = 0;
            entry.locked_until = Some(Instant::now() + self.lockout);
            return true;
        }
        false
    }

    /// A successful sign-in clears the pair's count.
    pub fn succeeded(&self, account: &str, ip: IpAddr) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.remove(&(account.to_owned(), ip));
    }
}
