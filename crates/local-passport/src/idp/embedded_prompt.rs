//! `/im-embedded-login-prompt`: the login-method prompt Immutable's SDK
//! (`@imtbl/auth`, `login/embeddedLoginPrompt.ts`) shows in an iframe before
//! its sign-in popup, when no prompt option is switched off.
//!
//! The SDK loads `{authenticationDomain}/im-embedded-login-prompt?client_id=…&rid=…`
//! and listens for messages from exactly that origin with `eventType`
//! `im_passport_embedded_login_prompt` and a `messageType`:
//!
//! - `login_method_selected`, `payload` `{directLoginMethod, email?,
//!   marketingConsentStatus, imPassportTraceId}`: the SDK then opens
//!   `/authorize` with `direct`, `email`, `marketingConsent` and
//!   `im_passport_trace_id`;
//! - `login_prompt_closed`: the user closed it (the SDK rejects the login);
//! - `login_prompt_error`, `payload` the cause.
//!
//! Email is a real choice (the sign-in page opens with the address filled
//! in); Google, Apple and Facebook are labelled stand-ins that lead to the
//! same local form. The page may be framed only by the client's registered
//! web origins (CSP `frame-ancestors`), and posts only to them. Its script is
//! a file of this origin: no inline script.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::clients::Client;
use crate::html::{error_page, escape};
use crate::state::Shared;

/// The prompt's path, fixed by the SDK.
pub const PATH: &str = "/im-embedded-login-prompt";
/// Its script.
pub const SCRIPT_PATH: &str = "/assets/embedded-login-prompt.js";
/// Its own styles, beside the pages' stylesheet.
pub const STYLE_PATH: &str = "/assets/embedded-login-prompt.css";

/// The prompt's routes.
pub fn router() -> Router<Shared> {
    Router::new()
        .route(PATH, get(prompt))
        .route(SCRIPT_PATH, get(script))
        .route(STYLE_PATH, get(style))
}

#[derive(Deserialize)]
struct PromptQuery {
    client_id: Option<String>,
    /// The SDK's runtime id (its metrics'): accepted, not used.
    #[allow(dead_code)]
    rid: Option<String>,
}

/// The client's web origins that are origins exactly (scheme, host, port,
/// nothing else), so that none can break out of the CSP header.
fn frame_origins(client: &Client) -> Vec<String> {
    client
        .web_origins
        .iter()
        .filter(|origin| {
            url::Url::parse(origin)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .is_some_and(|u| u.origin().ascii_serialization() == **origin)
        })
        .cloned()
        .collect()
}

/// The prompt page's Content-Security-Policy: its own script and styles,
/// framed only by `origins`.
pub fn csp(origins: &[String]) -> String {
    let ancestors = if origins.is_empty() {
        "'none'".to_owned()
    } else {
        origins.join(" ")
    };
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
    )
}

async fn prompt(
    State(state): State<Shared>,
    query: Result<Query<PromptQuery>, QueryRejection>,
) -> Response {
    let client_id = query
        .ok()
        .and_then(|Query(q)| q.client_id)
        .unwrap_or_default();
    let Some(client) = state.clients.get(&client_id) else {
        let shown: String = client_id.chars().take(100).collect();
        return (
            StatusCode::BAD_REQUEST,
            Html(error_page(&format!(
                "Unknown client “{shown}”. The application is not registered with this Passport, \
                 so its sign-in prompt cannot be shown."
            ))),
        )
            .into_response();
    };
    let origins = frame_origins(client);
    let name = client
        .name
        .clone()
        .unwrap_or_else(|| client.client_id.clone());
    let origins_json = serde_json::to_string(&origins).expect("strings serialise");
    let body = render(&name, &origins_json);
    let mut response = Html(body).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&csp(&origins)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn render(client_name: &str, origins_json: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Sign in · Local Passport</title>
<link rel="stylesheet" href="/assets/passport.css">
<link rel="stylesheet" href="{STYLE_PATH}">
<script src="{SCRIPT_PATH}" defer></script>
</head>
<body>
<main class="box prompt" id="prompt" data-origins="{origins}" aria-labelledby="prompt-title">
<div class="prompt-head">
<p class="brand" aria-hidden="true">◆ Local Passport</p>
<button type="button" id="close" class="close" aria-label="Close sign-in">×</button>
</div>
<h1 id="prompt-title">Sign in</h1>
<p class="muted">to continue to <strong>{client}</strong></p>
<form id="email-form" novalidate>
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" required aria-describedby="email-error" autofocus>
<p class="error" id="email-error" role="alert" hidden></p>
<button type="submit" id="continue-email">Continue with email</button>
</form>
<div class="consent">
<input type="checkbox" id="marketing-consent" name="marketing-consent">
<label for="marketing-consent">Send me news and offers (nothing is mailed by the local Passport)</label>
</div>
<p class="muted or" aria-hidden="true">or</p>
<div role="group" aria-labelledby="social-note">
<p class="muted" id="social-note">Local stand-ins for social sign-in: each continues to this Passport's own form.</p>
<button type="button" class="social" data-method="google" id="method-google">Google (local stand-in)</button>
<button type="button" class="social" data-method="apple" id="method-apple">Apple (local stand-in)</button>
<button type="button" class="social" data-method="facebook" id="method-facebook">Facebook (local stand-in)</button>
</div>
</main>
</body>
</html>"#,
        origins = escape(origins_json),
        client = escape(client_name),
    )
}

/// The prompt's script: it posts the SDK's messages to the parent, for
/// each registered origin (the browser delivers to the one that matches).
pub const SCRIPT: &str = r#""use strict";
(() => {
  const EVENT_TYPE = "im_passport_embedded_login_prompt";
  const root = document.getElementById("prompt");
  const origins = JSON.parse(root.dataset.origins || "[]");
  const emailInput = document.getElementById("email");
  const emailError = document.getElementById("email-error");
  const consent = document.getElementById("marketing-consent");
  const traceId = typeof crypto.randomUUID === "function"
    ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

  function post(messageType, payload) {
    if (window.parent === window) {
      showError("This prompt is shown by an application's sign-in; open it from there.");
      return;
    }
    const message = payload === undefined
      ? { eventType: EVENT_TYPE, messageType }
      : { eventType: EVENT_TYPE, messageType, payload };
    for (const origin of origins) window.parent.postMessage(message, origin);
  }

  function showError(text) {
    emailError.textContent = text;
    emailError.hidden = false;
  }

  function select(directLoginMethod, email) {
    const payload = {
      directLoginMethod,
      marketingConsentStatus: consent.checked ? "opted_in" : "unsubscribed",
      imPassportTraceId: traceId,
    };
    if (email !== undefined) payload.email = email;
    post("login_method_selected", payload);
  }

  document.getElementById("email-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const email = emailInput.value.trim();
    if (!email || !emailInput.checkValidity()) {
      emailInput.setAttribute("aria-invalid", "true");
      showError("Enter your email address, like name@example.com.");
      emailInput.focus();
      return;
    }
    emailInput.removeAttribute("aria-invalid");
    emailError.hidden = true;
    select("email", email);
  });
  for (const button of document.querySelectorAll("button[data-method]")) {
    button.addEventListener("click", () => select(button.dataset.method));
  }
  document.getElementById("close").addEventListener("click", () => post("login_prompt_closed"));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") post("login_prompt_closed");
  });
  window.addEventListener("error", (event) => {
    post("login_prompt_error", { message: String(event.message || "error") });
  });
  emailInput.focus();
  // The prompt answers from here on (a click on Close before this did nothing).
  root.dataset.ready = "true";
})();
"#;

/// The prompt's own styles.
pub const STYLE: &str = r#"
.prompt-head{display:flex;align-items:center;justify-content:space-between}
.prompt-head .brand{margin:0}
button.close{width:2.75rem;min-height:2.75rem;margin:0;background:none;color:var(--fg);font-size:1.5rem;line-height:1}
button.social{background:var(--bg);color:var(--fg);border:1px solid var(--line);margin-top:.5rem}
.or{text-align:center;margin:.75rem 0 0}
.prompt h1{margin-bottom:.25rem}
.prompt .muted{margin:.25rem 0}
.consent{display:flex;gap:.5rem;align-items:flex-start;margin-top:1rem}
.consent input{width:auto;margin-top:.3rem}
.consent label{font-weight:400;margin:0}
"#;

async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
}

async fn style() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_ancestors_are_the_clients_origins_and_nothing_that_breaks_the_header() {
        let client: Client = serde_json::from_value(serde_json::json!({
            "client_id": "c", "redirect_uris": [],
            "web_origins": ["http://127.0.0.1:8080", "https://app.test", "https://x.test; script-src *",
                            "https://y.test/path", "javascript:alert(1)"]
        }))
        .unwrap();
        let origins = frame_origins(&client);
        assert_eq!(origins, ["http://127.0.0.1:8080", "https://app.test"]);
        assert!(csp(&origins).ends_with("frame-ancestors http://127.0.0.1:8080 https://app.test"));
        assert!(csp(&[]).ends_with("frame-ancestors 'none'"));
        assert!(!csp(&origins).contains("unsafe-inline"));
    }

    #[test]
    fn the_script_speaks_the_sdks_messages() {
        for shape in [
            "\"im_passport_embedded_login_prompt\"",
            "\"login_method_selected\"",
            "\"login_prompt_closed\"",
            "\"login_prompt_error\"",
            "directLoginMethod",
            "marketingConsentStatus: consent.checked ? \"opted_in\" : \"unsubscribed\"",
            "imPassportTraceId: traceId",
            "payload.email = email",
            "{ eventType: EVENT_TYPE, messageType, payload }",
        ] {
            assert!(SCRIPT.contains(shape), "{shape}");
        }
        for method in ["google", "apple", "facebook"] {
            assert!(render("App", "[]").contains(&format!("data-method=\"{method}\"")));
        }
    }
}
