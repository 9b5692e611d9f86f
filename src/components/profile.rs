//! The signed-in user's profile card.

use leptos::prelude::*;
use passport_client::User;

/// Email, subject and when the session expires.
#[component]
pub fn ProfileCard(
    /// The signed-in user.
    user: User,
) -> impl IntoView {
    let expires = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        user.expires_at() as f64 * 1000.0,
    ));
    let expires =
        String::from(expires.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED));
    let email = user
        .profile
        .email
        .clone()
        .unwrap_or_else(|| "(no email)".into());
    let nickname = user.profile.nickname.clone();
    view! {
        <section class="card" data-testid="profile">
            <h1>"Signed in"</h1>
            <dl class="facts">
                <dt>"Email"</dt><dd data-testid="profile-email">{email}</dd>
                {nickname.map(|n| view! { <dt>"Name"</dt><dd>{n}</dd> })}
                <dt>"Passport ID"</dt><dd><code data-testid="profile-sub">{user.profile.sub.clone()}</code></dd>
                <dt>"Session expires"</dt><dd data-testid="profile-expires">{expires}</dd>
                <dt>"IMX"</dt>
                <dd data-testid="imx-status">
                    {if user.is_registered_offchain() { "Registered" } else { "Not registered yet" }}
                </dd>
            </dl>
        </section>
    }
}
