//! `/authorize`: validates the request, signs the user in (form or session
//! cookie) and redirects back with a single-use code.
//!
//! Until the client and redirect URI are known to be registered, errors are an
//! error page and never a redirect (RFC 6749 §4.1.2.1); after that, errors go
//! back to the client as `error` and `error_description` with the `state`.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::extract::rejection::{FormRejection, QueryRejection};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use axum::Form;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use url::Url;

use super::session;
use super::sign_in_page::{self, FormMessage, FormMode};
use crate::accounts::{NewAccount, Shape};
use crate::db::{self, AuthCode, User};
use crate::secrets::{hash_secret, random_id, random_token};
use crate::state::{AppState, Shared};

/// The parameters of an authorization request, as sent by the client.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub audience: Option<String>,
    pub prompt: Option<String>,
    /// `signup` opens the create-account form (Auth0's `screen_hint`).
    pub screen_hint: Option<String>,
    /// The SDK's direct login: `email`, `google`, `apple` or `facebook`.
    pub direct: Option<String>,
    /// With `direct=email`: the address to fill in.
    #[serde(rename = "email")]
    pub direct_email: Option<String>,
    /// The SDK's `marketingConsent` (accepted; nothing is mailed here).
    #[serde(rename = "marketingConsent")]
    pub marketing_consent: Option<String>,
}

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

/// A request that passed validation.
pub struct ValidRequest {
    pub params: AuthorizeParams,
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub scope: String,
    pub client_name: String,
}

/// Why a request was refused.
pub enum Refusal {
    /// Client or redirect URI not trusted: show a page, never redirect.
    Page(StatusCode, String),
    /// Tell the client, by redirect.
    Redirect {
        redirect_uri: String,
        error: &'static str,
        description: String,
        state: Option<String>,
    },
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Page(status, message) => {
                (status, Html(sign_in_page::error_page(&message))).into_response()
            }
            Refusal::Redirect {
                redirect_uri,
                error,
                description,
                state,
            } => {
                let mut url = Url::parse(&redirect_uri).expect("registered redirect URIs are URLs");
                url.query_pairs_mut()
                    .append_pair("error", error)
                    .append_pair("error_description", &description);
                if let Some(state) = state {
                    url.query_pairs_mut().append_pair("state", &state);
                }
                Redirect::to(url.as_str()).into_response()
            }
        }
    }
}

const MAX_PARAM_LEN: usize = 2048;

/// Argon2 takes any length, but nobody types more; the cap bounds the work.
const MAX_PASSWORD_BYTES: usize = 1024;

const TOO_LONG: &str = "This password is too long: use at most 1024 bytes.";

const MALFORMED: &str =
    "This sign-in request is malformed. Start sign-in again from the application.";

/// Checks client, redirect URI, response type, PKCE and scope.
pub fn validate(state: &AppState, params: AuthorizeParams) -> Result<ValidRequest, Refusal> {
    let too_long = [
        &params.state,
        &params.nonce,
        &params.scope,
        &params.audience,
        &params.code_challenge,
    ]
    .iter()
    .any(|p| p.as_ref().is_some_and(|v| v.len() > MAX_PARAM_LEN));
    let client_id = params.client_id.clone().unwrap_or_default();
    let Some(client) = state.clients.get(&client_id) else {
        return Err(Refusal::Page(
            StatusCode::BAD_REQUEST,
            format!(
                "Unknown client “{}”. The application is not registered with this Passport.",
                client_id
            ),
        ));
    };
    let redirect_uri = params.redirect_uri.clone().unwrap_or_default();
    if !client.allows_redirect(&redirect_uri) {
        return Err(Refusal::Page(
            StatusCode::BAD_REQUEST,
            format!(
                "The redirect URI “{redirect_uri}” is not registered for this application. \
                 Registered: {}.",
                client.redirect_uris.join(", ")
            ),
        ));
    }
    // An over-long state is not echoed back: the refusal would carry it.
    let echoed_state = params.state.clone().filter(|s| s.len() <= MAX_PARAM_LEN);
    let refuse = |error: &'static str, description: &str| Refusal::Redirect {
        redirect_uri: redirect_uri.clone(),
        error,
        description: description.to_owned(),
        state: echoed_state.clone(),
    };
    if too_long {
        return Err(refuse("invalid_request", "a parameter is too long"));
    }
    if params.response_type.as_deref() != Some("code") {
        return Err(refuse(
            "unsupported_response_type",
            "only response_type=code is supported",
        ));
    }
    let code_challenge = match (
        params.code_challenge.as_deref(),
        params.code_challenge_method.as_deref(),
    ) {
        (Some(challenge), Some("S256")) if is_s256_challenge(challenge) => challenge.to_owned(),
        (Some(_), Some("S256")) => {
            return Err(refuse(
                "invalid_request",
                "code_challenge is not a valid S256 challenge",
            ))
        }
        (Some(_), Some("plain")) | (Some(_), None) => {
            return Err(refuse(
                "invalid_request",
                "PKCE method plain is not allowed; use S256",
            ))
        }
        (Some(_), Some(_)) => {
            return Err(refuse(
                "invalid_request",
                "unsupported code_challenge_method; use S256",
            ))
        }
        (None, _) => {
            return Err(refuse(
                "invalid_request",
                "PKCE is required: send code_challenge with method S256",
            ))
        }
    };
    let asked = params.scope.clone().unwrap_or_default();
    if !asked.split_whitespace().any(|s| s == "openid") {
        return Err(refuse("invalid_scope", "the scope must include openid"));
    }
    // Only what the client is allowed; the rest is left out of the grant.
    let mut granted: Vec<&str> = Vec::new();
    for scope in asked.split_whitespace() {
        if client.scopes.iter().any(|s| s == scope) && !granted.contains(&scope) {
            granted.push(scope);
        }
    }
    let scope = granted.join(" ");
    if let Some(audience) = &params.audience {
        if !client.audiences.iter().any(|a| a == audience) {
            return Err(refuse(
                "access_denied",
                &format!("the client is not allowed to access the API “{audience}”"),
            ));
        }
    }
    Ok(ValidRequest {
        client_id,
        redirect_uri,
        code_challenge,
        scope,
        client_name: client
            .name
            .clone()
            .unwrap_or_else(|| client.client_id.clone()),
        params,
    })
}

fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

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
            Err(err) => return crate::errors::OAuthError::from(err).into_response(),
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
            let form = super::csrf::for_form(&state.csrf_key, &headers, &request);
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
            if state.opts.sign_in_coop {
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
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Response {
    // In-process callers (tests) have no socket: one shared key for them.
    let ip = peer.map_or(
        IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        |Extension(ConnectInfo(addr))| addr.ip(),
    );
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
    let csrf = match super::csrf::check(&state.csrf_key, &headers, form.csrf.as_deref(), &request) {
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
    if mode == FormMode::SignIn && !super::device::knows(&state.device_key, &headers, &account) {
        let generation = match db::unblock_generation(&state.db(), &account) {
            Ok(generation) => generation,
            Err(err) => return crate::errors::OAuthError::from(err).into_response(),
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
                let device = super::device::remember(&state.device_key, &headers, &account);
                if let (true, Ok(value)) = (response.status().is_redirection(), device.parse()) {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
                response
            }
            Err(err) => crate::errors::OAuthError::from(err).into_response(),
        },
        Ok(Outcome::Busy) => refused(StatusCode::SERVICE_UNAVAILABLE, BUSY, Some(5)),
        Ok(Outcome::WrongCredentials) => again(WRONG_CREDENTIALS),
        Ok(Outcome::Refused(message)) => again(message),
        Err(err) => crate::errors::OAuthError::from(err).into_response(),
    }
}

/// An email address as accounts store it: trimmed, and in NFC, so an
/// address typed with decomposed accents is the same account.
pub(crate) fn normalise_email(email: &str) -> String {
    email.trim().nfc().collect()
}

/// Whether `email` (normalised) is an address a new account may have.
pub(crate) fn check_email(email: &str) -> Result<(), &'static str> {
    // One `@`; a local part of at most 64 bytes without leading, trailing or
    // doubled dots; a domain of dot-separated labels (letters, digits, hyphens
    // not at either end, any non-ASCII letter for internationalised names).
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            let dots_ok = |part: &str| {
                !part.is_empty()
                    && !part.starts_with('.')
                    && !part.ends_with('.')
                    && !part.contains("..")
            };
            let label_ok = |label: &str| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            };
            local.len() <= 64
                && dots_ok(local)
                && !domain.contains('@')
                && dots_ok(domain)
                && domain.split('.').all(label_ok)
        })
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || is_invisible(c));
    if valid {
        Ok(())
    } else {
        Err("Enter a valid email address, like name@example.com.")
    }
}

/// Invisible formatting characters (zero-width, bidirectional overrides, BOM,
/// soft hyphen): they make two different addresses look the same.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
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
        Html(sign_in_page::error_page(message)),
    )
        .into_response()
}

/// The most common passwords of 8 characters or more (from the published
/// breach-corpus top lists); compared without case.
const COMMON_PASSWORDS: [&str; 40] = [
    "password",
    "12345678",
    "123456789",
    "1234567890",
    "qwertyuiop",
    "password1",
    "iloveyou",
    "11111111",
    "00000000",
    "abc12345",
    "qwerty123",
    "1q2w3e4r",
    "password123",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "welcome1",
    "trustno1",
    "superman",
    "letmein1",
    "12341234",
    "87654321",
    "qwertyui",
    "asdfghjk",
    "zaq12wsx",
    "passw0rd",
    "starwars",
    "whatever",
    "1qaz2wsx",
    "michelle",
    "jennifer",
    "computer",
    "internet",
    "corvette",
    "mercedes",
    "123123123",
    "987654321",
    "qwerty12",
    "1234qwer",
];

/// The minimum policy for a new password: 8 characters or more (and at most
/// 1024 bytes), not only spaces, not one of the most common passwords.
pub(crate) fn check_new_password(password: &str) -> Result<(), &'static str> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(TOO_LONG);
    }
    if password.chars().count() < 8 {
        return Err("Choose a password of at least 8 characters.");
    }
    if password.trim().is_empty() {
        return Err("Choose a password that is not only spaces.");
    }
    if COMMON_PASSWORDS.contains(&password.to_lowercase().as_str()) {
        return Err(
            "This password is one of the most common ones and easy to guess. Choose another.",
        );
    }
    Ok(())
}

/// How long a sign-in waits for a free password-hashing slot before a 503.
const HASHING_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

const BUSY: &str = "The sign-in service is busy. Wait a moment and try again.";

/// How a sign-in or sign-up ended, short of a server fault.
enum Outcome {
    /// The account's `sub`.
    SignedIn(String),
    /// Unknown email or wrong password (the same answer for both).
    WrongCredentials,
    /// No hashing slot came free in time.
    Busy,
    /// Refused with this message (a weak password, a taken email).
    Refused(&'static str),
}

/// Runs `work` under the password-hashing bound: `Busy` when no slot came free.
async fn hashed(
    state: &Shared,
    work: impl FnOnce(Shared) -> anyhow::Result<Outcome> + Send + 'static,
) -> anyhow::Result<Outcome> {
    let work_state = state.clone();
    match state
        .hashing
        .run(HASHING_WAIT, move || work(work_state))
        .await
    {
        Some(outcome) => outcome?,
        None => Ok(Outcome::Busy),
    }
}

async fn sign_in(state: Shared, email: String, password: String) -> anyhow::Result<Outcome> {
    hashed(&state, move |state| {
        let user = db::user_by_email(&state.db(), &email)?;
        // Verify against a dummy hash when the email is unknown, so the answer
        // takes as long and says the same: nobody learns which emails exist.
        let hash = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(dummy_hash);
        let parsed = PasswordHash::new(&hash).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(match (user, matches) {
            (Some(user), true) => Outcome::SignedIn(user.sub),
            _ => Outcome::WrongCredentials,
        })
    })
    .await
}

fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| hash_password("not a real password").expect("argon2 hashes a constant"))
        .clone()
}

fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// A new account's user record, with the sign-up form's checks (the email,
/// normalised; the password policy) and its password hashed with argon2:
/// the refusal's message, or the user. The form and `users add` share it.
pub(crate) fn new_account(
    email: &str,
    password: &str,
) -> anyhow::Result<Result<User, &'static str>> {
    let email = normalise_email(email);
    if let Err(message) = check_email(&email).and_then(|()| check_new_password(password)) {
        return Ok(Err(message));
    }
    Ok(Ok(User {
        sub: format!("email|{}", random_id()),
        nickname: email.split('@').next().unwrap_or_default().to_owned(),
        email,
        password_hash: hash_password(password)?,
    }))
}

async fn sign_up(
    state: Shared,
    email: String,
    password: String,
    shape: Shape,
) -> anyhow::Result<Outcome> {
    if let Err(message) = check_new_password(&password) {
        return Ok(Outcome::Refused(message));
    }
    hashed(&state, move |state| {
        let user = match new_account(&email, &password)? {
            Ok(user) => user,
            Err(message) => return Ok(Outcome::Refused(message)),
        };
        // The wallet and the Stark key are derived before the database is held.
        let account = NewAccount::derive(user, shape, None);
        match account.store(&mut state.db(), &state.kek, crate::now())? {
            Ok(account) => {
                tracing::info!(sub = %account.user.sub, %shape, "account created");
                Ok(Outcome::SignedIn(account.user.sub))
            }
            Err(refused) => Ok(Outcome::Refused(refused.message())),
        }
    })
    .await
}

/// Issues a code for `sub` and redirects back to the client.
fn grant(
    state: &AppState,
    request: &ValidRequest,
    sub: &str,
    set_cookie: Option<String>,
    browser_session: Option<String>,
) -> Response {
    let code = random_token();
    let record = AuthCode {
        client_id: request.client_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        code_challenge: request.code_challenge.clone(),
        nonce: request.params.nonce.clone(),
        scope: request.scope.clone(),
        audience: request.params.audience.clone(),
        sub: sub.to_owned(),
        expires_at: crate::now() + state.opts.code_ttl,
        used: false,
        family: None,
        browser_session,
    };
    if let Err(err) = db::insert_code(&state.db(), &hash_secret(&code), &record, crate::now()) {
        return crate::errors::OAuthError::from(err).into_response();
    }
    let mut url = Url::parse(&request.redirect_uri).expect("registered redirect URIs are URLs");
    url.query_pairs_mut().append_pair("code", &code);
    if let Some(st) = &request.params.state {
        url.query_pairs_mut().append_pair("state", st);
    }
    let mut response = Redirect::to(url.as_str()).into_response();
    if let Some(cookie) = set_cookie {
        if let Ok(value) = cookie.parse() {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        "no-store".parse().expect("static header"),
    );
    response
}
