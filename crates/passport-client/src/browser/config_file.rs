//! Loads `config.json` from next to `index.html`.

use crate::browser::page::{app_url, page_location};
use crate::config::{PassportConfig, RuntimeConfig, CONFIG_FILE};
use crate::error::ConfigError;

/// Fetches, parses and resolves the runtime configuration.
pub async fn load_config() -> Result<PassportConfig, ConfigError> {
    let text = fetch_text(&app_url(CONFIG_FILE)).await?;
    RuntimeConfig::parse(&text)?.resolve(&page_location())
}

async fn fetch_text(url: &str) -> Result<String, ConfigError> {
    let unreadable = |message: String| ConfigError {
        file: CONFIG_FILE.to_owned(),
        field: None,
        message,
    };
    let response = gloo_net::http::Request::get(url)
        .cache(web_sys::RequestCache::NoCache)
        .send()
        .await
        .map_err(|err| unreadable(format!("could not be loaded from {url}: {err}")))?;
    if !response.ok() {
        return Err(unreadable(format!(
            "could not be loaded from {url} (HTTP {}). Serve a {CONFIG_FILE} next to index.html; \
             the README shows its keys.",
            response.status()
        )));
    }
    response
        .text()
        .await
        .map_err(|err| unreadable(format!("could not be read: {err}")))
}
