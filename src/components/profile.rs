//! The signed-in user's profile card, with the IMX addresses once registered
//! and the zkEVM wallet's when the account has one.

use leptos::prelude::*;
use passport_client::User;

/// Email, subject, session expiry and, once registered, the IMX addresses.
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
    let username = user.profile.username.clone();
    let imx = user.imx();
    let claims = user.passport.clone().unwrap_or_default();
    // Read by scripts/bench: when a signed-in profile first reaches the screen.
    Effect::new(|| passport_client::mark("passport:profile"));
    view! {
        <section class="card" data-testid="profile">
            <h1>"Signed in"</h1>
            <dl class="facts">
                <dt>"Email"</dt><dd data-testid="profile-email">{email}</dd>
                {username.map(|u| view! { <dt>"Username"</dt><dd data-testid="profile-username">{u}</dd> })}
                {nickname.map(|n| view! { <dt>"Name"</dt><dd>{n}</dd> })}
                <dt>"Passport ID"</dt><dd><code data-testid="profile-sub">{user.profile.sub.clone()}</code></dd>
                <dt>"Session expires"</dt><dd data-testid="profile-expires">{expires}</dd>
                <dt>"IMX"</dt>
                <dd data-testid="imx-status">
                    {if imx.is_some() { "Registered" } else { "Not registered yet" }}
                </dd>
                // The address `ImxProvider::get_address` answers (the SDK's
                // `getAddress`), and the Stark key beside it.
                {user.imx_address().ok().map(|address| view! {
                    <dt>"Ethereum address"</dt>
                    <dd><Address value=address testid="imx-eth-address" /></dd>
                })}
                {imx.map(|imx| view! {
                    <dt>"Stark key"</dt>
                    <dd><Address value=imx.stark_address testid="imx-stark-key" /></dd>
                })}
                {claims.zkevm_eth_address.map(|address| view! {
                    <dt>"zkEVM wallet"</dt>
                    <dd><Address value=address testid="zkevm-eth-address" /></dd>
                })}
                {claims.zkevm_user_admin_address.map(|address| view! {
                    <dt>"zkEVM admin"</dt>
                    <dd><Address value=address testid="zkevm-user-admin-address" /></dd>
                })}
            </dl>
        </section>
    }
}

/// A long hex value, shortened for reading, with a button that copies it whole.
#[component]
fn Address(
    /// The full value.
    value: String,
    /// Test id of the value element.
    testid: &'static str,
) -> impl IntoView {
    let short = shorten(&value);
    let copied = RwSignal::new(false);
    let full = value.clone();
    let copy = move |_| {
        copy_to_clipboard(&full);
        copied.set(true);
    };
    view! {
        <code title=value.clone() data-testid=testid data-full=value.clone()>{short}</code>
        " "
        <button type="button" class="secondary small" on:click=copy aria-label=format!("Copy {value}")>
            {move || if copied.get() { "Copied" } else { "Copy" }}
        </button>
    }
}

fn shorten(value: &str) -> String {
    if value.len() <= 14 {
        value.to_owned()
    } else {
        format!("{}…{}", &value[..8], &value[value.len() - 6..])
    }
}

/// `navigator.clipboard.writeText`, called dynamically (web-sys keeps it behind unstable APIs).
fn copy_to_clipboard(text: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let clipboard = js_sys::Reflect::get(&window.navigator(), &"clipboard".into()).ok();
    let write = clipboard
        .as_ref()
        .and_then(|c| js_sys::Reflect::get(c, &"writeText".into()).ok())
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let (Some(clipboard), Some(write)) = (clipboard, write) {
        let _ = write.call1(&clipboard, &text.into());
    }
}

use wasm_bindgen::JsCast;
