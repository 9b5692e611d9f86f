//! The OAuth mechanics on the `oauth2` crate: the authorization URL with PKCE,
//! state, nonce and audience; the code exchange; refresh; revocation. The HTTP
//! client is a parameter, so this runs natively in tests and on fetch in the browser.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthUrl, ClientId, CsrfToken, EndpointNotSet, EndpointSet, ExtraTokenFields, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, RevocationUrl, Scope, StandardRevocableToken,
    StandardTokenResponse, TokenResponse as _, TokenUrl,
};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::config::PassportConfig;
use crate::pending::{Flow, PendingLogin};
use crate::secret::{
    AccessToken, AuthorizationCode, CodeVerifier, IdToken, LoginState, Nonce, RefreshToken,
};

/// Keeps the `id_token` that the basic token response would drop.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IdTokenField {
    /// The ID token of the response.
    #[serde(default)]
    pub id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenField {}

/// The token endpoint's response, with the ID token.
pub type PassportTokenResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;

/// The configured OAuth client: authorization, token and revocation endpoints set.
pub type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    PassportTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
    EndpointSet,
>;

/// Builds the OAuth client from the configuration (Auth0-style endpoint paths).
pub fn client(config: &PassportConfig) -> OAuthClient {
    oauth2::Client::new(ClientId::new(config.client_id.clone()))
        .set_auth_uri(AuthUrl::from_url(config.authority_endpoint("authorize")))
        .set_token_uri(TokenUrl::from_url(config.authority_endpoint("oauth/token")))
        .set_revocation_url(RevocationUrl::from_url(
            config.authority_endpoint("oauth/revoke"),
        ))
        .set_redirect_uri(RedirectUrl::from_url(config.redirect_uri.clone()))
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
    pub url: Url,
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
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let nonce = CsrfToken::new_random().secret().clone();
    // The state carries the starting origin after a random part, so a callback
    // that lands on another host can say where sign-in started.
    let state_value = format!(
        "{}.{}",
        CsrfToken::new_random().secret(),
        URL_SAFE_NO_PAD.encode(origin)
    );
    let (url, state) = client(config)
        .authorize_url(move || CsrfToken::new(state_value))
        .add_scopes(
            config
                .scope
                .split_whitespace()
                .map(|s| Scope::new(s.to_owned())),
        )
        .add_extra_param("audience", config.audience.clone())
        .add_extra_param("nonce", nonce.clone())
        .set_pkce_challenge(challenge)
        .url();
    AuthorizeRequest {
        url,
        pending: PendingLogin {
            state: LoginState::new(state.secret().clone()),
            verifier: CodeVerifier::new(verifier.secret().clone()),
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
    let parsed = Url::parse(&origin).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.origin().ascii_serialization())
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

fn classify<E: std::error::Error + 'static>(
    err: RequestTokenError<E, BasicErrorResponse>,
) -> TokenEndpointError {
    match err {
        RequestTokenError::ServerResponse(response) => TokenEndpointError::Rejected {
            error: response.error().as_ref().to_owned(),
            description: response.error_description().cloned(),
        },
        RequestTokenError::Request(err) => TokenEndpointError::Network(err.to_string()),
        RequestTokenError::Parse(err, _) => TokenEndpointError::InvalidResponse(err.to_string()),
        RequestTokenError::Other(message) => TokenEndpointError::InvalidResponse(message),
    }
}

fn issued(response: PassportTokenResponse) -> Result<IssuedTokens, TokenEndpointError> {
    let id_token = response.extra_fields().id_token.clone().ok_or_else(|| {
        TokenEndpointError::InvalidResponse("no id_token in the token response".into())
    })?;
    Ok(IssuedTokens {
        access_token: AccessToken::new(response.access_token().secret().clone()),
        id_token: IdToken::new(id_token),
        refresh_token: response
            .refresh_token()
            .map(|t| RefreshToken::new(t.secret().clone())),
        expires_in: response.expires_in().map(|d| d.as_secs() as i64),
    })
}

/// Exchanges an authorization code (with its PKCE verifier) for tokens.
pub async fn exchange_code<C>(
    config: &PassportConfig,
    http: &C,
    code: &AuthorizationCode,
    verifier: &CodeVerifier,
) -> Result<IssuedTokens, TokenEndpointError>
where
    C: for<'c> oauth2::AsyncHttpClient<'c>,
{
    let client = client(config);
    let response = client
        .exchange_code(oauth2::AuthorizationCode::new(code.secret().to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(verifier.secret().to_owned()))
        .request_async(http)
        .await
        .map_err(classify)?;
    issued(response)
}

/// Exchanges a refresh token for new tokens.
pub async fn refresh<C>(
    config: &PassportConfig,
    http: &C,
    refresh_token: &RefreshToken,
) -> Result<IssuedTokens, TokenEndpointError>
where
    C: for<'c> oauth2::AsyncHttpClient<'c>,
{
    let token = oauth2::RefreshToken::new(refresh_token.secret().to_owned());
    let client = client(config);
    let response = client
        .exchange_refresh_token(&token)
        .request_async(http)
        .await
        .map_err(classify)?;
    issued(response)
}

/// The RFC 7009 revocation request for a refresh token. Built here rather than
/// with `oauth2::Client::revoke_token`, which refuses plain-http endpoints and so
/// could not talk to the local Passport.
pub fn revocation_request(
    config: &PassportConfig,
    refresh_token: &RefreshToken,
) -> oauth2::HttpRequest {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", refresh_token.secret())
        .append_pair("token_type_hint", "refresh_token")
        .append_pair("client_id", &config.client_id)
        .finish();
    http::Request::builder()
        .method(http::Method::POST)
        .uri(config.authority_endpoint("oauth/revoke").as_str())
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(http::header::ACCEPT, "application/json")
        .body(body.into_bytes())
        .expect("a valid request")
}

/// Revokes a refresh token (and with it, its rotation family).
pub async fn revoke<C>(
    config: &PassportConfig,
    http: &C,
    refresh_token: &RefreshToken,
) -> Result<(), String>
where
    C: for<'c> oauth2::AsyncHttpClient<'c>,
{
    let response = http
        .call(revocation_request(config, refresh_token))
        .await
        .map_err(|e| e.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!(
            "the provider answered HTTP {}",
            response.status().as_u16()
        ))
    }
}

/// The provider's logout URL that returns to `logout_redirect_uri`.
pub fn logout_url(config: &PassportConfig) -> Url {
    let mut url = config.authority_endpoint("v2/logout");
    url.query_pairs_mut()
        .append_pair("client_id", &config.client_id)
        .append_pair("returnTo", config.logout_redirect_uri.as_str());
    url
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

    fn param(url: &Url, name: &str) -> Option<String> {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
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
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
            request.pending.verifier.secret().to_owned(),
        ));
        assert_eq!(
            param(url, "code_challenge").as_deref(),
            Some(challenge.as_str())
        );
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
        c.authority = Url::parse("https://auth.example.test/tenant").unwrap();
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

    #[derive(Debug, thiserror::Error)]
    #[error("offline")]
    struct Offline;

    fn respond(
        status: u16,
        body: &'static str,
    ) -> impl Fn(oauth2::HttpRequest) -> std::future::Ready<Result<oauth2::HttpResponse, Offline>>
    {
        move |_request| {
            std::future::ready(Ok(http::Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(body.as_bytes().to_vec())
                .unwrap()))
        }
    }

    #[test]
    fn revocation_posts_the_refresh_token_with_the_client_id() {
        let request = revocation_request(&config(), &RefreshToken::new("r/1"));
        assert_eq!(
            request.uri().to_string(),
            "http://127.0.0.1:8081/oauth/revoke"
        );
        let body = String::from_utf8(request.body().clone()).unwrap();
        assert_eq!(
            body,
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
        let http =
            |_r: oauth2::HttpRequest| std::future::ready(Err::<oauth2::HttpResponse, _>(Offline));
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
