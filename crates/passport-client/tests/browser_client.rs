//! The browser layer in headless Chromium: storage, the cross-tab lock, WebCrypto
//! signature verification and the sign-in result messages.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use passport_client::browser::jwks::Jwk;
use passport_client::browser::storage::LocalStore;
use passport_client::browser::{locks, messaging, time, webcrypto};
use passport_client::config::{PageLocation, RuntimeConfig};
use passport_client::pending::{self, Flow, PendingLogin};
use passport_client::secret::{CodeVerifier, LoginState, Nonce};
use passport_client::storage::KeyValueStore;
use passport_client::Passport;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn local_storage_round_trips_and_lists_keys() {
    LocalStore.set("test.key", "value");
    assert_eq!(LocalStore.get("test.key").as_deref(), Some("value"));
    assert!(LocalStore.keys().contains(&"test.key".to_owned()));
    LocalStore.remove("test.key");
    assert_eq!(LocalStore.get("test.key"), None);
}

#[wasm_bindgen_test]
fn a_pending_sign_in_in_local_storage_is_taken_once() {
    let pending = PendingLogin {
        state: LoginState::new("browser-state"),
        verifier: CodeVerifier::new("v".repeat(43)),
        nonce: Nonce::new("n"),
        flow: Flow::Redirect,
        origin: "http://localhost".into(),
        created_at_ms: time::now_ms(),
    };
    assert!(pending::save(&LocalStore, &pending, time::now_ms()));
    let taken = pending::take(
        &LocalStore,
        &LoginState::new("browser-state"),
        time::now_ms(),
    )
    .unwrap();
    assert_eq!(taken.flow, Flow::Redirect);
    assert!(pending::take(
        &LocalStore,
        &LoginState::new("browser-state"),
        time::now_ms()
    )
    .is_none());
}

fn passport() -> Passport {
    let page = PageLocation {
        origin: "http://localhost:8080".into(),
        base_path: "/".into(),
    };
    Passport::new(RuntimeConfig::default().resolve(&page).unwrap())
}

#[wasm_bindgen_test]
async fn a_corrupt_stored_session_reads_as_signed_out_and_is_removed() {
    let passport = passport();
    let key = passport.user_storage_key().to_owned();
    for corrupt in [
        "{\"version\":1,\"user\":",
        "{\"foreign\":true}",
        "{\"version\":0,\"user\":{}}",
        "42",
    ] {
        LocalStore.set(&key, corrupt);
        assert!(passport.restore().await.unwrap().is_none(), "{corrupt}");
        assert_eq!(LocalStore.get(&key), None, "removed: {corrupt}");
    }
}

#[wasm_bindgen_test]
async fn no_stored_session_restores_nothing_without_error() {
    let passport = passport();
    LocalStore.remove(passport.user_storage_key());
    assert!(passport.restore().await.unwrap().is_none());
}

#[wasm_bindgen_test]
async fn the_lock_lets_one_holder_in_at_a_time() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let task = |name: &'static str, log: Rc<RefCell<Vec<String>>>| async move {
        locks::with_lock("test-lock", async {
            log.borrow_mut().push(format!("{name} in"));
            time::sleep(50).await;
            log.borrow_mut().push(format!("{name} out"));
        })
        .await;
    };
    futures::join!(task("a", log.clone()), task("b", log.clone()));
    let log = log.borrow().clone();
    assert_eq!(log.len(), 4);
    // Whoever entered first left before the other entered.
    assert!(
        log[0].ends_with(" in") && log[1].ends_with(" out") && log[0][..1] == log[1][..1],
        "{log:?}"
    );
    assert!(
        log[2].ends_with(" in") && log[3].ends_with(" out"),
        "{log:?}"
    );
}

fn set(object: &Object, key: &str, value: impl Into<JsValue>) {
    Reflect::set(object, &key.into(), &value.into()).unwrap();
}

/// A fresh RSA key pair in WebCrypto, the public half as a JWK, and a signer.
async fn key_pair() -> (Jwk, web_sys::CryptoKey) {
    let subtle = web_sys::window().unwrap().crypto().unwrap().subtle();
    let algorithm = Object::new();
    set(&algorithm, "name", "RSASSA-PKCS1-v1_5");
    set(&algorithm, "modulusLength", 2048);
    set(
        &algorithm,
        "publicExponent",
        Uint8Array::from(&[1u8, 0, 1][..]),
    );
    set(&algorithm, "hash", "SHA-256");
    let usages = Array::of2(&"sign".into(), &"verify".into());
    let pair = JsFuture::from(
        subtle
            .generate_key_with_object(&algorithm, true, &usages)
            .unwrap(),
    )
    .await
    .unwrap();
    let public: web_sys::CryptoKey = Reflect::get(&pair, &"publicKey".into())
        .unwrap()
        .unchecked_into();
    let private: web_sys::CryptoKey = Reflect::get(&pair, &"privateKey".into())
        .unwrap()
        .unchecked_into();
    let jwk = JsFuture::from(subtle.export_key("jwk", &public).unwrap())
        .await
        .unwrap();
    let get = |k: &str| Reflect::get(&jwk, &k.into()).unwrap().as_string().unwrap();
    (
        Jwk {
            kid: Some("k1".into()),
            kty: "RSA".into(),
            n: get("n"),
            e: get("e"),
        },
        private,
    )
}

async fn sign(key: &web_sys::CryptoKey, message: &[u8]) -> Vec<u8> {
    let subtle = web_sys::window().unwrap().crypto().unwrap().subtle();
    let promise = subtle
        .sign_with_str_and_u8_array("RSASSA-PKCS1-v1_5", key, message)
        .unwrap();
    Uint8Array::new(&JsFuture::from(promise).await.unwrap()).to_vec()
}

#[wasm_bindgen_test]
async fn webcrypto_accepts_a_good_signature_and_rejects_tampering() {
    let (jwk, private) = key_pair().await;
    let message = b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0";
    let signature = sign(&private, message).await;
    assert!(
        webcrypto::verify_rs256(&jwk, message, &signature)
            .await
            .unwrap(),
        "a good token verifies"
    );

    let tampered = b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIyIn0";
    assert!(
        !webcrypto::verify_rs256(&jwk, tampered, &signature)
            .await
            .unwrap(),
        "changed claims fail"
    );

    let mut bad_signature = signature.clone();
    bad_signature[10] ^= 0xff;
    assert!(
        !webcrypto::verify_rs256(&jwk, message, &bad_signature)
            .await
            .unwrap(),
        "a changed signature fails"
    );

    let (other_key, _) = key_pair().await;
    assert!(
        !webcrypto::verify_rs256(&other_key, message, &signature)
            .await
            .unwrap(),
        "another key fails"
    );
}

#[wasm_bindgen_test]
async fn sign_in_results_for_other_sign_ins_are_ignored() {
    let listener = messaging::ResultListener::new("mine");
    let window = web_sys::window().unwrap();
    let origin = window.location().origin().unwrap();
    let post = |state: &str, kind: &str| {
        let message = js_sys::JSON::parse(&format!(
            r#"{{"type":"{kind}","state":"{state}","error":null}}"#
        ))
        .unwrap();
        window.post_message(&message, &origin).unwrap();
    };
    post("someone-elses", messaging::MESSAGE_TYPE);
    post("mine", "unrelated-type");
    time::sleep(50).await;
    assert!(listener.take().is_none(), "neither message is ours");
    post("mine", messaging::MESSAGE_TYPE);
    time::sleep(50).await;
    let message = listener.take().expect("our result arrives");
    assert_eq!(message.state, "mine");
    assert!(message.error.is_none());
}

#[wasm_bindgen_test]
async fn the_broadcast_channel_delivers_when_the_opener_is_gone() {
    let listener = messaging::ResultListener::new("lost-opener");
    messaging::send(&messaging::LoginMessage {
        kind: messaging::MESSAGE_TYPE.into(),
        state: "lost-opener".into(),
        error: Some("access_denied".into()),
    });
    // A channel does not deliver to its own sender object; `send` uses its own.
    time::sleep(100).await;
    let message = listener.take().expect("delivered on the channel");
    assert_eq!(message.error.as_deref(), Some("access_denied"));
}

/// A stored user whose tokens expired: using them means a refresh first.
fn user_with_expired_tokens() -> passport_client::user::User {
    use passport_client::secret::{AccessToken, IdToken, RefreshToken};
    use passport_client::user::{User, UserProfile};
    let now = time::now_secs();
    User {
        profile: UserProfile {
            sub: "email|join".into(),
            email: Some("join@example.test".into()),
            nickname: None,
            username: None,
        },
        passport: None,
        id_token: IdToken::new("id.token.value"),
        access_token: AccessToken::new("access.token.value"),
        refresh_token: Some(RefreshToken::new("refresh-value")),
        id_token_expires_at: now - 60,
        access_token_expires_at: now - 60,
    }
}

/// The same user with tokens valid for an hour: no refresh needed.
fn user_with_fresh_tokens() -> passport_client::user::User {
    let mut user = user_with_expired_tokens();
    user.id_token_expires_at = time::now_secs() + 3600;
    user.access_token_expires_at = time::now_secs() + 3600;
    user
}

#[wasm_bindgen_test]
async fn a_second_register_while_one_runs_joins_it_instead_of_registering_again() {
    use passport_client::registration::RegistrationStep;
    let passport = passport();
    let key = passport.user_storage_key().to_owned();
    // Connected while the session is fresh...
    LocalStore.set(
        &key,
        &passport_client::user::to_stored(&user_with_fresh_tokens()),
    );
    let imx = passport
        .connect_imx()
        .await
        .expect("a stored user, no popup");
    LocalStore.set(
        &key,
        &passport_client::user::to_stored(&user_with_expired_tokens()),
    );
    // ...then its tokens expire: the first step needs a refresh, which waits on the session lock and the
    // network (the provider is not running here, so it fails): the second call
    // finds the first in flight.

    let first_steps = Rc::new(RefCell::new(Vec::new()));
    let second_steps = Rc::new(RefCell::new(Vec::new()));
    let (first, second) = (first_steps.clone(), second_steps.clone());
    let report_first = move |step| first.borrow_mut().push(step);
    let report_second = move |step| second.borrow_mut().push(step);
    let (first, second) = futures::join!(
        imx.register_offchain(report_first),
        imx.register_offchain(report_second),
    );
    let first = first.expect_err("no session").to_string();
    assert_eq!(second.expect_err("same run").to_string(), first);
    assert_eq!(*first_steps.borrow(), [RegistrationStep::ConnectingWallet]);
    assert!(
        second_steps.borrow().is_empty(),
        "the joined call reports no steps of its own: {:?}",
        second_steps.borrow()
    );

    // Once the run ended, the next call is a run of its own.
    let again = imx
        .register_offchain({
            let steps = second_steps.clone();
            move |step| steps.borrow_mut().push(step)
        })
        .await;
    assert!(again.is_err());
    assert_eq!(*second_steps.borrow(), [RegistrationStep::ConnectingWallet]);
    LocalStore.remove(&key);
}

/// Counts `window.open` calls instead of opening windows.
fn count_window_opens() -> js_sys::Function {
    let stub =
        js_sys::Function::new_no_args("window.__opens = (window.__opens || 0) + 1; return null;");
    let window = web_sys::window().unwrap();
    let original: js_sys::Function = Reflect::get(&window, &"open".into())
        .unwrap()
        .unchecked_into();
    Reflect::set(&window, &"open".into(), &stub).unwrap();
    Reflect::set(&window, &"__opens".into(), &JsValue::from(0)).unwrap();
    original
}

fn window_opens() -> f64 {
    Reflect::get(&web_sys::window().unwrap(), &"__opens".into())
        .unwrap()
        .as_f64()
        .unwrap_or(0.0)
}

#[wasm_bindgen_test]
async fn login_when_already_signed_in_returns_the_user_without_a_window() {
    let passport = passport();
    let key = passport.user_storage_key().to_owned();
    LocalStore.set(
        &key,
        &passport_client::user::to_stored(&user_with_fresh_tokens()),
    );
    let original = count_window_opens();
    let signed_in = passport
        .login(passport_client::LoginOptions::default())
        .await
        .expect("the stored user");
    assert_eq!(signed_in.profile.sub, "email|join");
    assert_eq!(
        window_opens(),
        0.0,
        "no sign-in window for a signed-in user"
    );
    // The accessors agree with it.
    assert_eq!(
        passport.user_info().await.unwrap().unwrap().sub,
        "email|join"
    );
    assert!(passport.id_token().await.unwrap().is_some());
    assert!(passport.access_token().await.unwrap().is_some());
    Reflect::set(&web_sys::window().unwrap(), &"open".into(), &original).unwrap();
    LocalStore.remove(&key);
}

#[wasm_bindgen_test]
async fn the_accessors_agree_on_what_signed_out_returns() {
    let passport = passport();
    LocalStore.remove(passport.user_storage_key());
    assert!(passport.user_info().await.unwrap().is_none());
    assert!(passport.id_token().await.unwrap().is_none());
    assert!(passport.access_token().await.unwrap().is_none());
}

#[wasm_bindgen_test]
async fn connect_imx_with_a_session_the_provider_refuses_signs_in_again() {
    let passport = passport();
    let key = passport.user_storage_key().to_owned();
    LocalStore.set(
        &key,
        &passport_client::user::to_stored(&user_with_expired_tokens()),
    );
    // The provider refuses the refresh, as for a revoked session.
    let window = web_sys::window().unwrap();
    let original_fetch = Reflect::get(&window, &"fetch".into()).unwrap();
    let refusing = js_sys::Function::new_no_args(
        "return Promise.resolve(new Response(JSON.stringify({error: 'invalid_grant', error_description: 'revoked'}), \
         {status: 400, headers: {'content-type': 'application/json'}}));",
    );
    Reflect::set(&window, &"fetch".into(), &refusing).unwrap();
    let original_open = count_window_opens();

    let outcome = passport.connect_imx().await;

    Reflect::set(&window, &"fetch".into(), &original_fetch).unwrap();
    Reflect::set(&window, &"open".into(), &original_open).unwrap();
    // getUserOrLogin: the dead session is dropped and sign-in is asked for
    // (the stubbed window.open "blocks" it here), never a provider for nobody.
    assert_eq!(window_opens(), 1.0, "a sign-in window was asked for");
    assert!(
        matches!(outcome, Err(passport_client::PassportError::PopupBlocked)),
        "{:?}",
        outcome.err()
    );
    assert_eq!(LocalStore.get(&key), None, "the dead session is gone");
}

/// A Passport whose provider is at its own authority, so each test has its
/// own JWKS address (the page caches one key set).
fn passport_at(tag: &str) -> Passport {
    let page = PageLocation {
        origin: "http://localhost:8080".into(),
        base_path: "/".into(),
    };
    let json = format!(r#"{{"authority":"http://127.0.0.1:8081/{tag}/"}}"#);
    Passport::new(RuntimeConfig::parse(&json).unwrap().resolve(&page).unwrap())
}

/// Makes `window.fetch` answer as a provider whose refresh returns an ID
/// token with `claims`, RS256-signed by a fresh WebCrypto key. With
/// `forged`, the JWKS publishes another key than the one that signed.
async fn provider_refreshing_with(claims: serde_json::Value, forged: bool) {
    let install = js_sys::Function::new_with_args(
        "claims, forged",
        r#"return (async () => {
          const enc = new TextEncoder();
          const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
            .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
          const alg = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048,
                        publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
          const signer = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
          const published = forged ? await crypto.subtle.generateKey(alg, true, ['sign', 'verify']) : signer;
          const jwk = await crypto.subtle.exportKey('jwk', published.publicKey);
          const input = b64(enc.encode(JSON.stringify({ alg: 'RS256', kid: 'k1' }))) + '.' + b64(enc.encode(claims));
          const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', signer.privateKey, enc.encode(input));
          const keys = JSON.stringify({ keys: [{ kty: 'RSA', kid: 'k1', n: jwk.n, e: jwk.e }] });
          const tokens = JSON.stringify({ access_token: 'new.access.token', id_token: input + '.' + b64(signature),
                                          refresh_token: 'new-refresh', token_type: 'Bearer', expires_in: 86400 });
          window.fetch = (request) => {
            const url = typeof request === 'string' ? request : request.url;
            return Promise.resolve(new Response(url.includes('jwks') ? keys : tokens,
              { status: 200, headers: { 'content-type': 'application/json' } }));
          };
        })()"#,
    );
    let promise = install
        .call2(&JsValue::NULL, &claims.to_string().into(), &forged.into())
        .unwrap();
    JsFuture::from(promise.dyn_into::<js_sys::Promise>().unwrap())
        .await
        .unwrap();
}

/// Plants the expired session of `email|join` for `passport`, refreshes it
/// against a provider answering `claims`, and returns the outcome, whether a
/// user is still stored, and the session events heard.
async fn refresh_answered_with(
    tag: &str,
    claims: impl FnOnce(&str) -> serde_json::Value,
    forged: bool,
) -> (bool, Option<String>, Vec<String>) {
    let passport = passport_at(tag);
    let key = passport.user_storage_key().to_owned();
    LocalStore.set(
        &key,
        &passport_client::user::to_stored(&user_with_expired_tokens()),
    );
    let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = heard.clone();
    let _subscription = passport.subscribe(move |event, _| {
        sink.lock()
            .unwrap()
            .push(format!("{event:?}").split('(').next().unwrap().to_owned())
    });
    let window = web_sys::window().unwrap();
    let original_fetch = Reflect::get(&window, &"fetch".into()).unwrap();
    let issuer = format!("http://127.0.0.1:8081/{tag}/");
    provider_refreshing_with(claims(&issuer), forged).await;
    let restored = passport.restore().await;
    Reflect::set(&window, &"fetch".into(), &original_fetch).unwrap();
    let signed_in = matches!(restored, Ok(Some(_)));
    let stored = LocalStore.get(&key);
    LocalStore.remove(&key);
    let stored_sub = stored
        .and_then(|raw| passport_client::user::from_stored(&raw).ok())
        .map(|u| u.profile.sub);
    let heard = heard.lock().unwrap().clone();
    (signed_in, stored_sub, heard)
}

fn id_claims(issuer: &str, sub: &str) -> serde_json::Value {
    let now = time::now_secs();
    serde_json::json!({
        "iss": issuer, "sub": sub, "aud": "local-passport-app", "exp": now + 3600, "iat": now,
        "email": "join@example.test"
    })
}

/// OpenID Connect Core 12.2: a refresh answered with an ID token for another
/// subject is refused; the stored session ends with `Ended` instead of the
/// other user being announced as signed in (seen failing before: `SignedIn`
/// and the other user stored).
#[wasm_bindgen_test]
async fn a_refresh_for_another_subject_ends_the_session() {
    let (signed_in, stored, heard) = refresh_answered_with(
        "other-sub",
        |iss| id_claims(iss, "email|someone-else"),
        false,
    )
    .await;
    assert!(!signed_in);
    assert_eq!(stored, None, "nobody stays stored");
    assert_eq!(heard, vec!["Ended".to_owned()]);
}

/// A refreshed ID token whose signature does not verify ends the session
/// (seen failing before: the old user stayed stored).
#[wasm_bindgen_test]
async fn a_refreshed_id_token_that_fails_verification_ends_the_session() {
    let (signed_in, stored, heard) =
        refresh_answered_with("forged", |iss| id_claims(iss, "email|join"), true).await;
    assert!(!signed_in);
    assert_eq!(stored, None, "the old user is not kept");
    assert_eq!(heard, vec!["Ended".to_owned()]);
}

/// The control: the same subject, properly signed, is stored as a refresh.
#[wasm_bindgen_test]
async fn a_refresh_for_the_same_subject_is_stored() {
    let (signed_in, stored, heard) =
        refresh_answered_with("same-sub", |iss| id_claims(iss, "email|join"), false).await;
    assert!(signed_in);
    assert_eq!(stored.as_deref(), Some("email|join"));
    assert_eq!(heard, vec!["Refreshed".to_owned()]);
}

/// The IMX provider's calls as the SDK 2.14 answers them
/// (`starkEx/passportImxProvider.ts`, `utils/imxUser.ts`): with nobody signed
/// in at the start of the call, NOT_LOGGED_IN_ERROR (today's code answered
/// `false`); `get_address` for a user not registered with IMX,
/// USER_NOT_REGISTERED_ERROR; for a registered one, its `imx_eth_address`.
#[wasm_bindgen_test]
async fn the_imx_providers_calls_give_the_sdks_error_kinds() {
    use passport_client::{ErrorKind, PassportClaims};
    let passport = passport_at("imx-provider");
    let key = passport.user_storage_key().to_owned();
    LocalStore.set(
        &key,
        &passport_client::user::to_stored(&user_with_fresh_tokens()),
    );
    let provider = passport.connect_imx().await.unwrap();

    // A zkEVM-only account: signed in, not registered with IMX.
    let mut zkevm = user_with_fresh_tokens();
    zkevm.passport = Some(PassportClaims {
        zkevm_eth_address: Some("0x1111111111111111111111111111111111111111".into()),
        zkevm_user_admin_address: Some("0x2222222222222222222222222222222222222222".into()),
        ..PassportClaims::default()
    });
    LocalStore.set(&key, &passport_client::user::to_stored(&zkevm));
    assert_eq!(provider.is_registered_offchain(), Ok(false));
    assert_eq!(
        provider.get_address().unwrap_err().kind(),
        ErrorKind::UserNotRegisteredError
    );

    let mut registered = zkevm.clone();
    let claims = registered.passport.as_mut().unwrap();
    claims.imx_eth_address = Some("0xabc".into());
    claims.imx_stark_address = Some("0x0def".into());
    claims.imx_user_admin_address = Some("0x123".into());
    LocalStore.set(&key, &passport_client::user::to_stored(&registered));
    assert_eq!(provider.is_registered_offchain(), Ok(true));
    assert_eq!(provider.get_address().as_deref(), Ok("0xabc"));

    LocalStore.remove(&key);
    assert_eq!(
        provider.is_registered_offchain().unwrap_err().kind(),
        ErrorKind::NotLoggedInError
    );
    assert_eq!(
        provider.get_address().unwrap_err().kind(),
        ErrorKind::NotLoggedInError
    );
    let outcome = provider.register_offchain(|_| {}).await;
    assert_eq!(outcome.unwrap_err().kind(), ErrorKind::NotLoggedInError);
}
