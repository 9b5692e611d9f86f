//! The OAuth mechanics: the authorization URL with PKCE (S256), state, nonce and
//! audience; the code exchange; refresh; revocation (RFC 6749, 7636, 7009).
//! Hand-written over `url`, `sha2` and `getrandom` rather than on the `oauth2`
//! crate: the app needs four plain form POSTs, and `oauth2` with its `http` and
//! `chrono` dependencies cost about a tenth of the wasm bundle. The transport is
//! a parameter, so this runs natively in tests and on fetch in the browser.

use std::future::Future;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::address::Address;
use crate::config::PassportConfig;
use crate::pending::{Flow, PendingLogin};
use crate::secret::{
    AccessToken, AuthorizationCode, CodeVerifier, IdToken, LoginState, Nonce, RefreshToken,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// A form POST to the identity provider (`application/x-www-form-urlencoded`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormPost {
    /// The endpoint.
    pub url: String,
    /// The encoded form.
    pub body: String,
}

/// The provider's answer: status and body.
#[derive(Debug, Clone)]
pub struct HttpReply {
    /// The HTTP status.
    pub status: u16,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// Sends form POSTs: fetch in the browser, a fake in tests. An `Err` means no
/// HTTP answer at all (offline, timeout, CORS) and says why.
pub trait Transport {
    /// Sends `post` and waits for the answer.
    fn post_form(&self, post: FormPost) -> impl Future<Output = Result<HttpReply, String>>;
}

impl<F, Fut> Transport for F
where
    F: Fn(FormPost) -> Fut,
    Fut: Future<Output = Result<HttpReply, String>>,
{
    fn post_form(&self, post: FormPost) -> impl Future<Output = Result<HttpReply, String>> {
        self(post)
    }
}

/// `n` random bytes, base64url: the entropy of state, nonce and PKCE verifier.
fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    getrandom::getrandom(&mut bytes).expect("the platform has a random source");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The S256 PKCE challenge of a verifier (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn form(pairs: &[(&str, &str)]) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        serializer.append_pair(name, value);
    }
    serializer.finish()
}

/// The issuer the ID token must name: the authority, Auth0-style with a trailing `/`.
pub fn expected_issuer(config: &PassportConfig) -> String {
    let authority = config.authority.as_str();
    if authority.ends_with('/') {
        authority.to_owned()
    } else {
        format!("{authority}/")
    }
}

/// A sign-in about to start: where to send the user, and what to remember.
pub struct AuthorizeRequest {
    /// The provider's authorization URL.
    pub url: Address,
    /// What the callback needs; store it before navigating.
    pub pending: PendingLogin,
}

/// Creates PKCE, state and nonce and the authorization URL for them.
pub fn authorize(
    config: &PassportConfig,
    flow: Flow,
    origin: &str,
    now_ms: f64,
) -> AuthorizeRequest {
    authorize_with(config, flow, origin, now_ms, None)
}

/// The SDK's direct login: straight to one sign-in method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectMethod {
    /// Email, with the address to sign in with.
    Email(String),
    /// Google.
    Google,
    /// Apple.
    Apple,
    /// Facebook.
    Facebook,
}

/// The user's answer to marketing email, as the SDK sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarketingConsent {
    /// Opted in.
    OptedIn,
    /// Unsubscribed.
    Unsubscribed,
    /// Subscribed.
    Subscribed,
}

/// A direct login (`LoginOptions::direct`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectLogin {
    /// The method.
    pub method: DirectMethod,
    /// Marketing consent, when the app asked.
    pub marketing_consent: Option<MarketingConsent>,
}

impl DirectLogin {
    /// The `/authorize` parameters, named and valued as `@imtbl/auth` 2.14
    /// sends them (`direct`, `email` for the email method, `marketingConsent`).
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        match &self.method {
            DirectMethod::Email(address) => {
                pairs.push(("direct", "email".to_owned()));
                pairs.push(("email", address.clone()));
            }
            DirectMethod::Google => pairs.push(("direct", "google".to_owned())),
            DirectMethod::Apple => pairs.push(("direct", "apple".to_owned())),
            DirectMethod::Facebook => pairs.push(("direct", "facebook".to_owned())),
        }
        if let Some(consent) = self.marketing_consent {
            let value = match consent {
                MarketingConsent::OptedIn => "opted_in",
                MarketingConsent::Unsubscribed => "unsubscribed",
                MarketingConsent::Subscribed => "subscribed",
            };
            pairs.push(("marketingConsent", value.to_owned()));
        }
        pairs
    }
}

/// [`authorize`], with a direct login's parameters when given.
pub fn authorize_with(
    config: &PassportConfig,
    flow: Flow,
    origin: &str,
    now_ms: f64,
    direct: Option<&DirectLogin>,
) -> AuthorizeRequest {
    // 32 random bytes give a 43-character verifier, the shortest RFC 7636 allows.
    let verifier = random_token(32);
    let nonce = random_token(16);
    // The state carries the starting origin after a random part, so a callback
    // that lands on another host can say where sign-in started.
    let state = format!("{}.{}", random_token(16), URL_SAFE_NO_PAD.encode(origin));
    let url = config.authority_endpoint("authorize").with_query_pairs(&[
        ("response_type", "code"),
        ("client_id", &config.client_id),
        ("redirect_uri", config.redirect_uri.as_str()),
        ("scope", &config.scope),
        ("state", &state),
        ("code_challenge", &pkce_challenge(&verifier)),
        ("code_challenge_method", "S256"),
        ("audience", &config.audience),
        ("nonce", &nonce),
    ]);
    let direct_pairs = direct.map(DirectLogin::query_pairs).unwrap_or_default();
    let extra: Vec<(&str, &str)> = direct_pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let url = if extra.is_empty() {
        url
    } else {
        url.with_query_pairs(&extra)
    };
    AuthorizeRequest {
        url,
        pending: PendingLogin {
            state: LoginState::new(state),
            verifier: CodeVerifier::new(verifier),
            nonce: Nonce::new(nonce),
            flow,
            origin: origin.to_owned(),
            created_at_ms: now_ms,
        },
    }
}

/// The origin a sign-in started on, read back from its `state`.
pub fn origin_from_state(state: &str) -> Option<String> {
    let (_, encoded) = state.rsplit_once('.')?;
    let origin = String::from_utf8(URL_SAFE_NO_PAD.decode(encoded).ok()?).ok()?;
    Address::parse(&origin).ok().map(|a| a.origin())
}

/// Tokens as the token endpoint returned them, before ID token verification.
#[derive(Debug)]
pub struct IssuedTokens {
    /// The access token.
    pub access_token: AccessToken,
    /// The ID token (required: this is OpenID Connect).
    pub id_token: IdToken,
    /// A new refresh token, if the provider rotated or issued one.
    pub refresh_token: Option<RefreshToken>,
    /// Seconds the access token lives, if stated.
    pub expires_in: Option<i64>,
}

/// Why the token endpoint did not give tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenEndpointError {
    /// The provider refused (e.g. `invalid_grant`): retrying will not help.
    #[error("the identity provider refused: {error}{}", description.as_ref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Rejected {
        /// The RFC 6749 error code.
        error: String,
        /// The provider's description.
        description: Option<String>,
    },
    /// The request did not get an answer: offline, timeout, CORS.
    #[error("the identity provider could not be reached: {0}")]
    Network(String),
    /// An answer that is not a token response.
    #[error("the identity provider sent an unexpected response: {0}")]
    InvalidResponse(String),
}

impl TokenEndpointError {
    /// Whether trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, TokenEndpointError::Network(_))
    }
}

/// A token endpoint answer, success or error (RFC 6749 §5.1, §5.2).
#[derive(Deserialize)]
struct TokenReply {
    access_token: Option<String>,
    id_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<i64>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn token_request(
    config: &PassportConfig,
    transport: &impl Transport,
    pairs: &[(&str, &str)],
) -> Result<IssuedTokens, TokenEndpointError> {
    let reply = transport
        .post_form(FormPost {
            url: config.authority_endpoint("oauth/token").into(),
            body: form(pairs),
        })
        .await
        .map_err(TokenEndpointError::Network)?;
    let parsed: Option<TokenReply> = serde_json::from_slice(&reply.body).ok();
    match parsed {
        Some(TokenReply {
            error: Some(error),
            error_description,
            ..
        }) if reply.status >= 400 => Err(TokenEndpointError::Rejected {
            error,
            description: error_description,
        }),
        Some(TokenReply {
            access_token: Some(access_token),
            id_token,
            refresh_token,
            expires_in,
            ..
        }) if (200..300).contains(&reply.status) => Ok(IssuedTokens {
            access_token: AccessToken::new(access_token),
            id_token: IdToken::new(id_token.ok_or_else(|| {
                TokenEndpointError::InvalidResponse("no id_token in the token response".into())
            })?),
            refresh_token: refresh_token.map(RefreshToken::new),
            expires_in,
        }),
        _ => Err(TokenEndpointError::InvalidResponse(format!(
            "HTTP {} without a token response",
            reply.status
        ))),
    }
}

/// Exchanges an authorization code (with its PKCE verifier) for tokens.
pub async fn exchange_code(
    config: &PassportConfig,
    transport: &impl Transport,
    code: &AuthorizationCode,
    verifier: &CodeVerifier,
) -> Result<IssuedTokens, TokenEndpointError> {
    let redirect_uri = config.redirect_uri.as_str();
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code.secret()),
        ("redirect_uri", redirect_uri),
        ("client_id", config.client_id.as_str()),
        ("code_verifier", verifier.secret()),
    ];
    token_request(config, transport, &pairs).await
}

/// Exchanges a refresh token for new tokens.
pub async fn refresh(
    config: &PassportConfig,
    transport: &impl Transport,
    refresh_token: &RefreshToken,
) -> Result<IssuedTokens, TokenEndpointError> {
    let pairs = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.secret()),
        ("client_id", config.client_id.as_str()),
    ];
    token_request(config, transport, &pairs).await
}

/// The RFC 7009 revocation request for a refresh token.
pub fn revocation_request(config: &PassportConfig, refresh_token: &RefreshToken) -> FormPost {
    FormPost {
        url: config.authority_endpoint("oauth/revoke").into(),
        body: form(&[
            ("token", refresh_token.secret()),
            ("token_type_hint", "refresh_token"),
            ("client_id", &config.client_id),
        ]),
    }
}

/// Revokes a refresh token (and with it, its rotation family).
pub async fn revoke(
    config: &PassportConfig,
    transport: &impl Transport,
    refresh_token: &RefreshToken,
) -> Result<(), String> {
    let reply = transport
        .post_form(revocation_request(config, refresh_token))
        .await?;
    if (200..300).contains(&reply.status) {
        Ok(())
    } else {
        Err(format!("the provider answered HTTP {}", reply.status))
    }
}

/// The provider's logout URL that returns to `logout_redirect_uri`.
pub fn logout_url(config: &PassportConfig) -> Address {
    config.authority_endpoint("v2/logout").with_query_pairs(&[
        ("client_id", &config.client_id),
        ("returnTo", config.logout_redirect_uri.as_str()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{PageLocation, RuntimeConfig};
    use crate::test_support::poll_once;

    fn config() -> PassportConfig {
        RuntimeConfig::default()
            .resolve(&PageLocation {
                origin: "http://localhost:8080".into(),
                base_path: "/".into(),
            })
            .unwrap()
    }

    fn param(url: &Address, name: &str) -> Option<String> {
        url.query_param(name)
    }

    #[test]
    fn the_authorize_url_carries_pkce_state_nonce_audience_and_scope() {
        let request = authorize(&config(), Flow::Popup, "http://localhost:8080", 5.0);
        let url = &request.url;
        assert_eq!(
            url.as_str().split('?').next().unwrap(),
            "http://127.0.0.1:8081/authorize"
        );
        assert_eq!(param(url, "response_type").as_deref(), Some("code"));
        assert_eq!(
            param(url, "client_id").as_deref(),
            Some("local-passport-app")
        );
        assert_eq!(
            param(url, "redirect_uri").as_deref(),
            Some("http://localhost:8080/redirect")
        );
        assert_eq!(
            param(url, "scope").as_deref(),
            Some("openid offline_access email transact")
        );
        assert_eq!(param(url, "audience").as_deref(), Some("platform_api"));
        assert_eq!(param(url, "code_challenge_method").as_deref(), Some("S256"));
        assert_eq!(
            param(url, "state").as_deref(),
            Some(request.pending.state.as_str())
        );
        assert_eq!(
            param(url, "nonce").as_deref(),
            Some(request.pending.nonce.secret())
        );
        // The challenge is the S256 of the stored verifier.
        assert_eq!(
            param(url, "code_challenge"),
            Some(pkce_challenge(request.pending.verifier.secret()))
        );
        assert_eq!(request.pending.verifier.secret().len(), 43);
        assert_eq!(request.pending.flow, Flow::Popup);
        assert_eq!(request.pending.created_at_ms, 5.0);
    }

    #[test]
    fn the_state_tells_where_sign_in_started() {
        let request = authorize(&config(), Flow::Redirect, "http://localhost:8080", 0.0);
        assert_eq!(
            origin_from_state(request.pending.state.as_str()).as_deref(),
            Some("http://localhost:8080")
        );
        assert_eq!(origin_from_state("forged"), None);
        assert_eq!(
            origin_from_state("x.amF2YXNjcmlwdDphbGVydCgxKQ"),
            None,
            "javascript: is not an origin"
        );
    }

    #[test]
    fn every_sign_in_gets_fresh_secrets() {
        let direct = DirectLogin {
            method: DirectMethod::Email("ada@example.test".into()),
            marketing_consent: Some(MarketingConsent::OptedIn),
        };
        let request = authorize_with(&config(), Flow::Popup, "o", 0.0, Some(&direct));
        assert_eq!(request.url.query_param("direct").as_deref(), Some("email"));
        assert_eq!(
            request.url.query_param("email").as_deref(),
            Some("ada@example.test")
        );
        assert_eq!(
            request.url.query_param("marketingConsent").as_deref(),
            Some("opted_in")
        );
        let google = DirectLogin {
            method: DirectMethod::Google,
            marketing_consent: None,
        };
        let request = authorize_with(&config(), Flow::Popup, "o", 0.0, Some(&google));
        assert_eq!(request.url.query_param("direct").as_deref(), Some("google"));
        assert_eq!(request.url.query_param("email"), None);
        assert_eq!(request.url.query_param("marketingConsent"), None);
        let a = authorize(&config(), Flow::Popup, "o", 0.0);
        let b = authorize(&config(), Flow::Popup, "o", 0.0);
        assert_ne!(a.pending.state, b.pending.state);
        assert_ne!(a.pending.nonce.secret(), b.pending.nonce.secret());
        assert_ne!(a.pending.verifier.secret(), b.pending.verifier.secret());
    }

    #[test]
    fn issuer_gets_the_auth0_trailing_slash() {
        let mut c = config();
        assert_eq!(expected_issuer(&c), "http://127.0.0.1:8081/");
        c.authority = Address::parse("https://auth.example.test/tenant").unwrap();
        assert_eq!(expected_issuer(&c), "https://auth.example.test/tenant/");
    }

    #[test]
    fn logout_url_names_client_and_return_address() {
        let url = logout_url(&config());
        assert_eq!(
            param(&url, "client_id").as_deref(),
            Some("local-passport-app")
        );
        assert_eq!(
            param(&url, "returnTo").as_deref(),
            Some("http://localhost:8080/")
        );
        assert!(url.path().ends_with("/v2/logout"));
    }

    fn respond(
        status: u16,
        body: &'static str,
    ) -> impl Fn(FormPost) -> std::future::Ready<Result<HttpReply, String>> {
        move |_post| {
            std::future::ready(Ok(HttpReply {
                status,
                body: body.as_bytes().to_vec(),
            }))
        }
    }

    #[test]
    fn pkce_challenge_matches_the_rfc_7636_example() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn the_code_exchange_posts_code_verifier_and_redirect_uri() {
        let seen = std::cell::RefCell::new(None);
        let http = |post: FormPost| {
            *seen.borrow_mut() = Some(post);
            std::future::ready(Ok(HttpReply {
                status: 200,
                body: br#"{"access_token":"a","id_token":"i","token_type":"Bearer"}"#.to_vec(),
            }))
        };
        let code = AuthorizationCode::new("c/1");
        let verifier = CodeVerifier::new("v");
        poll_once(exchange_code(&config(), &http, &code, &verifier)).unwrap();
        let post = seen.into_inner().unwrap();
        assert_eq!(post.url, "http://127.0.0.1:8081/oauth/token");
        assert_eq!(
            post.body,
            "grant_type=authorization_code&code=c%2F1&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fredirect&client_id=local-passport-app&code_verifier=v"
        );
    }

    #[test]
    fn revocation_posts_the_refresh_token_with_the_client_id() {
        let request = revocation_request(&config(), &RefreshToken::new("r/1"));
        assert_eq!(request.url, "http://127.0.0.1:8081/oauth/revoke");
        assert_eq!(
            request.body,
            "token=r%2F1&token_type_hint=refresh_token&client_id=local-passport-app"
        );
    }

    #[test]
    fn a_token_response_keeps_the_id_token() {
        let http = respond(
            200,
            r#"{"access_token":"a","id_token":"i","refresh_token":"r","token_type":"Bearer","expires_in":60}"#,
        );
        let tokens = poll_once(refresh(&config(), &http, &RefreshToken::new("old"))).unwrap();
        assert_eq!(tokens.id_token.secret(), "i");
        assert_eq!(tokens.refresh_token.unwrap().secret(), "r");
        assert_eq!(tokens.expires_in, Some(60));
    }

    #[test]
    fn invalid_grant_is_a_rejection_and_not_retryable() {
        let http = respond(
            400,
            r#"{"error":"invalid_grant","error_description":"revoked"}"#,
        );
        let err = poll_once(refresh(&config(), &http, &RefreshToken::new("old"))).unwrap_err();
        assert_eq!(
            err,
            TokenEndpointError::Rejected {
                error: "invalid_grant".into(),
                description: Some("revoked".into())
            }
        );
        assert!(!err.is_retryable());
    }

    #[test]
    fn a_network_failure_is_retryable() {
        let http = |_post: FormPost| std::future::ready(Err::<HttpReply, _>("offline".into()));
        let err = poll_once(refresh(&config(), &http, &RefreshToken::new("old"))).unwrap_err();
        assert!(err.is_retryable(), "{err:?}");
    }

    #[test]
    fn a_response_without_id_token_is_invalid() {
        let http = respond(200, r#"{"access_token":"a","token_type":"Bearer"}"#);
        let err = poll_once(refresh(&config(), &http, &RefreshToken::new("old"))).unwrap_err();
        assert!(matches!(err, TokenEndpointError::InvalidResponse(_)));
    }
}
