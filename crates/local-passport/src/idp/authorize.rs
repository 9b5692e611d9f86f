//! `/authorize`: the sign-in and create-account form, shown for a valid
//! authorization request (GET) and submitted back (POST); a signed-in user
//! (form or session cookie) is sent back with a code.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use serde::Deserialize;

use super::authorize_request::{validate, AuthorizeParams, Refusal};
use super::credentials::{check_email, normalise_email, MAX_PASSWORD_BYTES, TOO_LONG};
use super::grant::grant;
use super::sign_in::{sign_in, sign_up, Outcome, BUSY};
use super::sign_in_page::{self, FormMessage, FormMode};
use super::{csrf, device, session};
use crate::accounts::Shape;
use crate::db;
use crate::errors::OAuthError;
use crate::extract::PeerIp;
use crate::state::Shared;

/// The sign-in form: the authorization request travels along as hidden fields
/// and is validated again on submit. No `Debug`: it holds the password.
#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(flatten)]
    pub params: AuthorizeParams,
    pub email: Option<String>,
    pub password: Option<String>,
    pub mode: Option<String>,
    /// The create-account form's local-only choice of account shape
    /// (absent: `new`, as real Passport's form has no such field).
    pub shape: Option<String>,
    /// The CSRF token the form was shown with.
    pub csrf: Option<String>,
}

const MALFORMED: &str =
    "This sign-in request is malformed. Start sign-in again from the application.";

/// GET `/authorize`.
pub async fn start(
    State(state): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<AuthorizeParams>, QueryRejection>,
) -> Response {
    // A query axum cannot read (bad percent-encoding, repeated fields) gets the
    // error page too, not a plain-text rejection.
    let Ok(Query(params)) = query else {
        return Refusal::Page(StatusCode::BAD_REQUEST, MALFORMED.into()).into_response();
    };
    let request = match validate(&state, params) {
        Ok(request) => request,
        Err(refusal) => return refusal.into_response(),
    };
    let prompt = request.params.prompt.clone().unwrap_or_default();
    let signed_in = if prompt.split_whitespace().any(|p| p == "login") {
        None
    } else {
        match session::current_user(&state, &headers) {
            Ok(user) => user,
            Err(err) => return OAuthError::from(err).into_response(),
        }
    };
    match signed_in {
        Some(sub) => grant(
            &state,
            &request,
            &sub,
            None,
            session::current_hash(&headers),
        ),
        None if prompt.split_whitespace().any(|p| p == "none") => Refusal::Redirect {
            redirect_uri: request.redirect_uri.clone(),
            error: "login_required",
            description: "the user is not signed in".into(),
            state: request.params.state.clone(),
        }
        .into_response(),
        None => {
            let mode = if request.params.screen_hint.as_deref() == Some("signup") {
                FormMode::SignUp
            } else {
                FormMode::SignIn
            };
            let form = csrf::for_form(&state.csrf_key, &headers, &request);
            let (notice, email) = direct_login(&request.params);
            let message = notice.as_deref().map(FormMessage::Notice);
            let page = Html(sign_in_page::render(
                &request,
                mode,
                message,
                &email,
                Shape::New,
                &form.token,
            ));
            let mut response = page.into_response();
            if let Some(cookie) = form.set_cookie.and_then(|c| c.parse().ok()) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            if state.settings.sign_in_coop {
                response.headers_mut().insert(
                    header::HeaderName::from_static("cross-origin-opener-policy"),
                    header::HeaderValue::from_static("same-origin"),
                );
            }
            response
        }
    }
}

/// What the SDK's direct login asks of the form: an email method opens it
/// with the address filled in; a social method is named, and the user goes
/// on with a local account, which stands in for it here.
fn direct_login(params: &AuthorizeParams) -> (Option<String>, String) {
    let provider = match params.direct.as_deref() {
        Some("email") => {
            let email = params.direct_email.clone().unwrap_or_default();
            return (None, email.chars().take(254).collect());
        }
        Some("google") => "Google",
        Some("apple") => "Apple",
        Some("facebook") => "Facebook",
        _ => return (None, String::new()),
    };
    let notice = format!(
        "You chose to continue with {provider}. This local Passport has no {provider} sign-in: \
         continue with a local account, which stands in for it."
    );
    (Some(notice), String::new())
}

/// POST `/authorize`: the sign-in or create-account form.
pub async fn submit(
    State(state): State<Shared>,
    PeerIp(ip): PeerIp,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Response {
    if let Err(wait) = state.sign_in_guard.admit(ip) {
        return too_many(
            wait,
            "Too many sign-in attempts from your network. Wait a moment and try again.",
        );
    }
    let Ok(Form(form)) = form else {
        return Refusal::Page(StatusCode::BAD_REQUEST, MALFORMED.into()).into_response();
    };
    let request = match validate(&state, form.params) {
        Ok(request) => request,
        Err(refusal) => return refusal.into_response(),
    };
    let csrf = match csrf::check(&state.csrf_key, &headers, form.csrf.as_deref(), &request) {
        Ok(token) => token,
        Err(message) => {
            tracing::warn!(client_id = %request.client_id, "sign-in form refused: cross-site or without a valid CSRF token");
            return Refusal::Page(StatusCode::FORBIDDEN, message.into()).into_response();
        }
    };
    let mode = if form.mode.as_deref() == Some("signup") {
        FormMode::SignUp
    } else {
        FormMode::SignIn
    };
    let email = normalise_email(&form.email.unwrap_or_default());
    let password = form.password.unwrap_or_default();
    // Only the create-account form offers a shape; absent, it is `new`.
    let shape: Option<Result<Shape, _>> = match mode {
        FormMode::SignUp => form.shape.as_deref().map(str::parse),
        FormMode::SignIn => None,
    };
    let shown_shape = match shape {
        Some(Ok(shape)) => shape,
        _ => Shape::New,
    };
    // The form again with `message`; a refusal that passes with time says when.
    let refused = |status: StatusCode, message: &str, retry_after: Option<u64>| {
        let page = sign_in_page::render(
            &request,
            mode,
            Some(FormMessage::Error(message)),
            &email,
            shown_shape,
            &csrf,
        );
        let mut response = (status, Html(page)).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, seconds.into());
        }
        response
    };
    let again = |message: &str| refused(StatusCode::BAD_REQUEST, message, None);
    if let Err(message) = check_email(&email) {
        return again(message);
    }
    if let Some(Err(_)) = shape {
        return again(UNKNOWN_SHAPE);
    }
    if password.is_empty() {
        return again("Enter your password.");
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return again(TOO_LONG);
    }
    // Keyed as accounts are found: every spelling that reaches this account counts.
    let account = db::email_key(&email);
    // A sign-in from a browser that never signed in to this account spends
    // one of the account's attempts, wherever it comes from; past them it is
    // refused before any password work, right or wrong. The owner's browser
    // (its device cookie) is exempt, so guessing cannot lock the owner out.
    if mode == FormMode::SignIn && !device::knows(&state.device_key, &headers, &account) {
        let generation = match db::unblock_generation(&state.db(), &account) {
            Ok(generation) => generation,
            Err(err) => return OAuthError::from(err).into_response(),
        };
        if let Err(wait) = state.sign_in_guard.account_attempt(&account, generation) {
            tracing::warn!(%ip, "account locked: too many sign-in attempts from browsers it does not know");
            let retry = wait.as_secs().max(1);
            return refused(StatusCode::TOO_MANY_REQUESTS, LOCKED, Some(retry));
        }
    }
    let outcome = match mode {
        FormMode::SignIn => sign_in(state.clone(), email.clone(), password).await,
        FormMode::SignUp => sign_up(state.clone(), email.clone(), password, shown_shape).await,
    };
    match outcome {
        Ok(Outcome::SignedIn(sub)) => match session::start(&state, &sub) {
            Ok((cookie, hash)) => {
                let mut response = grant(&state, &request, &sub, Some(cookie), Some(hash));
                // This browser is now one that signed in to the account.
                let device = device::remember(&state.device_key, &headers, &account);
                if let (true, Ok(value)) = (response.status().is_redirection(), device.parse()) {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
                response
            }
            Err(err) => OAuthError::from(err).into_response(),
        },
        Ok(Outcome::Busy) => refused(StatusCode::SERVICE_UNAVAILABLE, BUSY, Some(5)),
        Ok(Outcome::WrongCredentials) => again(WRONG_CREDENTIALS),
        Ok(Outcome::Refused(message)) => again(message),
        Err(err) => OAuthError::from(err).into_response(),
    }
}

const WRONG_CREDENTIALS: &str = "Wrong email or password.";

const UNKNOWN_SHAPE: &str = "Unknown kind of account: choose one of those offered \
                             (new, zkevm, imx-zkevm or imx).";

const LOCKED: &str = "Too many failed sign-in attempts for this account. It is blocked for a \
                      while: try again later, or from a browser you signed in to it with before.";

/// 429 with `Retry-After`, as the error page.
fn too_many(wait: std::time::Duration, message: &str) -> Response {
    let retry = wait.as_secs().max(1).to_string();
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, retry)],
        Html(crate::html::error_page(message)),
    )
        .into_response()
}
