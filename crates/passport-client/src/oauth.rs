//! The OAuth mechanics on the `oauth2` crate: the authorization URL with PKCE
//! (S256), state, nonce and audience; the code exchange; refresh; revocation
//! (RFC 6749, 7636, 7009). [`OAuthClient`] is built once from the
//! configuration; the HTTP client is a parameter (oauth2's `AsyncHttpClient`),
//! so this runs natively in tests and on fetch in the browser.

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AsyncHttpClient, AuthUrl, ClientId, ConfigurationError, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError,
    RevocationUrl, Scope, StandardErrorResponse, StandardRevocableToken, StandardTokenResponse,
    TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};

use crate::address::Address;
use crate::config::PassportConfig;
pub use crate::error::TokenEndpointError;
use crate::http::{HttpError, HttpRequest};
use crate::pending::{Flow, PendingLogin};
use crate::secret::{
    AccessToken, AuthorizationCode, CodeVerifier, IdToken, LoginState, Nonce, RefreshToken,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// The field OpenID Connect adds to the token response.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdTokenField {
    /// The ID token; required here, but read as optional so that its absence
    /// is named instead of reported as a parse failure. Redacted in `Debug`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<IdToken>,
}

impl ExtraTokenFields for IdTokenField {}

/// The token endpoint's answer.
pub type OidcTokenResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;

/// oauth2's client with the endpoints this app uses: authorization, token and
/// revocation (no device or introspection endpoint).
type Oauth2Client = oauth2::Client<
    BasicErrorResponse,
    OidcTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
    EndpointSet,
>;

/// The HTTP clients the requests run on: fetch in the browser, fakes in tests.
pub trait HttpClient: for<'c> AsyncHttpClient<'c, Error = HttpError> {}

impl<T> HttpClient for T where T: for<'c> AsyncHttpClient<'c, Error = HttpError> {}

/// The identity provider's OAuth client, built once from the configuration.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    client: Oauth2Client,
    scopes: Vec<Scope>,
    audience: String,
    revocation_url: Address,
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

/// The SDK's direct login: straight to one sign-in method.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MarketingConsent {
    /// Opted in.
    OptedIn,
    /// Unsubscribed.
    Unsubscribed,
    /// Subscribed.
    Subscribed,
}

/// A direct login (`LoginOptions::direct`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

impl<T> From<RequestTokenError<HttpError, StandardErrorResponse<T>>> for TokenEndpointError
where
    T: oauth2::ErrorResponseType + AsRef<str> + std::fmt::Display,
{
    fn from(err: RequestTokenError<HttpError, StandardErrorResponse<T>>) -> Self {
        match err {
            RequestTokenError::ServerResponse(answer) => TokenEndpointError::Rejected {
                error: answer.error().as_ref().to_owned(),
                description: answer.error_description().cloned(),
            },
            RequestTokenError::Request(http) => TokenEndpointError::Network(http),
            // Only the place is named: a value in the body may be a token.
            RequestTokenError::Parse(err, _) => TokenEndpointError::InvalidResponse(
                format!("`{}` is missing or malformed", err.path()).into(),
            ),
            RequestTokenError::Other(message) => {
                TokenEndpointError::InvalidResponse(message.into())
            }
        }
    }
}

impl OAuthClient {
    /// The client for this configuration's provider, redirect URI and scopes.
    pub fn new(config: &PassportConfig) -> Self {
        let endpoint = |path: &str| config.authority_endpoint(path).url().clone();
        let revocation_url = config.authority_endpoint("oauth/revoke");
        let client = oauth2::Client::new(ClientId::new(config.client_id.clone()))
            .set_auth_uri(AuthUrl::from_url(endpoint("authorize")))
            .set_token_uri(TokenUrl::from_url(endpoint("oauth/token")))
            .set_revocation_url(RevocationUrl::from_url(revocation_url.url().clone()))
            .set_redirect_uri(RedirectUrl::from_url(config.redirect_uri.url().clone()));
        OAuthClient {
            client,
            scopes: config
                .scope
                .split_whitespace()
                .map(|s| Scope::new(s.to_owned()))
                .collect(),
            audience: config.audience.clone(),
            revocation_url,
        }
    }

    /// Creates PKCE, state and nonce and the authorization URL for them, with a
    /// direct login's parameters when given.
    pub fn authorize(
        &self,
        flow: Flow,
        origin: &str,
        now_ms: f64,
        direct: Option<&DirectLogin>,
    ) -> AuthorizeRequest {
        // 32 random bytes: a 43-character verifier, the shortest RFC 7636 allows.
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        // oauth2 has no nonce type; its CSRF token is the same 128 random bits.
        let nonce = CsrfToken::new_random().into_secret();
        // The state carries the starting origin after a random part, so a
        // callback that lands on another host can say where sign-in started.
        let state = CsrfToken::new(format!(
            "{}.{}",
            CsrfToken::new_random().secret(),
            URL_SAFE_NO_PAD.encode(origin)
        ));
        let mut request = self
            .client
            .authorize_url(|| state)
            .set_pkce_challenge(challenge)
            .add_scopes(self.scopes.iter().cloned())
            .add_extra_param("audience", self.audience.clone())
            .add_extra_param("nonce", nonce.clone());
        for (name, value) in direct.map(DirectLogin::query_pairs).unwrap_or_default() {
            request = request.add_extra_param(name, value);
        }
        let (url, state) = request.url();
        AuthorizeRequest {
            // The authorization endpoint with a query: still the provider's address.
            url: Address::from_url(url),
            pending: PendingLogin {
                state: LoginState::new(state.into_secret()),
                verifier: CodeVerifier::new(verifier.into_secret()),
                nonce: Nonce::new(nonce),
                flow,
                origin: origin.to_owned(),
                created_at_ms: now_ms,
            },
        }
    }

    /// Exchanges an authorization code (with its PKCE verifier) for tokens.
    pub async fn exchange_code(
        &self,
        http: &impl HttpClient,
        code: &AuthorizationCode,
        verifier: &CodeVerifier,
    ) -> Result<IssuedTokens, TokenEndpointError> {
        let response = self
            .client
            .exchange_code(oauth2::AuthorizationCode::new(code.secret().to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.secret().to_owned()))
            .request_async(http)
            .await?;
        issued(response)
    }

    /// Exchanges a refresh token for new tokens.
    pub async fn refresh(
        &self,
        http: &impl HttpClient,
        refresh_token: &RefreshToken,
    ) -> Result<IssuedTokens, TokenEndpointError> {
        let token = oauth2::RefreshToken::new(refresh_token.secret().to_owned());
        let response = self
            .client
            .exchange_refresh_token(&token)
            .request_async(http)
            .await?;
        issued(response)
    }

    /// Revokes a refresh token (and with it, its rotation family). oauth2
    /// revokes over https only, as RFC 7009 says; the local Passport on a
    /// loopback address is plain http, and there alone the same RFC 7009 form
    /// is posted by [`OAuthClient::plain_http_revocation`].
    pub async fn revoke(
        &self,
        http: &impl HttpClient,
        refresh_token: &RefreshToken,
    ) -> Result<(), TokenEndpointError> {
        let token = StandardRevocableToken::RefreshToken(oauth2::RefreshToken::new(
            refresh_token.secret().to_owned(),
        ));
        match self.client.revoke_token(token) {
            Ok(request) => request
                .request_async(http)
                .await
                .map_err(TokenEndpointError::from),
            Err(ConfigurationError::InsecureUrl(_)) if self.revocation_url.is_loopback() => {
                let request = self.plain_http_revocation(refresh_token);
                let response = http
                    .call(request)
                    .await
                    .map_err(TokenEndpointError::Network)?;
                match crate::http::success_body(response) {
                    Ok(_) => Ok(()),
                    Err(HttpError::Status { status, .. }) => {
                        Err(TokenEndpointError::InvalidResponse(
                            format!("revocation answered HTTP {status}").into(),
                        ))
                    }
                    Err(other) => Err(TokenEndpointError::Network(other)),
                }
            }
            Err(_) => Err(TokenEndpointError::InvalidResponse(
                "refusing to revoke a token over plain http to a host that is not this machine"
                    .into(),
            )),
        }
    }

    /// The RFC 7009 request oauth2 would send, for the plain-http loopback provider.
    pub fn plain_http_revocation(&self, refresh_token: &RefreshToken) -> HttpRequest {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("token", refresh_token.secret())
            .append_pair("token_type_hint", "refresh_token")
            .append_pair("client_id", self.client.client_id().as_str())
            .finish();
        let mut request = HttpRequest::new(body.into_bytes());
        *request.method_mut() = oauth2::http::Method::POST;
        if let Ok(uri) = self.revocation_url.as_str().parse() {
            *request.uri_mut() = uri;
        }
        let headers = request.headers_mut();
        headers.insert(
            oauth2::http::header::CONTENT_TYPE,
            oauth2::http::HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        headers.insert(
            oauth2::http::header::ACCEPT,
            oauth2::http::HeaderValue::from_static("application/json"),
        );
        request
    }
}

/// The tokens of a successful answer; OpenID Connect requires the ID token.
fn issued(response: OidcTokenResponse) -> Result<IssuedTokens, TokenEndpointError> {
    let id_token = response.extra_fields().id_token.clone().ok_or(
        TokenEndpointError::InvalidResponse("no id_token in the token response".into()),
    )?;
    Ok(IssuedTokens {
        access_token: AccessToken::new(response.access_token().secret().to_owned()),
        id_token,
        refresh_token: response
            .refresh_token()
            .map(|t| RefreshToken::new(t.secret().to_owned())),
        expires_in: response
            .expires_in()
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
    })
}

/// The provider's logout URL that returns to `logout_redirect_uri`.
pub fn logout_url(config: &PassportConfig) -> Address {
    config.authority_endpoint("v2/logout").with_query_pairs(&[
        ("client_id", &config.client_id),
        ("returnTo", config.logout_redirect_uri.as_str()),
    ])
}

/// The logout URL for a hidden frame: it also names the session by the ID
/// token (OIDC RP-Initiated Logout's `id_token_hint`). A frame on another
/// site than the provider's carries no session cookie in any engine
/// (SameSite=Lax; Firefox and WebKit also partition third-party cookies), so
/// a provider that honours the hint can end the session without one.
pub fn silent_logout_url(config: &PassportConfig, id_token: Option<&IdToken>) -> Address {
    let url = logout_url(config);
    match id_token {
        Some(token) => url.with_query_pairs(&[("id_token_hint", token.secret())]),
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpResponse;
    use crate::test_support::{json_response, poll_once};

    fn config() -> PassportConfig {
        crate::test_support::local_config()
    }

    /// The S256 PKCE challenge of a verifier (RFC 7636 §4.2), as oauth2 computes it.
    fn pkce_challenge(verifier: &str) -> String {
        PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(verifier.to_owned()))
            .as_str()
            .to_owned()
    }

    fn client() -> OAuthClient {
        OAuthClient::new(&config())
    }

    fn authorize(flow: Flow, origin: &str, now_ms: f64) -> AuthorizeRequest {
        client().authorize(flow, origin, now_ms, None)
    }

    fn param(url: &Address, name: &str) -> Option<String> {
        url.query_param(name)
    }

    #[test]
    fn the_authorize_url_carries_pkce_state_nonce_audience_and_scope() {
        let request = authorize(Flow::Popup, "http://localhost:8080", 5.0);
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
        let request = authorize(Flow::Redirect, "http://localhost:8080", 0.0);
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
        let request = client().authorize(Flow::Popup, "o", 0.0, Some(&direct));
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
        let request = client().authorize(Flow::Popup, "o", 0.0, Some(&google));
        assert_eq!(request.url.query_param("direct").as_deref(), Some("google"));
        assert_eq!(request.url.query_param("email"), None);
        assert_eq!(request.url.query_param("marketingConsent"), None);
        let a = authorize(Flow::Popup, "o", 0.0);
        let b = authorize(Flow::Popup, "o", 0.0);
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

    #[test]
    fn silent_logout_url_names_the_session_by_its_id_token() {
        let token = IdToken::new("header.claims.signature");
        let url = silent_logout_url(&config(), Some(&token));
        assert_eq!(
            param(&url, "id_token_hint").as_deref(),
            Some("header.claims.signature")
        );
        assert_eq!(
            param(&url, "returnTo").as_deref(),
            Some("http://localhost:8080/")
        );
        assert_eq!(param(&silent_logout_url(&config(), None), "id_token_hint"), None);
    }

    /// A fake provider answering every request alike.
    fn respond(
        status: u16,
        body: &'static str,
    ) -> impl Fn(HttpRequest) -> std::future::Ready<Result<HttpResponse, HttpError>> {
        move |_request| std::future::ready(Ok(json_response(status, body)))
    }

    /// A fake provider that keeps what it was sent.
    fn recording<'s>(
        seen: &'s std::cell::RefCell<Vec<HttpRequest>>,
        status: u16,
        body: &'static str,
    ) -> impl Fn(HttpRequest) -> std::future::Ready<Result<HttpResponse, HttpError>> + 's {
        move |request| {
            seen.borrow_mut().push(request);
            std::future::ready(Ok(json_response(status, body)))
        }
    }

    fn form_of(request: &HttpRequest) -> Vec<(String, String)> {
        form_urlencoded::parse(request.body())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
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
        let seen = std::cell::RefCell::new(Vec::new());
        let http = recording(
            &seen,
            200,
            r#"{"access_token":"a","id_token":"i","token_type":"Bearer"}"#,
        );
        let code = AuthorizationCode::new("c/1");
        let verifier = CodeVerifier::new("v");
        poll_once(client().exchange_code(&http, &code, &verifier)).unwrap();
        let request = &seen.borrow()[0];
        assert_eq!(request.method(), "POST");
        assert_eq!(request.uri(), "http://127.0.0.1:8081/oauth/token");
        assert_eq!(
            request.headers()["content-type"],
            "application/x-www-form-urlencoded"
        );
        let form = form_of(request);
        for (name, value) in [
            ("grant_type", "authorization_code"),
            ("code", "c/1"),
            ("code_verifier", "v"),
            ("redirect_uri", "http://localhost:8080/redirect"),
            ("client_id", "local-passport-app"),
        ] {
            assert!(
                form.contains(&(name.to_owned(), value.to_owned())),
                "{name} in {form:?}"
            );
        }
        assert!(
            request.headers().get("authorization").is_none(),
            "a public client"
        );
    }

    #[test]
    fn revocation_over_https_goes_through_oauth2() {
        let mut config = config();
        config.authority = Address::parse("https://auth.example.test/").unwrap();
        let seen = std::cell::RefCell::new(Vec::new());
        let http = recording(&seen, 200, "{}");
        let client = OAuthClient::new(&config);
        poll_once(client.revoke(&http, &RefreshToken::new("r/1"))).unwrap();
        let request = &seen.borrow()[0];
        assert_eq!(request.uri(), "https://auth.example.test/oauth/revoke");
        let form = form_of(request);
        assert!(form.contains(&("token".into(), "r/1".into())));
        assert!(form.contains(&("token_type_hint".into(), "refresh_token".into())));
        assert!(form.contains(&("client_id".into(), "local-passport-app".into())));
    }

    #[test]
    fn revocation_over_plain_http_is_sent_to_this_machine_only() {
        let seen = std::cell::RefCell::new(Vec::new());
        let http = recording(&seen, 200, "");
        poll_once(client().revoke(&http, &RefreshToken::new("r/1"))).unwrap();
        let request = &seen.borrow()[0];
        assert_eq!(request.uri(), "http://127.0.0.1:8081/oauth/revoke");
        assert_eq!(
            std::str::from_utf8(request.body()).unwrap(),
            "token=r%2F1&token_type_hint=refresh_token&client_id=local-passport-app"
        );

        let mut remote = config();
        remote.authority = Address::parse("http://auth.example.test/").unwrap();
        let seen = std::cell::RefCell::new(Vec::new());
        let http = recording(&seen, 200, "");
        let err = poll_once(
            OAuthClient::new(&remote).revoke(&http, &RefreshToken::new("r")),
        )
        .unwrap_err();
        assert!(
            matches!(err, TokenEndpointError::InvalidResponse(_)),
            "{err:?}"
        );
        assert!(seen.borrow().is_empty(), "nothing was sent");
    }

    #[test]
    fn a_token_response_keeps_the_id_token() {
        let http = respond(
            200,
            r#"{"access_token":"a","id_token":"i","refresh_token":"r","token_type":"Bearer","expires_in":60}"#,
        );
        let tokens = poll_once(client().refresh(&http, &RefreshToken::new("old"))).unwrap();
        assert_eq!(tokens.id_token.secret(), "i");
        assert_eq!(tokens.refresh_token.unwrap().secret(), "r");
        assert_eq!(tokens.expires_in, Some(60));
    }

    #[test]
    fn a_printed_token_response_shows_no_token() {
        let response: OidcTokenResponse = serde_json::from_str(
            r#"{"access_token":"Zq8access","id_token":"Zq8idtoken","refresh_token":"Zq8refresh","token_type":"Bearer"}"#,
        )
        .unwrap();
        let printed = format!("{response:?}");
        assert!(!printed.contains("Zq8"), "{printed}");
    }

    #[test]
    fn invalid_grant_is_a_rejection_and_not_retryable() {
        let http = respond(
            400,
            r#"{"error":"invalid_grant","error_description":"revoked"}"#,
        );
        let err = poll_once(client().refresh(&http, &RefreshToken::new("old"))).unwrap_err();
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
        let http = |_request: HttpRequest| std::future::ready(Err(HttpError::Offline));
        let err = poll_once(client().refresh(&http, &RefreshToken::new("old"))).unwrap_err();
        assert_eq!(err, TokenEndpointError::Network(HttpError::Offline));
        assert!(err.is_retryable(), "{err:?}");
    }

    #[test]
    fn a_response_without_id_token_is_invalid() {
        let http = respond(200, r#"{"access_token":"a","token_type":"Bearer"}"#);
        let err = poll_once(client().refresh(&http, &RefreshToken::new("old"))).unwrap_err();
        assert!(matches!(err, TokenEndpointError::InvalidResponse(_)));
    }

    #[test]
    fn a_malformed_answer_names_the_field_and_not_its_value() {
        let http = respond(200, r#"{"access_token":"secret-value","token_type":7}"#);
        let err = poll_once(client().refresh(&http, &RefreshToken::new("old"))).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("token_type"), "{message}");
        assert!(!message.contains("secret-value"), "{message}");
        let http = respond(502, "<html>bad gateway</html>");
        let err = poll_once(client().refresh(&http, &RefreshToken::new("old"))).unwrap_err();
        assert!(
            matches!(err, TokenEndpointError::InvalidResponse(_)),
            "{err:?}"
        );
    }
}
