//! The wallet service's fault switch as a layer over its routes: a switched
//! fault answers (or delays) before the handler runs, as TEE Express would.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::errors::TeeError;
use crate::faults::WalletFault;
use crate::state::Shared;

/// Answers for the fault in force, or hands the request on.
pub async fn switched(State(state): State<Shared>, request: Request, next: Next) -> Response {
    match state.faults.wallet.take() {
        None => next.run(request).await,
        Some(WalletFault::Slow(ms)) => {
            // At most a minute, whatever the switch says.
            tokio::time::sleep(Duration::from_millis(ms.min(60_000))).await;
            next.run(request).await
        }
        Some(WalletFault::Down) => TeeError::Refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable".into(),
        )
        .into_response(),
        Some(WalletFault::Unauthorised(_)) => {
            TeeError::unauthorised("Invalid ID token: rejected by fault switch").into_response()
        }
        Some(WalletFault::Invalid(_)) => TeeError::invalid(
            "body",
            "message_base64",
            "Value error, rejected by fault switch",
        )
        .into_response(),
    }
}
