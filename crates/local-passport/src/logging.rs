//! Structured logs that never contain a secret.
//!
//! Requests are logged by method, path and status only: query strings carry
//! codes and state, bodies carry passwords and tokens, so neither is logged.

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object a line.
    Json,
}

/// Sets up logging to stderr, as text or JSON lines.
pub fn init(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LOCAL_PASSPORT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if format == LogFormat::Json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Logs one line per request: method, path (never the query), status, duration.
pub async fn log_requests(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    // A server-side failure's cause rides on the response (errors.rs): logged
    // here, once, and never sent.
    if let Some(crate::errors::ServerFault(cause)) = response.extensions().get() {
        tracing::error!(%method, path = %truncate(&path, 200), error = %cause, "request failed");
    }
    tracing::info!(
        %method,
        path = %truncate(&path, 200),
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}
