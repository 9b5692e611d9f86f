//! Shown when `config.json` is missing or invalid.

use leptos::prelude::*;
use passport_client::ConfigError;

/// Names the file and the field, and says how to fix it.
#[component]
pub fn ConfigErrorPage(
    /// The problem found in the configuration.
    error: ConfigError,
) -> impl IntoView {
    let field = error.field.clone();
    view! {
        <section class="card error" role="alert" data-testid="config-error">
            <h1>"The app is not configured correctly"</h1>
            <p>
                "Problem in " <code>{error.file.clone()}</code>
                {field.map(|f| view! { ", field " <code data-testid="config-error-field">{f}</code> })}
                ":"
            </p>
            <p class="error-message">{error.message.clone()}</p>
            <p class="muted">"Error code: INVALID_CONFIGURATION"</p>
        </section>
    }
}
