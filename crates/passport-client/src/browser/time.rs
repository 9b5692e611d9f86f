//! The clock, and sleeping without blocking the page.

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Seconds since the epoch.
pub fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Sets a performance mark (`performance.mark(name)`), which benchmarks and the
/// browser's profiler read; does nothing where there is no Performance API.
/// Only with the `marks` feature.
#[cfg(feature = "marks")]
pub fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}
