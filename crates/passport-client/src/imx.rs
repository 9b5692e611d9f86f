//! The IMX provider that `connect_imx` returns: registration status from the
//! `passport` claim, and off-chain registration with the wallet in Magic's TEE
//! Express (reached over HTTP with the user's ID token) and the Stark key in a
//! worker started for the registration only.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use crate::browser::http;
use crate::browser::once::Once;
use crate::browser::stark_worker::{LoadingWorker, StarkWorker};
use crate::browser::tee;
use crate::browser::time;
use crate::claims::{ImxRegistration, PassportClaims};
use crate::error::{ErrorKind, PassportError};
use crate::http::HttpError;
use crate::registration::{
    self, PortError, RegisterUserRequest, RegistrationError, RegistrationPorts, RegistrationStep,
    SignableRegistration, WalletError, WorkerError,
};
use crate::user::User;
use crate::Passport;

type Outcome = Result<ImxRegistration, PassportError>;

/// The registration in flight, if any, with the callers waiting for its
/// outcome: a second caller joins the first instead of registering again.
type InFlight = Rc<RefCell<Option<Vec<Once<Outcome>>>>>;

/// Ends the run in flight: the joined callers get its outcome, or, if the run
/// was dropped before it finished, an error that says to try again.
struct Finished {
    in_flight: InFlight,
    outcome: Option<Outcome>,
}

impl Drop for Finished {
    fn drop(&mut self) {
        let waiting = self.in_flight.borrow_mut().take().unwrap_or_default();
        let outcome = self.outcome.take().unwrap_or_else(|| {
            Err(PassportError::Registration(RegistrationError {
                step: RegistrationStep::ConnectingWallet,
                message: "The registration was interrupted before it finished.".into(),
                advice: "Try again.".into(),
                retryable: true,
                kind: ErrorKind::UserRegistrationError,
            }))
        });
        for caller in waiting {
            caller.fill(outcome.clone());
        }
    }
}

/// Talks to IMX on behalf of the signed-in user. The Ethereum key stays in
/// TEE Express; the Stark key lives in the registration worker while it runs.
/// Clones share the registration in flight.
#[derive(Clone)]
pub struct ImxProvider {
    passport: Passport,
    in_flight: InFlight,
}

impl ImxProvider {
    pub(crate) fn new(passport: Passport) -> Self {
        ImxProvider {
            passport,
            in_flight: Rc::default(),
        }
    }

    provider_claims!();

    /// Registers the user with IMX, reporting each step. Running it twice at
    /// once runs it once; a finished registration is never repeated (409 counts
    /// as success).
    pub async fn register_offchain(
        &self,
        progress: impl Fn(RegistrationStep) + 'static,
    ) -> Outcome {
        let joined = self.in_flight.borrow_mut().as_mut().map(|waiting| {
            let outcome = Once::new();
            waiting.push(outcome.clone());
            outcome
        });
        if let Some(outcome) = joined {
            return outcome.wait().await;
        }
        *self.in_flight.borrow_mut() = Some(Vec::new());
        // Whatever ends this run (an outcome, or the future being dropped),
        // the callers that joined it hear of it.
        let mut finished = Finished {
            in_flight: self.in_flight.clone(),
            outcome: None,
        };
        let ports = BrowserPorts {
            provider: self,
            sub: self.passport.stored_user().map(|u| u.profile.sub),
            // Loading from now, while the wallet answers: ready by the Stark key step.
            loading: RefCell::new(Some(StarkWorker::spawn())),
            worker: RefCell::new(None),
        };
        let outcome = registration::register_offchain(&ports, &progress)
            .await
            .map_err(PassportError::Registration);
        // Terminates the worker, and the Stark key with it.
        drop(ports);
        finished.outcome = Some(outcome.clone());
        outcome
    }
}

struct BrowserPorts<'a> {
    provider: &'a ImxProvider,
    /// Who started the run: a sign-out (or another user) stops it.
    sub: Option<String>,
    /// The worker as it loads, started with the run.
    loading: RefCell<Option<Result<LoadingWorker, WorkerError>>>,
    /// The worker once it holds the Stark key; ended with the registration.
    worker: RefCell<Option<Rc<StarkWorker>>>,
}

fn to_json(body: &impl serde::Serialize) -> Result<Vec<u8>, PortError> {
    serde_json::to_vec(body).map_err(|_| {
        PortError::Imx(HttpError::Unreadable(
            "the request could not be written".into(),
        ))
    })
}

fn session_error(err: PassportError) -> PortError {
    PortError::Session(Box::new(err))
}

fn worker_error(err: WorkerError) -> PortError {
    PortError::Wallet(WalletError::Worker(err))
}

/// The unauthorised answer of TEE Express: the ID token was not accepted.
fn is_unauthorised(err: &WalletError) -> bool {
    matches!(
        err,
        WalletError::Service {
            error: HttpError::Status { status: 401, .. },
            ..
        }
    )
}

impl BrowserPorts<'_> {
    /// A TEE Express call with a fresh ID token. A 401 refreshes the session
    /// once and tries once more, as a token revoked or rotated meanwhile
    /// would need; a second 401 is the wallet's error.
    async fn tee<T, F, Fut>(&self, call: F) -> Result<T, PortError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, WalletError>>,
    {
        let passport = &self.provider.passport;
        let token = passport
            .id_token()
            .await
            .map_err(session_error)?
            .ok_or_else(|| session_error(PassportError::NotLoggedIn))?;
        match call(token.secret().to_owned()).await {
            Err(err) if is_unauthorised(&err) => {
                let user = self.renewed_user().await?;
                call(user.id_token.secret().to_owned())
                    .await
                    .map_err(PortError::Wallet)
            }
            other => other.map_err(PortError::Wallet),
        }
    }

    /// The user with renewed tokens; `NotLoggedIn` when the session ended
    /// (the refresh was refused, or answered for another user).
    async fn renewed_user(&self) -> Result<User, PortError> {
        self.provider
            .passport
            .renew_session()
            .await
            .map_err(session_error)?
            .ok_or_else(|| session_error(PassportError::NotLoggedIn))
    }

    fn worker(&self) -> Result<Rc<StarkWorker>, PortError> {
        self.worker
            .borrow()
            .clone()
            .ok_or_else(|| worker_error(WorkerError("the Stark key was not derived".into())))
    }

    /// POSTs `body` (JSON) to the IMX API; the answer, whatever its status.
    async fn post_imx(
        &self,
        path: &str,
        body: Vec<u8>,
        bearer: Option<&str>,
    ) -> Result<crate::http::HttpResponse, PortError> {
        let url = self.provider.passport.config().imx_endpoint(path);
        let authorization = bearer.map(|token| format!("Bearer {token}"));
        let headers: Vec<_> = authorization
            .as_deref()
            .map(|value| (oauth2::http::header::AUTHORIZATION, value))
            .into_iter()
            .collect();
        let request = http::request(
            oauth2::http::Method::POST,
            url.as_str(),
            Some(body),
            &headers,
        )
        .map_err(PortError::Imx)?;
        http::fetch(request).await.map_err(PortError::Imx)
    }
}

impl RegistrationPorts for BrowserPorts<'_> {
    fn still_signed_in(&self) -> bool {
        let now = self.provider.passport.stored_user().map(|u| u.profile.sub);
        now.is_some() && now == self.sub
    }

    fn registered_address(&self) -> Option<String> {
        self.provider
            .passport
            .stored_user()
            .and_then(|u| u.imx())
            .map(|imx| imx.eth_address)
    }

    async fn connect_wallet(&self) -> Result<String, PortError> {
        let config = self.provider.passport.config();
        self.tee(|token| async move { tee::wallet_address(config, &token).await })
            .await
    }

    async fn stark_key(&self, ether_key: &str) -> Result<String, PortError> {
        let config = self.provider.passport.config();
        let seed = registration::stark_seed_message();
        let signature = self
            .tee(|token| {
                let seed = seed.clone();
                async move { tee::sign_message(config, &token, &seed).await }
            })
            .await?;
        let loading = self.loading.borrow_mut().take();
        let loading = loading.unwrap_or_else(StarkWorker::spawn);
        let worker = Rc::new(
            loading
                .map_err(worker_error)?
                .ready()
                .await
                .map_err(worker_error)?,
        );
        *self.worker.borrow_mut() = Some(worker.clone());
        worker
            .derive(&signature, ether_key)
            .await
            .map_err(worker_error)
    }

    async fn signable_registration(
        &self,
        ether_key: &str,
        stark_key: &str,
    ) -> Result<SignableRegistration, PortError> {
        #[derive(serde::Serialize)]
        struct Keys<'a> {
            ether_key: &'a str,
            stark_key: &'a str,
        }
        let response = self
            .post_imx(
                "v1/signable-registration-offchain",
                to_json(&Keys {
                    ether_key,
                    stark_key,
                })?,
                None,
            )
            .await?;
        let bytes = crate::http::success_body(response).map_err(PortError::Imx)?;
        serde_json::from_slice(&bytes).map_err(|_| {
            PortError::Imx(HttpError::Unreadable("not a signable registration".into()))
        })
    }

    async fn eth_sign(&self, message: &str) -> Result<String, PortError> {
        let config = self.provider.passport.config();
        self.tee(|token| async move { tee::sign_message(config, &token, message).await })
            .await
    }

    async fn stark_sign(&self, hash: &str) -> Result<String, PortError> {
        self.worker()?.sign(hash).await.map_err(worker_error)
    }

    async fn register_user(&self, request: &RegisterUserRequest) -> Result<(), PortError> {
        let token = self
            .provider
            .passport
            .access_token()
            .await
            .map_err(session_error)?
            .ok_or_else(|| session_error(PassportError::NotLoggedIn))?;
        let body = to_json(request)?;
        let mut response = self
            .post_imx("v2/passport/users", body.clone(), Some(token.secret()))
            .await?;
        // A 401 means the access token is no longer accepted (revoked, or
        // rotated by another tab): refresh once and try once more, as for
        // TEE Express; a refused refresh ends the session with its event.
        if response.status() == 401 {
            let user = self.renewed_user().await?;
            response = self
                .post_imx("v2/passport/users", body, Some(user.access_token.secret()))
                .await?;
        }
        // 409: registered before (a retry after a lost answer), so done.
        if response.status() != 409 {
            crate::http::success_body(response).map_err(PortError::Imx)?;
        }
        Ok(())
    }

    async fn refresh_claims(&self) -> Result<Option<PassportClaims>, PortError> {
        Ok(self.renewed_user().await?.passport)
    }

    async fn sleep(&self, ms: u32) {
        if ms > 0 {
            time::sleep(ms).await;
        }
    }
}

impl From<RegistrationError> for PassportError {
    fn from(err: RegistrationError) -> Self {
        PassportError::Registration(err)
    }
}
