//! Fault switches for tests of how clients cope: the IMX API down, the
//! wallet service down, slow, or refusing the next few requests. Only the
//! switches live here; each router's middleware answers for them in its own
//! error format.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// Faults a test can switch on (all off unless the admin endpoint says so).
#[derive(Default)]
pub struct Faults {
    /// The IMX API answers 503 to everything.
    pub imx_down: AtomicBool,
    /// The wallet service (TEE Express) down, slow or refusing.
    pub wallet: WalletFaults,
    /// The token endpoint down (503 `temporarily_unavailable`), slow, or
    /// refusing the next few requests: `unauthorised` as 401
    /// `invalid_client`, `invalid` as 400 `invalid_grant`.
    pub token: WalletFaults,
}

impl Faults {
    /// Whether the IMX API is switched off.
    pub fn imx_down(&self) -> bool {
        self.imx_down.load(Ordering::SeqCst)
    }
}

/// What the wallet service does instead of answering normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WalletFault {
    /// 503 to everything.
    Down,
    /// Each request waits this many milliseconds first.
    Slow(u64),
    /// The next `n` requests answer 401, as for a token TEE Express rejects.
    Unauthorised(u32),
    /// The next `n` requests answer 422.
    Invalid(u32),
}

/// The wallet's switch: `None` is a healthy service.
#[derive(Default)]
pub struct WalletFaults(Mutex<Option<WalletFault>>);

impl WalletFaults {
    /// Sets or clears the fault.
    pub fn set(&self, fault: Option<WalletFault>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = fault;
    }

    /// The fault in force.
    pub fn get(&self) -> Option<WalletFault> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The fault for one request, counting down the ones that last `n` requests.
    pub fn take(&self) -> Option<WalletFault> {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let now = *guard;
        *guard = match now {
            Some(WalletFault::Unauthorised(n)) if n > 1 => Some(WalletFault::Unauthorised(n - 1)),
            Some(WalletFault::Invalid(n)) if n > 1 => Some(WalletFault::Invalid(n - 1)),
            Some(WalletFault::Unauthorised(_) | WalletFault::Invalid(_)) => None,
            other => other,
        };
        now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counted_fault_lasts_its_count_and_then_clears() {
        let faults = WalletFaults::default();
        faults.set(Some(WalletFault::Invalid(2)));
        assert_eq!(faults.take(), Some(WalletFault::Invalid(2)));
        assert_eq!(faults.take(), Some(WalletFault::Invalid(1)));
        assert_eq!(faults.take(), None);
        faults.set(Some(WalletFault::Down));
        assert_eq!(faults.take(), Some(WalletFault::Down));
        assert_eq!(faults.take(), Some(WalletFault::Down));
    }
}
