//! Fault switches of the wallet service, for tests of how clients cope: the
//! service down, slow, or refusing the next few requests as TEE Express would.

use std::sync::Mutex;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::errors::TeeError;

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

/// The switch: `None` is a healthy service.
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

    /// Applies the fault to one request: waits, or answers in its place.
    pub async fn next_fault(&self) -> Option<Response> {
        let fault = {
            let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
            let now = *guard;
            *guard = match now {
                Some(WalletFault::Unauthorised(n)) if n > 1 => {
                    Some(WalletFault::Unauthorised(n - 1))
                }
                Some(WalletFault::Invalid(n)) if n > 1 => Some(WalletFault::Invalid(n - 1)),
                Some(WalletFault::Unauthorised(_) | WalletFault::Invalid(_)) => None,
                other => other,
            };
            now
        };
        match fault? {
            WalletFault::Down => Some(
                TeeError::Refused(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Service Unavailable".into(),
                )
                .into_response(),
            ),
            WalletFault::Slow(ms) => {
                // At most a minute, whatever the switch says.
                tokio::time::sleep(Duration::from_millis(ms.min(60_000))).await;
                None
            }
            WalletFault::Unauthorised(_) => Some(
                TeeError::unauthorised("Invalid ID token: rejected by fault switch")
                    .into_response(),
            ),
            WalletFault::Invalid(_) => Some(
                TeeError::invalid(
                    "body",
                    "message_base64",
                    "Value error, rejected by fault switch",
                )
                .into_response(),
            ),
        }
    }
}
