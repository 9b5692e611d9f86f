//! The session core's ports in the browser: localStorage, fetch, the Web
//! Locks API, WebCrypto against the provider's JWKS, the clock, this tab's
//! listeners and the console.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use super::{http, jwks, locks, storage::LocalStore, time, webcrypto};
use crate::error::PassportError;
use crate::http::{HttpError, HttpRequest, HttpResponse};
use crate::jwt::{DecodedJwt, TokenError};
use super::subscription::{emit, Listeners};
use crate::session::SessionEvent;
use crate::session_core::SessionPorts;

/// fetch as the named HTTP client type the session core's port asks for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fetch;

impl<'c> oauth2::AsyncHttpClient<'c> for Fetch {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + 'c>>;
    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(http::fetch(request))
    }
}

/// The browser's side of the session.
#[derive(Default)]
pub struct BrowserSession {
    store: LocalStore,
    fetch: Fetch,
    /// This tab's listeners, shared with the client's subscriptions.
    pub listeners: Arc<Mutex<Listeners>>,
}

impl SessionPorts for BrowserSession {
    type Store = LocalStore;
    type Http = Fetch;

    fn store(&self) -> &LocalStore {
        &self.store
    }

    fn http(&self) -> &Fetch {
        &self.fetch
    }

    fn now(&self) -> i64 {
        time::now_secs()
    }

    async fn verify_signature(
        &self,
        token: &DecodedJwt,
        jwks_url: &str,
    ) -> Result<(), PassportError> {
        let key = jwks::key(jwks_url, token.header.kid.as_deref())
            .await
            .map_err(PassportError::SigningKeys)?
            .ok_or(PassportError::InvalidIdToken(TokenError::UnknownKey))?;
        let valid = webcrypto::verify_rs256(&key, token.signing_input.as_bytes(), &token.signature)
            .await
            .map_err(|e| PassportError::Browser(e.to_string()))?;
        if valid {
            Ok(())
        } else {
            Err(PassportError::InvalidIdToken(TokenError::BadSignature))
        }
    }

    async fn with_lock<T>(&self, name: &str, work: impl Future<Output = T>) -> T {
        locks::with_lock(name, work).await
    }

    /// Tells this tab's listeners (other tabs hear it from storage).
    fn emit(&self, event: SessionEvent) {
        emit(&self.listeners, &event);
    }

    fn warn(&self, message: &str) {
        web_sys::console::warn_1(&message.into());
    }
}
