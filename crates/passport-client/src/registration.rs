//! Off-chain registration with IMX as a sequence of steps over abstract ports
//! (wallet, Stark key, IMX API, session), so the workflow is tested natively
//! and any UI can show each step as it happens. It follows Immutable's SDK
//! 2.14 (`starkEx/workflows/registration.ts`, `registerOffchain.ts`): the
//! wallet's address, the Stark key derived from one wallet signature, the
//! signable payload, both signatures at once, the registration, then the
//! session refreshed until it carries the `passport` claim.

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, PassportError};
pub use crate::registration_error::{RegistrationError, RegistrationStep};
use crate::http::HttpError;
use crate::claims::{ImxRegistration, PassportClaims};

/// The message and hash IMX asks the user to sign.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SignableRegistration {
    /// Signed with the Ethereum key (EIP-191).
    pub signable_message: String,
    /// Signed with the Stark key.
    pub payload_hash: String,
}

/// The body of `POST /v2/passport/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegisterUserRequest {
    /// EIP-191 signature of the signable message.
    pub eth_signature: String,
    /// The Ethereum address.
    pub ether_key: String,
    /// Stark signature of the payload hash.
    pub stark_signature: String,
    /// The Stark key.
    pub stark_key: String,
}

/// What went wrong at a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortError {
    /// The IMX API gave no usable answer.
    Imx(HttpError),
    /// The wallet service or the Stark key worker failed.
    Wallet(WalletError),
    /// The session could not supply a token for the next call.
    Session(Box<PassportError>),
}

impl PortError {
    /// No answer this time (the network, or a refresh that did not get
    /// through): the same call may get one in a moment.
    fn is_transient(&self) -> bool {
        match self {
            PortError::Imx(e) => e.status().is_none(),
            PortError::Session(e) => e.is_retryable(),
            PortError::Wallet(_) => false,
        }
    }
}

/// How the wallet failed: TEE Express, or the worker holding the Stark key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalletError {
    /// TEE Express gave no usable answer; `detail` is its own explanation
    /// (FastAPI's `detail`) when it gave one.
    Service {
        /// The HTTP failure.
        error: HttpError,
        /// The service's words.
        detail: Option<String>,
    },
    /// The Stark key worker could not start, or failed a request.
    Worker(WorkerError),
}

/// The Stark key worker's failure, in its own words (never key material).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WorkerError(pub String);

impl std::fmt::Display for WalletError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (error, detail) = match self {
            Self::Worker(err) => return write!(f, "the Stark key worker failed ({err})"),
            Self::Service { error, detail } => (error, detail),
        };
        let detail = detail.clone().unwrap_or_else(|| error.to_string());
        match error {
            HttpError::Timeout | HttpError::Offline => {
                write!(f, "the wallet service could not be reached ({error})")
            }
            HttpError::Unreadable(what) => {
                write!(f, "the wallet service gave an unreadable answer ({what})")
            }
            HttpError::Status { status: 401, .. } => write!(
                f,
                "the wallet service did not accept your session ({detail}, HTTP 401)"
            ),
            HttpError::Status { status, .. } if *status >= 500 => write!(
                f,
                "the wallet service is unavailable ({detail}, HTTP {status})"
            ),
            HttpError::Status { status, .. } => write!(
                f,
                "the wallet service refused the request ({detail}, HTTP {status})"
            ),
        }
    }
}

/// The IMX API's own explanation of a refusal: its JSON `message`.
fn imx_message(body: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct ApiMessage {
        message: String,
    }
    serde_json::from_str::<ApiMessage>(body)
        .ok()
        .map(|m| m.message)
}

/// Everything the workflow needs from the outside world.
#[allow(async_fn_in_trait)]
pub trait RegistrationPorts {
    /// Whether the user who started the registration is still signed in; a
    /// sign-out stops the run before its next step.
    fn still_signed_in(&self) -> bool;
    /// The IMX Ethereum address this user is already registered with (the
    /// `passport` claim), if any: the wallet must answer the same one.
    fn registered_address(&self) -> Option<String>;
    /// Connects the wallet; returns the Ethereum address.
    async fn connect_wallet(&self) -> Result<String, PortError>;
    /// The Stark key, derived from the wallet's signature of the seed message.
    async fn stark_key(&self, ether_key: &str) -> Result<String, PortError>;
    /// `POST /v1/signable-registration-offchain`.
    async fn signable_registration(
        &self,
        ether_key: &str,
        stark_key: &str,
    ) -> Result<SignableRegistration, PortError>;
    /// EIP-191 signature by the wallet.
    async fn eth_sign(&self, message: &str) -> Result<String, PortError>;
    /// Stark signature with the derived key.
    async fn stark_sign(&self, hash: &str) -> Result<String, PortError>;
    /// `POST /v2/passport/users`; a 409 (registered before) counts as success.
    async fn register_user(&self, request: &RegisterUserRequest) -> Result<(), PortError>;
    /// Refreshes the session; the `passport` claim once present.
    async fn refresh_claims(&self) -> Result<Option<PassportClaims>, PortError>;
    /// Waits, between confirmation attempts.
    async fn sleep(&self, ms: u32);
}

/// The message the SDK signs to seed the Stark key (`@imtbl/x-client` 2.14,
/// `generateLegacyStarkPrivateKey`); the worker derives from its signature.
pub const STARK_SEED_MESSAGE: &str =
    "Only sign this request if you\u{2019}ve initiated an action with Immutable X.";

/// The seed message as the SDK puts it on the wire: it signs it as bytes,
/// which its TEE signer sends as the text `0x<hex>` (`magicTEESigner.ts`).
pub fn stark_seed_message() -> String {
    use std::fmt::Write;
    let mut text = String::with_capacity(2 + 2 * STARK_SEED_MESSAGE.len());
    text.push_str("0x");
    for byte in STARK_SEED_MESSAGE.bytes() {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// Delays between confirmation attempts, about 10 s in all.
pub const CONFIRM_BACKOFF_MS: [u32; 7] = [0, 250, 500, 1000, 2000, 3000, 3000];

/// The kind the SDK 2.14 reports for a failure at `step`. `registerOffchain`
/// first sets up the Stark signer (`getStarkSigner.ts`: the wallet's address
/// and its signature of the seed message, wrapped as WALLET_CONNECTION_ERROR);
/// every step of the workflow after it (`workflows/registerOffchain.ts`: the
/// signable payload, both signatures, the wallet's included, the registration
/// and the claim polling) is wrapped as USER_REGISTRATION_ERROR by
/// `withPassportError` (`packages/auth/src/errors.ts`), whatever failed.
fn kind_at(step: RegistrationStep) -> ErrorKind {
    match step {
        RegistrationStep::ConnectingWallet | RegistrationStep::ReadingKeys => {
            ErrorKind::WalletConnectionError
        }
        _ => ErrorKind::UserRegistrationError,
    }
}

impl RegistrationError {
    fn at(step: RegistrationStep, err: PortError) -> Self {
        match err {
            PortError::Imx(error @ (HttpError::Timeout | HttpError::Offline)) => {
                RegistrationError {
                    step,
                    message: format!("IMX could not be reached ({error})."),
                    advice: "Check your network connection, then try again.".into(),
                    retryable: true,
                    kind: kind_at(step),
                }
            }
            PortError::Imx(HttpError::Unreadable(what)) => RegistrationError {
                step,
                message: format!("IMX sent an answer that could not be read ({what})."),
                advice: "Try again in a moment.".into(),
                retryable: true,
                kind: kind_at(step),
            },
            PortError::Imx(HttpError::Status { status, body }) => {
                let message = imx_message(&body).unwrap_or_else(|| format!("HTTP {status}"));
                RegistrationError {
                    step,
                    message: if status >= 500 {
                        format!("IMX is unavailable right now: {message} (HTTP {status}).")
                    } else {
                        format!("IMX refused the registration: {message} (HTTP {status}).")
                    },
                    advice: if status >= 500 {
                        "IMX is having trouble. Check your network connection and try again in a moment.".into()
                    } else {
                        "Try again; if it keeps failing, sign out and in again.".into()
                    },
                    retryable: status >= 500 || status == 401,
                    kind: kind_at(step),
                }
            }
            PortError::Session(err) => RegistrationError {
                step,
                retryable: err.is_retryable(),
                advice: if err.is_retryable() {
                    "Then try again; nothing was registered twice.".into()
                } else {
                    "Sign in again, then register.".into()
                },
                message: err.to_string(),
                kind: kind_at(step),
            },
            PortError::Wallet(detail) => RegistrationError {
                step,
                message: format!("Your wallet could not be used: {detail}."),
                advice:
                    "Check your network connection, then try again. Nothing was registered yet."
                        .into(),
                retryable: true,
                kind: kind_at(step),
            },
        }
    }

    /// Nobody was signed in when the run started, or the user signed out
    /// while it ran.
    fn signed_out(step: RegistrationStep) -> Self {
        if step == RegistrationStep::ConnectingWallet {
            // No user at the start of the call: the SDK's provider throws
            // NOT_LOGGED_IN_ERROR before anything else
            // (`passportImxProvider.ts`, `#getAuthenticatedUser`).
            return RegistrationError {
                step,
                message: "You are not signed in.".into(),
                advice: "Sign in, then register.".into(),
                retryable: false,
                kind: ErrorKind::NotLoggedInError,
            };
        }
        RegistrationError {
            step,
            message: "You signed out, so the registration stopped.".into(),
            advice: "Sign in again to register.".into(),
            retryable: false,
            kind: kind_at(step),
        }
    }

    /// The wallet answered another address than the one IMX knows this user by.
    fn address_mismatch(step: RegistrationStep, wallet: &str, registered: &str) -> Self {
        RegistrationError {
            step,
            message: format!(
                "Your wallet's address {wallet} is not the one your account is registered with ({registered})."
            ),
            advice: "Sign out and sign in again with the account you registered; if it keeps happening, contact support."
                .into(),
            retryable: false,
            kind: kind_at(step),
        }
    }
}

fn same_address(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Runs the whole registration, reporting each step before it starts. Safe to
/// run again after a failure: a registration IMX already has answers 409,
/// which counts as success, so nothing is duplicated.
pub async fn register_offchain<P: RegistrationPorts>(
    ports: &P,
    progress: &dyn Fn(RegistrationStep),
) -> Result<ImxRegistration, RegistrationError> {
    use RegistrationStep as Step;
    // Each step starts only while the user who started the run is signed in.
    let begin = |step: Step| {
        if ports.still_signed_in() {
            progress(step);
            Ok(())
        } else {
            Err(RegistrationError::signed_out(step))
        }
    };
    begin(Step::ConnectingWallet)?;
    let ether_key = ports
        .connect_wallet()
        .await
        .map_err(|e| RegistrationError::at(Step::ConnectingWallet, e))?;
    if let Some(registered) = ports.registered_address() {
        if !same_address(&registered, &ether_key) {
            return Err(RegistrationError::address_mismatch(
                Step::ConnectingWallet,
                &ether_key,
                &registered,
            ));
        }
    }

    begin(Step::ReadingKeys)?;
    let stark_key = ports
        .stark_key(&ether_key)
        .await
        .map_err(|e| RegistrationError::at(Step::ReadingKeys, e))?;

    begin(Step::RequestingPayload)?;
    let signable = ports
        .signable_registration(&ether_key, &stark_key)
        .await
        .map_err(|e| RegistrationError::at(Step::RequestingPayload, e))?;

    begin(Step::Signing)?;
    // Both signatures are requested at once: the wallet answers them in parallel.
    let (eth_signature, stark_signature) = futures_util::future::join(
        ports.eth_sign(&signable.signable_message),
        ports.stark_sign(&signable.payload_hash),
    )
    .await;
    let eth_signature = eth_signature.map_err(|e| RegistrationError::at(Step::Signing, e))?;
    let stark_signature = stark_signature.map_err(|e| RegistrationError::at(Step::Signing, e))?;

    begin(Step::Submitting)?;
    let request = RegisterUserRequest {
        eth_signature,
        ether_key,
        stark_signature,
        stark_key,
    };
    ports
        .register_user(&request)
        .await
        .map_err(|e| RegistrationError::at(Step::Submitting, e))?;

    begin(Step::Confirming)?;
    for delay in CONFIRM_BACKOFF_MS {
        ports.sleep(delay).await;
        // Registered once the claim has all three `imx_*` fields; a zkEVM
        // part alone (or nothing yet) means not yet.
        match ports.refresh_claims().await.map(|c| c.and_then(|c| c.imx())) {
            // A 409 for a registration under another address ends here too.
            Ok(Some(imx)) if !same_address(&imx.eth_address, &request.ether_key) => {
                return Err(RegistrationError::address_mismatch(
                    Step::Confirming,
                    &request.ether_key,
                    &imx.eth_address,
                ));
            }
            Ok(Some(imx)) => {
                progress(Step::Done);
                return Ok(imx);
            }
            Ok(None) => continue,
            // No answer this time: the next attempt may get one.
            Err(e) if e.is_transient() => continue,
            Err(e) => return Err(RegistrationError::at(Step::Confirming, e)),
        }
    }
    Err(RegistrationError {
        step: Step::Confirming,
        message: "IMX accepted the registration, but your session does not show it yet.".into(),
        advice: "Try again in a moment; your registration is not lost.".into(),
        retryable: true,
        kind: ErrorKind::UserRegistrationError,
    })
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};

    use super::*;

    #[derive(Default)]
    struct Fake {
        fail_at: Option<(RegistrationStep, PortError)>,
        registered_as: Option<String>,
        claimed_address: Option<String>,
        signs_out_after_connecting: bool,
        signed_out_from_the_start: bool,
        zkevm_account: bool,
        connected: Cell<bool>,
        claims_after: Cell<u32>,
        registered: RefCell<Vec<RegisterUserRequest>>,
        slept: RefCell<Vec<u32>>,
    }

    impl Fake {
        fn check(&self, step: RegistrationStep) -> Result<(), PortError> {
            match &self.fail_at {
                Some((s, e)) if *s == step => Err(e.clone()),
                _ => Ok(()),
            }
        }
    }

    /// A zkEVM account's claim, as it stands before the IMX registration.
    fn zkevm_claims() -> PassportClaims {
        PassportClaims {
            zkevm_eth_address: Some("0x1111111111111111111111111111111111111111".into()),
            zkevm_user_admin_address: Some("0x2222222222222222222222222222222222222222".into()),
            ..PassportClaims::default()
        }
    }

    fn claims() -> PassportClaims {
        PassportClaims {
            imx_eth_address: Some("0xABC".into()),
            imx_stark_address: Some("0x0def".into()),
            imx_user_admin_address: Some("0x123".into()),
            ..zkevm_claims()
        }
    }

    impl RegistrationPorts for Fake {
        fn still_signed_in(&self) -> bool {
            let signed_out_since = self.signs_out_after_connecting && self.connected.get();
            !self.signed_out_from_the_start && !signed_out_since
        }
        fn registered_address(&self) -> Option<String> {
            self.registered_as.clone()
        }
        async fn connect_wallet(&self) -> Result<String, PortError> {
            self.connected.set(true);
            self.check(RegistrationStep::ConnectingWallet)
                .map(|_| "0xabc".into())
        }
        async fn stark_key(&self, ether_key: &str) -> Result<String, PortError> {
            assert_eq!(ether_key, "0xabc", "derived for the wallet's own address");
            self.check(RegistrationStep::ReadingKeys)
                .map(|_| "0x0def".into())
        }
        async fn signable_registration(
            &self,
            e: &str,
            s: &str,
        ) -> Result<SignableRegistration, PortError> {
            assert_eq!((e, s), ("0xabc", "0x0def"));
            self.check(RegistrationStep::RequestingPayload)?;
            Ok(SignableRegistration {
                signable_message: "sign me".into(),
                payload_hash: "0x42".into(),
            })
        }
        async fn eth_sign(&self, message: &str) -> Result<String, PortError> {
            self.check(RegistrationStep::Signing)
                .map(|_| format!("eth({message})"))
        }
        async fn stark_sign(&self, hash: &str) -> Result<String, PortError> {
            Ok(format!("stark({hash})"))
        }
        async fn register_user(&self, request: &RegisterUserRequest) -> Result<(), PortError> {
            self.check(RegistrationStep::Submitting)?;
            self.registered.borrow_mut().push(request.clone());
            Ok(())
        }
        async fn refresh_claims(&self) -> Result<Option<PassportClaims>, PortError> {
            self.check(RegistrationStep::Confirming)?;
            let left = self.claims_after.get();
            if left == 0 {
                let mut claims = claims();
                if let Some(address) = &self.claimed_address {
                    claims.imx_eth_address = Some(address.clone());
                }
                Ok(Some(claims))
            } else {
                self.claims_after.set(left - 1);
                // Until IMX has it: nothing, or a zkEVM account's claim.
                Ok(self.zkevm_account.then(zkevm_claims))
            }
        }
        async fn sleep(&self, ms: u32) {
            self.slept.borrow_mut().push(ms);
        }
    }

    fn run(
        fake: &Fake,
    ) -> (
        Result<ImxRegistration, RegistrationError>,
        Vec<RegistrationStep>,
    ) {
        let steps = RefCell::new(Vec::new());
        let progress = |s: RegistrationStep| steps.borrow_mut().push(s);
        let result = crate::test_support::poll_once(register_offchain(fake, &progress));
        let steps = steps.borrow().clone();
        (result, steps)
    }

    #[test]
    fn every_step_is_reported_in_order_and_the_claims_come_back() {
        let fake = Fake::default();
        let (result, steps) = run(&fake);
        assert_eq!(Some(result.unwrap()), claims().imx());
        assert_eq!(steps, RegistrationStep::ALL.to_vec());
        let sent = fake.registered.borrow()[0].clone();
        assert_eq!(sent.eth_signature, "eth(sign me)");
        assert_eq!(sent.stark_signature, "stark(0x42)");
        assert_eq!(sent.ether_key, "0xabc");
    }

    #[test]
    fn confirmation_backs_off_until_the_claim_appears() {
        let fake = Fake {
            claims_after: Cell::new(3),
            ..Default::default()
        };
        let (result, _) = run(&fake);
        assert!(result.is_ok());
        assert_eq!(*fake.slept.borrow(), vec![0, 250, 500, 1000]);
    }

    /// A zkEVM account has a `passport` claim before it registers with IMX:
    /// that claim is not the registration, so confirmation waits for the
    /// `imx_*` part (seen failing when any claim counted as registered).
    #[test]
    fn a_zkevm_claim_is_not_taken_for_the_imx_registration() {
        let fake = Fake {
            claims_after: Cell::new(2),
            zkevm_account: true,
            ..Default::default()
        };
        let (result, _) = run(&fake);
        assert_eq!(result.unwrap().eth_address, "0xABC");
        assert_eq!(*fake.slept.borrow(), vec![0, 250, 500], "waited for the imx part");
    }

    #[test]
    fn confirmation_gives_up_after_about_ten_seconds_without_losing_anything() {
        let fake = Fake {
            claims_after: Cell::new(100),
            ..Default::default()
        };
        let err = run(&fake).0.unwrap_err();
        assert_eq!(err.step, RegistrationStep::Confirming);
        assert!(err.retryable);
        let waited: u32 = fake.slept.borrow().iter().sum();
        assert!((9_000..=11_000).contains(&waited), "{waited}");
    }

    #[test]
    fn a_network_failure_names_the_step_and_advises_checking_the_connection() {
        let fake = Fake {
            fail_at: Some((
                RegistrationStep::Submitting,
                PortError::Imx(HttpError::Timeout),
            )),
            ..Default::default()
        };
        let (result, steps) = run(&fake);
        let err = result.unwrap_err();
        assert_eq!(err.step, RegistrationStep::Submitting);
        assert!(err.advice.contains("network connection"));
        assert!(err.retryable);
        assert_eq!(steps.last(), Some(&RegistrationStep::Submitting));
    }

    #[test]
    fn an_api_error_carries_the_apis_message() {
        let fake = Fake {
            fail_at: Some((
                RegistrationStep::RequestingPayload,
                PortError::Imx(HttpError::Status {
                    status: 400,
                    body: r#"{"message":"stark_key is not a Stark key"}"#.into(),
                }),
            )),
            ..Default::default()
        };
        let err = run(&fake).0.unwrap_err();
        assert!(err.message.contains("stark_key is not a Stark key"));
        assert_eq!(err.step, RegistrationStep::RequestingPayload);
    }

    /// The kind of every failure, step by step, as `@imtbl/passport` 2.14
    /// reports it: the Stark signer's set-up (`getStarkSigner.ts`) is
    /// WALLET_CONNECTION_ERROR, the workflow (`workflows/registerOffchain.ts`
    /// under `withPassportError`) USER_REGISTRATION_ERROR, a wallet failure
    /// while signing the payload included. Nothing is sent to IMX's
    /// registration before the signatures exist.
    #[test]
    fn each_steps_failure_has_the_kind_the_sdk_gives_it() {
        let wallet_down = || {
            PortError::Wallet(WalletError::Service {
                error: HttpError::Status {
                    status: 503,
                    body: String::new(),
                },
                detail: None,
            })
        };
        let imx_down = || PortError::Imx(HttpError::Timeout);
        let table: [(RegistrationStep, PortError, ErrorKind); 7] = [
            (RegistrationStep::ConnectingWallet, wallet_down(), ErrorKind::WalletConnectionError),
            (RegistrationStep::ReadingKeys, wallet_down(), ErrorKind::WalletConnectionError),
            (RegistrationStep::RequestingPayload, imx_down(), ErrorKind::UserRegistrationError),
            (RegistrationStep::Signing, wallet_down(), ErrorKind::UserRegistrationError),
            (RegistrationStep::Submitting, imx_down(), ErrorKind::UserRegistrationError),
            (
                RegistrationStep::Submitting,
                PortError::Session(Box::new(PassportError::NotLoggedIn)),
                ErrorKind::UserRegistrationError,
            ),
            (
                RegistrationStep::Confirming,
                PortError::Imx(HttpError::Status { status: 400, body: String::new() }),
                ErrorKind::UserRegistrationError,
            ),
        ];
        for (step, error, kind) in table {
            let sends = step.index() >= RegistrationStep::Submitting.index();
            let fake = Fake {
                fail_at: Some((step, error)),
                ..Default::default()
            };
            let err = run(&fake).0.unwrap_err();
            assert_eq!(err.step, step);
            assert_eq!(err.kind, kind, "at {step:?}");
            if !sends {
                assert!(fake.registered.borrow().is_empty(), "at {step:?}");
            }
        }
    }

    #[test]
    fn nobody_signed_in_at_the_start_is_not_logged_in() {
        let fake = Fake {
            signed_out_from_the_start: true,
            ..Default::default()
        };
        let (result, steps) = run(&fake);
        let err = result.unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotLoggedInError);
        assert!(steps.is_empty(), "no step started");
        assert!(!fake.connected.get(), "the wallet was not called");
    }

    #[test]
    fn signing_out_stops_the_run_before_its_next_step() {
        let fake = Fake {
            signs_out_after_connecting: true,
            ..Default::default()
        };
        let (result, steps) = run(&fake);
        let err = result.unwrap_err();
        assert_eq!(err.step, RegistrationStep::ReadingKeys);
        assert!(err.message.contains("signed out"));
        assert_eq!(
            steps,
            vec![RegistrationStep::ConnectingWallet],
            "nothing after"
        );
        assert!(fake.registered.borrow().is_empty());
    }

    #[test]
    fn imx_failures_are_registration_errors() {
        let fake = Fake {
            fail_at: Some((
                RegistrationStep::Submitting,
                PortError::Imx(HttpError::Status {
                    status: 503,
                    body: "down".into(),
                }),
            )),
            ..Default::default()
        };
        assert_eq!(
            run(&fake).0.unwrap_err().kind,
            ErrorKind::UserRegistrationError
        );
    }

    #[test]
    fn a_wallet_with_another_address_than_the_registered_one_is_refused() {
        let fake = Fake {
            registered_as: Some("0xdead".into()),
            ..Default::default()
        };
        let (result, steps) = run(&fake);
        let err = result.unwrap_err();
        assert_eq!(err.step, RegistrationStep::ConnectingWallet);
        assert_eq!(err.kind, ErrorKind::WalletConnectionError);
        assert!(
            err.message.contains("0xabc") && err.message.contains("0xdead"),
            "{err}"
        );
        assert!(!err.retryable, "trying again gives the same address");
        assert_eq!(steps, vec![RegistrationStep::ConnectingWallet]);
        // The same address in another case is the same address.
        let fake = Fake {
            registered_as: Some("0xABC".into()),
            ..Default::default()
        };
        assert!(run(&fake).0.is_ok());
    }

    #[test]
    fn a_session_that_names_another_address_is_not_taken_for_success() {
        let fake = Fake {
            claimed_address: Some("0xdead".into()),
            ..Default::default()
        };
        let err = run(&fake).0.unwrap_err();
        assert_eq!(err.step, RegistrationStep::Confirming);
        assert!(err.message.contains("0xdead"));
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn the_seed_message_is_the_one_the_stark_derivation_signs() {
        // The worker derives with imx-crypto, which the SDK's vectors check.
        assert_eq!(STARK_SEED_MESSAGE, imx_crypto::STARK_DERIVATION_MESSAGE);
        assert_eq!(
            stark_seed_message(),
            format!("0x{}", hex::encode(imx_crypto::STARK_DERIVATION_MESSAGE))
        );
    }

    #[test]
    fn steps_have_labels_and_positions() {
        assert_eq!(RegistrationStep::Done.index(), 6);
        assert!(RegistrationStep::ALL.iter().all(|s| !s.label().is_empty()));
    }
}
