//! The session's protocol: read, store and remove the signed-in user,
//! complete a sign-in's code exchange with a verified ID token, restore, and
//! refresh under the cross-tab lock. It knows no browser: storage, HTTP, the
//! lock, the signature check, the clock and the listeners are ports
//! ([`SessionPorts`]), so every branch is tested natively with fakes; the
//! browser layer (`client.rs`) only adapts.

use std::future::Future;

use crate::config::PassportConfig;
use crate::error::{PassportError, TokenEndpointError};
use crate::jwt::{self, DecodedJwt, Expected};
use crate::oauth::{self, HttpClient, IssuedTokens, OAuthClient};
use crate::pending::PendingLogin;
use crate::secret::{AuthorizationCode, RefreshToken};
use crate::session::{self, AfterRefresh, SessionEvent};
use crate::storage::KeyValueStore;
use crate::user::{self, User};

/// What the session needs from where it runs.
#[allow(async_fn_in_trait)] // used with concrete types only, never `dyn`
pub trait SessionPorts {
    /// Where the user is stored (localStorage in the browser).
    type Store: KeyValueStore;
    /// The HTTP client of the token endpoint.
    type Http: HttpClient;
    /// The store.
    fn store(&self) -> &Self::Store;
    /// The HTTP client.
    fn http(&self) -> &Self::Http;
    /// Now, seconds since the epoch.
    fn now(&self) -> i64;
    /// Checks the ID token's RS256 signature against the provider's key set
    /// at `jwks_url` (the key named by its `kid`).
    async fn verify_signature(&self, token: &DecodedJwt, jwks_url: &str)
        -> Result<(), PassportError>;
    /// Runs `work` holding the lock `name`, shared by every tab of the origin.
    async fn with_lock<T>(&self, name: &str, work: impl Future<Output = T>) -> T;
    /// Tells the listeners what happened to the session.
    fn emit(&self, event: SessionEvent);
    /// A note for the developer console (never with a token in it).
    fn warn(&self, message: &str);
}

/// The user stored under `key`, without any network. Corrupt or foreign
/// content is removed and reported to `warn` once, without its contents.
pub fn read_stored_user(
    store: &impl KeyValueStore,
    key: &str,
    warn: impl Fn(&str),
) -> Option<User> {
    let read = store
        .get_json(key)?
        .map_err(|_| crate::stored_user::StoredUserError::NotJson)
        .and_then(user::from_stored_value);
    match read {
        Ok(user) => Some(user),
        Err(err) => {
            store.remove(key);
            warn(&format!(
                "Passport: {err}; it was removed and you are signed out."
            ));
            None
        }
    }
}

/// The signed-in session of one configuration, over its ports.
#[derive(Debug)]
pub struct SessionCore<P> {
    ports: P,
    config: std::sync::Arc<PassportConfig>,
    oauth: std::sync::Arc<OAuthClient>,
    user_key: String,
}

impl<P: SessionPorts> SessionCore<P> {
    /// The session of `config`; a session of a former release of this client
    /// moves to the shared key first (see [`crate::stored_user`]).
    pub fn new(
        ports: P,
        config: std::sync::Arc<PassportConfig>,
        oauth: std::sync::Arc<OAuthClient>,
    ) -> Self {
        let authority = config.authority.as_str();
        crate::stored_user::migrate_legacy(ports.store(), authority, &config.client_id);
        let user_key = user::storage_key(authority, &config.client_id);
        Self {
            ports,
            config,
            oauth,
            user_key,
        }
    }

    /// The storage key of the signed-in user.
    pub fn user_key(&self) -> &str {
        &self.user_key
    }

    /// The stored user, without any network. Corrupt or foreign content is
    /// removed and reported once, without its contents.
    pub fn stored_user(&self) -> Option<User> {
        read_stored_user(self.ports.store(), &self.user_key, |m| self.ports.warn(m))
    }

    /// Stores `user` where `previous` was, and tells the listeners which it
    /// was: a sign-in or a refresh.
    pub fn store_user(&self, user: &User, previous: Option<&User>) -> Result<(), PassportError> {
        let stored = user::to_stored_value(user);
        if self.ports.store().set_json(&self.user_key, &stored) {
            self.ports.emit(session::on_store(previous, user));
            Ok(())
        } else {
            Err(PassportError::Storage(
                "localStorage is full or disabled".into(),
            ))
        }
    }

    /// Removes the stored user and tells the listeners how the session ended.
    pub fn remove_user(&self, why: SessionEvent) {
        let had_user = self.ports.store().get(&self.user_key).is_some();
        self.ports.store().remove(&self.user_key);
        if had_user {
            self.ports.emit(why);
        }
    }

    /// Exchanges a callback's code, verifies the ID token against the
    /// sign-in's nonce, and stores the user.
    pub async fn complete(
        &self,
        code: &AuthorizationCode,
        pending: &PendingLogin,
    ) -> Result<User, PassportError> {
        let tokens = self
            .oauth
            .exchange_code(self.ports.http(), code, &pending.verifier)
            .await
            .map_err(PassportError::TokenEndpoint)?;
        let user = self
            .verified_user(tokens, Some(pending.nonce.secret()), None)
            .await?;
        let previous = self.stored_user();
        self.store_user(&user, previous.as_ref())?;
        Ok(user)
    }

    /// Verifies the ID token (claims, then the signature) and builds the user.
    async fn verified_user(
        &self,
        tokens: IssuedTokens,
        nonce: Option<&str>,
        previous_refresh: Option<RefreshToken>,
    ) -> Result<User, PassportError> {
        let decoded =
            jwt::decode(tokens.id_token.secret()).map_err(PassportError::InvalidIdToken)?;
        let now = self.ports.now();
        let issuer = oauth::expected_issuer(&self.config);
        jwt::check_claims(
            &decoded.claims,
            &Expected {
                issuer: &issuer,
                client_id: &self.config.client_id,
                api_audience: &self.config.audience,
                nonce,
                now,
            },
        )
        .map_err(PassportError::InvalidIdToken)?;
        let jwks_url = self.config.authority_endpoint(".well-known/jwks.json");
        self.ports
            .verify_signature(&decoded, jwks_url.as_str())
            .await?;
        let access_expires_at = tokens
            .expires_in
            .map(|secs| now + secs)
            .or_else(|| jwt::unverified_exp(tokens.access_token.secret()))
            .unwrap_or(now);
        Ok(User::from_tokens(
            &decoded.claims,
            tokens.id_token,
            tokens.access_token,
            tokens.refresh_token.or(previous_refresh),
            access_expires_at,
        ))
    }

    /// The SDK's `login({ useCachedSession: true })`: the stored user if both
    /// tokens are valid, a refreshed one if not, nothing when there is no
    /// session. Never opens a window.
    pub async fn restore(&self) -> Result<Option<User>, PassportError> {
        match self.stored_user() {
            None => Ok(None),
            Some(user) if user.tokens_valid(self.ports.now()) => Ok(Some(user)),
            Some(user) => self.refresh_under_lock(user, false).await,
        }
    }

    /// Renews the tokens even while they are valid, to pick up new claims
    /// (the `passport` claim after registering).
    pub async fn renew_session(&self) -> Result<Option<User>, PassportError> {
        match self.stored_user() {
            None => Ok(None),
            Some(user) => self.refresh_under_lock(user, true).await,
        }
    }

    /// Refreshes the session of `seen` (the stored user as the caller read
    /// it) under a lock shared by every tab. After taking the lock it reads
    /// storage again: if another tab (or the JS SDK) refreshed meanwhile,
    /// that result is used and the already rotated refresh token is not sent
    /// twice. `renew` refreshes even valid tokens.
    async fn refresh_under_lock(
        &self,
        seen: User,
        renew: bool,
    ) -> Result<Option<User>, PassportError> {
        let before = seen.refresh_token.map(|t| t.secret().to_owned());
        let lock_name = format!("passport-refresh:{}", self.user_key);
        self.ports
            .with_lock(&lock_name, async {
                let Some(user) = self.stored_user() else {
                    return Ok(None);
                };
                let current = user.refresh_token.as_ref().map(|t| t.secret().to_owned());
                let refreshed_elsewhere = current != before;
                if user.tokens_valid(self.ports.now()) && (!renew || refreshed_elsewhere) {
                    return Ok(Some(user));
                }
                let Some(refresh_token) = user.refresh_token.clone() else {
                    self.remove_user(SessionEvent::SignedOut);
                    return Ok(None);
                };
                self.refresh(&user, refresh_token).await
            })
            .await
    }

    /// One refresh of `user` with `refresh_token`, and what it leads to.
    async fn refresh(
        &self,
        user: &User,
        refresh_token: RefreshToken,
    ) -> Result<Option<User>, PassportError> {
        match self.oauth.refresh(self.ports.http(), &refresh_token).await {
            Ok(tokens) => {
                let verified = self.verified_user(tokens, None, Some(refresh_token)).await;
                match session::after_refresh(user, verified) {
                    AfterRefresh::Store(renewed) => {
                        self.store_user(&renewed, Some(user))?;
                        Ok(Some(*renewed))
                    }
                    AfterRefresh::End(err) => {
                        // Not this session's answer: keeping the old user
                        // would keep tokens nobody vouches for now. Ended,
                        // as when the provider refuses the refresh.
                        self.ports
                            .warn(&format!("Passport: the session ended: {err}"));
                        self.remove_user(SessionEvent::Ended);
                        Ok(None)
                    }
                    AfterRefresh::Keep(err) => Err(err),
                }
            }
            Err(TokenEndpointError::Rejected { .. }) => {
                // The provider no longer accepts this session: sign out
                // cleanly (other tabs hear it from storage as signed out).
                self.remove_user(SessionEvent::Ended);
                Ok(None)
            }
            Err(err) => Err(PassportError::RefreshFailed(err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{HttpError, HttpRequest, HttpResponse};
    use crate::jwt::TokenError;
    use crate::pending::Flow;
    use crate::secret::{CodeVerifier, LoginState, Nonce};
    use crate::storage::MemoryStore;
    use crate::test_support::{json_response, poll_once};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use std::sync::Arc;

    const NOW: i64 = 1_800_000_000;

    fn config() -> PassportConfig {
        crate::test_support::local_config()
    }

    /// An ID token (unsigned: the fake verifier decides) for `sub`.
    fn id_token(sub: &str, nonce: Option<&str>) -> String {
        id_token_issued(sub, nonce, NOW)
    }

    fn id_token_issued(sub: &str, nonce: Option<&str>, iat: i64) -> String {
        let config = config();
        let mut claims = serde_json::json!({
            "iss": oauth::expected_issuer(&config), "sub": sub,
            "aud": [config.client_id, config.audience], "iat": iat, "exp": iat + 900,
            "email": "player@example.test",
        });
        if let Some(nonce) = nonce {
            claims["nonce"] = nonce.into();
        }
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k"}"#),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        )
    }

    /// The token endpoint's answer for `sub`, with a new refresh token.
    fn tokens(sub: &str, nonce: Option<&str>, refresh: &str) -> Result<HttpResponse, HttpError> {
        Ok(json_response(
            200,
            &serde_json::json!({
                "access_token": format!("access-{refresh}"), "id_token": id_token(sub, nonce),
                "refresh_token": refresh, "token_type": "Bearer", "expires_in": 900,
            })
            .to_string(),
        ))
    }

    fn refused() -> Result<HttpResponse, HttpError> {
        Ok(json_response(
            403,
            r#"{"error":"invalid_grant","error_description":"Unknown or invalid refresh token."}"#,
        ))
    }

    /// What the fakes saw and answer: a memory store, a clock, the token
    /// endpoint's answers in order, a verifier that accepts unless told.
    #[derive(Default)]
    struct Fakes {
        store: MemoryStore,
        now: Cell<i64>,
        answers: RefCell<Vec<Result<HttpResponse, HttpError>>>,
        requests: RefCell<Vec<String>>,
        bad_signature: Cell<bool>,
        events: RefCell<Vec<&'static str>>,
        locks: Cell<usize>,
        warnings: RefCell<Vec<String>>,
        /// Written to the store while the lock is being taken: another tab.
        on_lock: RefCell<Option<String>>,
    }

    /// The fake token endpoint: the next queued answer.
    struct FakeHttp(Rc<Fakes>);

    impl<'c> oauth2::AsyncHttpClient<'c> for FakeHttp {
        type Error = HttpError;
        type Future =
            std::pin::Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + 'c>>;
        fn call(&'c self, request: HttpRequest) -> Self::Future {
            let body = String::from_utf8_lossy(request.body()).into_owned();
            self.0.requests.borrow_mut().push(body);
            let answer = self.0.answers.borrow_mut().remove(0);
            Box::pin(async move { answer })
        }
    }

    struct Ports {
        fakes: Rc<Fakes>,
        http: FakeHttp,
    }

    impl SessionPorts for Ports {
        type Store = MemoryStore;
        type Http = FakeHttp;
        fn store(&self) -> &MemoryStore {
            &self.fakes.store
        }
        fn http(&self) -> &FakeHttp {
            &self.http
        }
        fn now(&self) -> i64 {
            self.fakes.now.get()
        }
        async fn verify_signature(&self, _: &DecodedJwt, url: &str) -> Result<(), PassportError> {
            assert!(url.ends_with("/.well-known/jwks.json"));
            if self.fakes.bad_signature.get() {
                Err(PassportError::InvalidIdToken(TokenError::BadSignature))
            } else {
                Ok(())
            }
        }
        async fn with_lock<T>(&self, name: &str, work: impl Future<Output = T>) -> T {
            assert!(name.starts_with("passport-refresh:oidc.user:"));
            self.fakes.locks.set(self.fakes.locks.get() + 1);
            if let Some(raw) = self.fakes.on_lock.borrow_mut().take() {
                let key = self.fakes.store.keys()[0].clone();
                self.fakes.store.set(&key, &raw);
            }
            work.await
        }
        fn emit(&self, event: SessionEvent) {
            self.fakes.events.borrow_mut().push(match event {
                SessionEvent::SignedIn(_) => "SignedIn",
                SessionEvent::Refreshed(_) => "Refreshed",
                SessionEvent::SignedOut => "SignedOut",
                SessionEvent::Ended => "Ended",
            });
        }
        fn warn(&self, message: &str) {
            self.fakes.warnings.borrow_mut().push(message.into());
        }
    }

    fn core() -> (SessionCore<Ports>, Rc<Fakes>) {
        let fakes = Rc::new(Fakes::default());
        fakes.now.set(NOW);
        let config = Arc::new(config());
        let oauth = Arc::new(OAuthClient::new(&config));
        let ports = Ports {
            fakes: fakes.clone(),
            http: FakeHttp(fakes.clone()),
        };
        (SessionCore::new(ports, config, oauth), fakes)
    }

    fn pending() -> PendingLogin {
        PendingLogin {
            state: LoginState::new("state"),
            verifier: CodeVerifier::new("v".repeat(43)),
            nonce: Nonce::new("the-nonce"),
            flow: Flow::Popup,
            origin: "http://localhost:8080".into(),
            created_at_ms: 0.0,
        }
    }

    /// Signs `sub` in through a completed callback; the fakes are then clean.
    fn signed_in(core: &SessionCore<Ports>, fakes: &Fakes, sub: &str) -> User {
        fakes.answers.borrow_mut().push(tokens(sub, Some("the-nonce"), "r1"));
        let user = poll_once(core.complete(&AuthorizationCode::new("code"), &pending())).unwrap();
        fakes.events.borrow_mut().clear();
        fakes.requests.borrow_mut().clear();
        user
    }

    #[test]
    fn a_completed_callback_stores_the_verified_user_and_says_signed_in() {
        let (core, fakes) = core();
        fakes.answers.borrow_mut().push(tokens("email|1", Some("the-nonce"), "r1"));
        let user = poll_once(core.complete(&AuthorizationCode::new("code"), &pending())).unwrap();
        assert_eq!(user.profile.sub, "email|1");
        assert_eq!(user.access_token_expires_at, NOW + 900);
        assert!(fakes.requests.borrow()[0].contains("grant_type=authorization_code"));
        assert_eq!(core.stored_user().unwrap().profile.sub, "email|1");
        assert_eq!(*fakes.events.borrow(), ["SignedIn"]);
        assert!(core.user_key().starts_with("oidc.user:"));
    }

    #[test]
    fn a_callback_whose_id_token_fails_is_refused_and_stores_nothing() {
        // Another sign-in's nonce.
        let (core, fakes) = core();
        fakes.answers.borrow_mut().push(tokens("email|1", Some("other"), "r1"));
        let err = poll_once(core.complete(&AuthorizationCode::new("code"), &pending())).unwrap_err();
        assert!(matches!(err, PassportError::InvalidIdToken(TokenError::NonceMismatch)), "{err:?}");
        // A bad signature.
        fakes.bad_signature.set(true);
        fakes.answers.borrow_mut().push(tokens("email|1", Some("the-nonce"), "r1"));
        let err = poll_once(core.complete(&AuthorizationCode::new("code"), &pending())).unwrap_err();
        assert!(matches!(err, PassportError::InvalidIdToken(TokenError::BadSignature)), "{err:?}");
        assert!(core.stored_user().is_none());
        assert!(fakes.events.borrow().is_empty());
    }

    #[test]
    fn restore_without_a_session_is_nothing_and_asks_nobody() {
        let (core, fakes) = core();
        assert!(poll_once(core.restore()).unwrap().is_none());
        assert!(fakes.requests.borrow().is_empty());
        assert_eq!(fakes.locks.get(), 0);
    }

    #[test]
    fn restore_with_valid_tokens_needs_no_request() {
        let (core, fakes) = core();
        signed_in(&core, &fakes, "email|1");
        fakes.now.set(NOW + 600);
        assert_eq!(poll_once(core.restore()).unwrap().unwrap().profile.sub, "email|1");
        assert!(fakes.requests.borrow().is_empty());
        assert!(fakes.events.borrow().is_empty());
    }

    #[test]
    fn restore_with_expired_tokens_refreshes_under_the_lock_and_stores() {
        let (core, fakes) = core();
        signed_in(&core, &fakes, "email|1");
        fakes.now.set(NOW + 880); // within 30 s of expiry
        fakes.answers.borrow_mut().push(tokens("email|1", None, "r2"));
        let user = poll_once(core.restore()).unwrap().unwrap();
        assert_eq!(user.refresh_token.unwrap().secret(), "r2");
        assert!(fakes.requests.borrow()[0].contains("refresh_token=r1"));
        assert_eq!(fakes.locks.get(), 1);
        assert_eq!(*fakes.events.borrow(), ["Refreshed"]);
        assert_eq!(core.stored_user().unwrap().access_token.secret(), "access-r2");
    }

    #[test]
    fn a_refresh_another_tab_stored_while_waiting_for_the_lock_is_adopted() {
        let (core, fakes) = core();
        let user = signed_in(&core, &fakes, "email|1");
        fakes.now.set(NOW + 880);
        // The other tab's result: a rotated refresh token and fresh expiries.
        let mut theirs = user.clone();
        theirs.refresh_token = Some(RefreshToken::new("theirs"));
        theirs.id_token = crate::secret::IdToken::new(id_token_issued("email|1", None, NOW + 880));
        theirs.access_token_expires_at = NOW + 880 + 900;
        theirs.id_token_expires_at = NOW + 880 + 900;
        *fakes.on_lock.borrow_mut() = Some(user::to_stored(&theirs));
        let adopted = poll_once(core.restore()).unwrap().unwrap();
        assert_eq!(adopted.refresh_token.unwrap().secret(), "theirs");
        assert!(fakes.requests.borrow().is_empty(), "the rotated token is not sent twice");
    }

    #[test]
    fn a_refused_refresh_ends_the_session() {
        let (core, fakes) = core();
        signed_in(&core, &fakes, "email|1");
        fakes.now.set(NOW + 880);
        fakes.answers.borrow_mut().push(refused());
        assert!(poll_once(core.restore()).unwrap().is_none());
        assert!(core.stored_user().is_none());
        assert_eq!(*fakes.events.borrow(), ["Ended"]);
    }

    #[test]
    fn a_refresh_for_another_user_or_with_a_bad_signature_ends_the_session() {
        for bad_signature in [false, true] {
            let (core, fakes) = core();
            signed_in(&core, &fakes, "email|1");
            fakes.now.set(NOW + 880);
            fakes.bad_signature.set(bad_signature);
            let sub = if bad_signature { "email|1" } else { "email|2" };
            fakes.answers.borrow_mut().push(tokens(sub, None, "r2"));
            assert!(poll_once(core.restore()).unwrap().is_none());
            assert!(core.stored_user().is_none());
            assert_eq!(*fakes.events.borrow(), ["Ended"]);
            assert_eq!(fakes.warnings.borrow().len(), 1);
            assert!(!fakes.warnings.borrow()[0].contains("access-"), "no token in the warning");
        }
    }

    #[test]
    fn a_refresh_that_gets_no_answer_keeps_the_session_and_says_to_retry() {
        let (core, fakes) = core();
        signed_in(&core, &fakes, "email|1");
        fakes.now.set(NOW + 880);
        fakes.answers.borrow_mut().push(Err(HttpError::Offline));
        let err = poll_once(core.restore()).unwrap_err();
        assert!(matches!(err, PassportError::RefreshFailed(_)), "{err:?}");
        assert_eq!(core.stored_user().unwrap().profile.sub, "email|1");
        assert!(fakes.events.borrow().is_empty());
    }

    #[test]
    fn renew_refreshes_even_valid_tokens_and_a_session_without_refresh_token_signs_out() {
        let (core, fakes) = core();
        let user = signed_in(&core, &fakes, "email|1");
        fakes.answers.borrow_mut().push(tokens("email|1", None, "r2"));
        assert_eq!(poll_once(core.renew_session()).unwrap().unwrap().refresh_token.unwrap().secret(), "r2");
        let mut without = user;
        without.refresh_token = None;
        without.access_token_expires_at = NOW - 1;
        core.store_user(&without, None).unwrap();
        fakes.events.borrow_mut().clear();
        assert!(poll_once(core.restore()).unwrap().is_none());
        assert_eq!(*fakes.events.borrow(), ["SignedOut"]);
    }

    #[test]
    fn corrupt_storage_is_removed_and_reported_without_its_contents() {
        let (core, fakes) = core();
        fakes.store.set(core.user_key(), r#"{"id_token":"SECRET","access_token":1}"#);
        assert!(core.stored_user().is_none());
        assert!(fakes.store.get(core.user_key()).is_none());
        assert_eq!(fakes.warnings.borrow().len(), 1);
        assert!(!fakes.warnings.borrow()[0].contains("SECRET"));
    }
}
