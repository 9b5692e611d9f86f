//! The client's catalogue of hostile inputs: callbacks, ID tokens and stored
//! sessions an attacker, a bug or a crash could hand it. Each case names the
//! typed error it must produce, and checks that nothing was stored or lost.
//! (Signatures and JWKS keys are checked with WebCrypto: see browser_client.rs.
//! The local Passport's endpoints have their own catalogue in its crate.)
#![cfg(not(target_arch = "wasm32"))]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use passport_client::callback::{self, MAX_CALLBACK_URL_BYTES};
use passport_client::config::PageLocation;
use passport_client::jwt::{self, Expected, TokenError};
use passport_client::oauth;
use passport_client::pending::{self, Flow};
use passport_client::storage::{KeyValueStore, MemoryStore};
use passport_client::stored_user::StoredUserError;
use passport_client::user;
use passport_client::{PassportConfig, PassportError, RuntimeConfig};
use serde_json::json;

const ORIGIN: &str = "http://localhost:8080";
const NOW_MS: f64 = 1_800_000_000_000.0;
const NOW: i64 = 1_800_000_000;

fn config() -> PassportConfig {
    let page = PageLocation {
        origin: ORIGIN.into(),
        base_path: "/".into(),
    };
    RuntimeConfig::parse("{}").unwrap().resolve(&page).unwrap()
}

/// A store holding one sign-in started on `ORIGIN`; returns it with its `state`.
fn started_sign_in() -> (MemoryStore, String) {
    let store = MemoryStore::default();
    let request = oauth::OAuthClient::new(&config()).authorize(Flow::Popup, ORIGIN, NOW_MS, None);
    let state = request.pending.state.as_str().to_owned();
    assert!(pending::save(&store, &request.pending, NOW_MS));
    (store, state)
}

fn redirect(query: &str) -> String {
    format!("{ORIGIN}/redirect?{query}")
}

fn enc(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

fn read(store: &MemoryStore, href: &str) -> Result<callback::Callback, PassportError> {
    callback::read(href, ORIGIN, store, NOW_MS)
}

fn assert_no_matching_state(result: Result<callback::Callback, PassportError>) {
    match result {
        Err(PassportError::NoMatchingState { .. }) => {}
        other => panic!("expected NoMatchingState, got {other:?}"),
    }
}

mod callback_cases {
    use super::*;

    #[test]
    fn a_genuine_callback_is_matched_once() {
        let (store, state) = started_sign_in();
        let cb = read(
            &store,
            &redirect(&format!("code=abc&state={}", enc(&state))),
        )
        .unwrap();
        assert_eq!(cb.outcome.unwrap().secret(), "abc");
        assert_eq!(cb.pending.flow, Flow::Popup);
    }

    #[test]
    fn missing_state_is_no_matching_state() {
        let (store, _) = started_sign_in();
        assert_no_matching_state(read(&store, &redirect("code=abc")));
        assert_eq!(store.keys().len(), 1, "the real sign-in is still pending");
    }

    #[test]
    fn forged_state_is_no_matching_state_and_keeps_the_real_sign_in() {
        let (store, state) = started_sign_in();
        assert_no_matching_state(read(&store, &redirect("code=stolen&state=forged")));
        // The genuine callback still works afterwards: nothing was lost.
        assert!(read(
            &store,
            &redirect(&format!("code=abc&state={}", enc(&state)))
        )
        .is_ok());
    }

    #[test]
    fn replayed_state_is_no_matching_state() {
        let (store, state) = started_sign_in();
        let href = redirect(&format!("code=abc&state={}", enc(&state)));
        read(&store, &href).unwrap();
        assert_no_matching_state(read(&store, &href));
    }

    #[test]
    fn stale_state_older_than_fifteen_minutes_is_no_matching_state() {
        let (store, state) = started_sign_in();
        let later = NOW_MS + 15.0 * 60_000.0 + 1.0;
        let href = redirect(&format!("code=abc&state={}", enc(&state)));
        assert!(matches!(
            callback::read(&href, ORIGIN, &store, later),
            Err(PassportError::NoMatchingState { .. })
        ));
    }

    #[test]
    fn state_from_another_host_names_where_sign_in_started() {
        let (store, state) = started_sign_in();
        let href = format!(
            "http://127.0.0.1:8080/redirect?code=abc&state={}",
            enc(&state)
        );
        match callback::read(
            &href,
            "http://127.0.0.1:8080",
            &MemoryStore::default(),
            NOW_MS,
        ) {
            Err(PassportError::NoMatchingState { started_on, .. }) => {
                assert_eq!(started_on.as_deref(), Some(ORIGIN))
            }
            other => panic!("expected NoMatchingState, got {other:?}"),
        }
        assert_eq!(store.keys().len(), 1);
    }

    /// The `state` is written by whoever made the link: the origin it names
    /// is repeated to the user only when it is the callback's loopback
    /// sibling (localhost against 127.0.0.1, same scheme and port), the one
    /// mix-up worth explaining. Any other origin reads as a spent link.
    #[test]
    fn only_a_loopback_sibling_named_by_the_state_is_shown() {
        let state_naming = |origin: &str| format!("x.{}", URL_SAFE_NO_PAD.encode(origin));
        let table: &[(&str, &str, Option<&str>)] = &[
            // (callback origin, origin in the state, shown as where sign-in started)
            (
                "http://127.0.0.1:8080",
                "http://localhost:8080",
                Some("http://localhost:8080"),
            ),
            (
                "http://localhost:8080",
                "http://127.0.0.1:8080",
                Some("http://127.0.0.1:8080"),
            ),
            ("http://localhost:8080", "http://localhost:8080", None), // the same host: spent or stale
            ("http://localhost:8080", "https://evil.example", None),
            ("http://localhost:8080", "http://evil.localhost:8080", None),
            ("http://localhost:8080", "http://127.0.0.2:8080", None),
            ("http://localhost:8080", "https://127.0.0.1:8080", None), // another scheme
            ("http://localhost:8080", "http://127.0.0.1:9999", None),  // another port
            ("https://game.example", "https://www.game.example", None),
        ];
        for &(callback_origin, started, shown) in table {
            let href = format!(
                "{callback_origin}/redirect?code=abc&state={}",
                enc(&state_naming(started))
            );
            match callback::read(&href, callback_origin, &MemoryStore::default(), NOW_MS) {
                Err(PassportError::NoMatchingState { started_on, .. }) => {
                    assert_eq!(started_on.as_deref(), shown, "{callback_origin} {started}")
                }
                other => panic!("expected NoMatchingState, got {other:?}"),
            }
        }
    }

    /// `error` and `error_description` are the URL's, so anyone's: the message
    /// quotes the code and never carries the description as its own words.
    #[test]
    fn a_providers_error_text_is_quoted_never_spoken() {
        let (store, state) = started_sign_in();
        let href = redirect(&format!(
            "error={}&error_description={}&state={}",
            enc("access_denied\u{202e}\n"),
            enc("Your account is locked. Call +1 555 0100 to unlock it."),
            enc(&state)
        ));
        let err = read(&store, &href).unwrap().outcome.unwrap_err();
        let message = err.to_string();
        assert!(!message.contains("Call +1"), "{message}");
        assert!(message.contains("“access_denied”"), "{message}");
        assert!(
            !message.contains('\n') && !message.contains('\u{202e}'),
            "{message}"
        );
        let (store, state) = started_sign_in();
        let long = redirect(&format!("error={}&state={}", "a".repeat(5000), enc(&state)));
        let message = read(&store, &long)
            .unwrap()
            .outcome
            .unwrap_err()
            .to_string();
        assert!(message.len() < 300, "a long code is cut: {}", message.len());
    }

    #[test]
    fn missing_code_is_missing_code_and_uses_up_the_state() {
        let (store, state) = started_sign_in();
        let cb = read(&store, &redirect(&format!("state={}", enc(&state)))).unwrap();
        assert_eq!(cb.outcome.unwrap_err(), PassportError::MissingCode);
        assert!(
            store.keys().is_empty(),
            "a failed callback cannot be retried with another code"
        );
    }

    #[test]
    fn empty_code_is_missing_code() {
        let (store, state) = started_sign_in();
        let cb = read(&store, &redirect(&format!("code=&state={}", enc(&state)))).unwrap();
        assert_eq!(cb.outcome.unwrap_err(), PassportError::MissingCode);
    }

    #[test]
    fn provider_error_with_state_is_a_provider_error() {
        let (store, state) = started_sign_in();
        let href = redirect(&format!(
            "error=access_denied&error_description=User%20said%20no&state={}",
            enc(&state)
        ));
        let cb = read(&store, &href).unwrap();
        assert_eq!(
            cb.outcome.unwrap_err(),
            PassportError::Provider {
                error: "access_denied".into(),
                description: Some("User said no".into())
            }
        );
    }

    #[test]
    fn provider_error_with_a_code_is_still_the_error() {
        let (store, state) = started_sign_in();
        let href = redirect(&format!(
            "error=server_error&code=abc&state={}",
            enc(&state)
        ));
        assert!(matches!(
            read(&store, &href).unwrap().outcome,
            Err(PassportError::Provider { .. })
        ));
    }

    #[test]
    fn provider_error_without_state_is_a_provider_error() {
        let store = MemoryStore::default();
        assert!(matches!(
            read(&store, &redirect("error=login_required")),
            Err(PassportError::Provider { ref error, .. }) if error == "login_required"
        ));
    }

    #[test]
    fn response_in_the_fragment_is_an_invalid_callback() {
        let (store, state) = started_sign_in();
        let href = format!("{ORIGIN}/redirect#code=abc&state={}", enc(&state));
        assert!(matches!(
            read(&store, &href),
            Err(PassportError::InvalidCallback(_))
        ));
        assert_eq!(store.keys().len(), 1, "the pending sign-in is untouched");
    }

    #[test]
    fn enormous_parameters_are_an_invalid_callback() {
        let (store, state) = started_sign_in();
        let code = "A".repeat(MAX_CALLBACK_URL_BYTES);
        let href = redirect(&format!("code={code}&state={}", enc(&state)));
        assert!(matches!(
            read(&store, &href),
            Err(PassportError::InvalidCallback(_))
        ));
        assert_eq!(store.keys().len(), 1, "the pending sign-in is untouched");
    }

    #[test]
    fn an_unreadable_address_is_an_invalid_callback() {
        let store = MemoryStore::default();
        assert!(matches!(
            read(&store, "not a url"),
            Err(PassportError::InvalidCallback(_))
        ));
    }

    #[test]
    fn errors_never_echo_the_code() {
        let (store, _) = started_sign_in();
        let err = read(&store, &redirect("code=SECRETCODE123&state=forged")).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("SECRETCODE123"));
    }
}

/// An unsigned-but-well-formed JWT: these cases fail before any signature check.
fn jwt_with(header: serde_json::Value, claims: serde_json::Value) -> String {
    let part = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.{}",
        part(&header),
        part(&claims),
        URL_SAFE_NO_PAD.encode(b"sig")
    )
}

fn good_claims() -> serde_json::Value {
    json!({
        "iss": "http://127.0.0.1:8081/", "aud": "local-passport-app", "sub": "email|1",
        "exp": NOW + 900, "iat": NOW, "nonce": "n-1", "email": "a@example.test"
    })
}

fn rs256() -> serde_json::Value {
    json!({"alg": "RS256", "kid": "k1", "typ": "JWT"})
}

fn expected() -> Expected<'static> {
    Expected {
        issuer: "http://127.0.0.1:8081/",
        client_id: "local-passport-app",
        api_audience: "platform_api",
        nonce: Some("n-1"),
        now: NOW,
    }
}

fn check(token: &str) -> Result<(), TokenError> {
    let decoded = jwt::decode(token)?;
    jwt::check_claims(&decoded.claims, &expected())
}

fn with(field: &str, value: serde_json::Value) -> serde_json::Value {
    let mut claims = good_claims();
    claims[field] = value;
    claims
}

mod token_cases {
    use super::*;

    #[test]
    fn a_well_formed_token_passes_the_claim_checks() {
        check(&jwt_with(rs256(), good_claims())).unwrap();
    }

    #[test]
    fn alg_none_is_unsupported_algorithm() {
        let token = jwt_with(json!({"alg": "none"}), good_claims());
        assert_eq!(
            check(&token),
            Err(TokenError::UnsupportedAlgorithm("none".into()))
        );
    }

    #[test]
    fn hs256_key_confusion_is_unsupported_algorithm() {
        let token = jwt_with(json!({"alg": "HS256", "kid": "k1"}), good_claims());
        assert_eq!(
            check(&token),
            Err(TokenError::UnsupportedAlgorithm("HS256".into()))
        );
    }

    #[test]
    fn wrong_issuer_is_wrong_issuer() {
        let token = jwt_with(rs256(), with("iss", json!("https://evil.example/")));
        assert!(matches!(check(&token), Err(TokenError::WrongIssuer { .. })));
    }

    #[test]
    fn wrong_audience_is_wrong_audience() {
        let token = jwt_with(rs256(), with("aud", json!(["another-app"])));
        assert_eq!(check(&token), Err(TokenError::WrongAudience));
    }

    #[test]
    fn wrong_nonce_is_nonce_mismatch() {
        let token = jwt_with(rs256(), with("nonce", json!("replayed-nonce")));
        assert_eq!(check(&token), Err(TokenError::NonceMismatch));
    }

    #[test]
    fn missing_nonce_is_nonce_mismatch() {
        let mut claims = good_claims();
        claims.as_object_mut().unwrap().remove("nonce");
        assert_eq!(
            check(&jwt_with(rs256(), claims)),
            Err(TokenError::NonceMismatch)
        );
    }

    #[test]
    fn expired_is_expired() {
        let token = jwt_with(rs256(), with("exp", json!(NOW - 1)));
        assert_eq!(check(&token), Err(TokenError::Expired));
    }

    #[test]
    fn issued_in_the_future_is_issued_in_future() {
        let token = jwt_with(rs256(), with("iat", json!(NOW + 3600)));
        assert_eq!(check(&token), Err(TokenError::IssuedInFuture));
    }

    #[test]
    fn malformed_base64_is_malformed() {
        assert!(matches!(
            check("e30.###.sig"),
            Err(TokenError::Malformed(_))
        ));
        assert!(matches!(
            check("!!!.e30.sig"),
            Err(TokenError::Malformed(_))
        ));
    }

    #[test]
    fn malformed_json_is_malformed() {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256""#);
        let claims = URL_SAFE_NO_PAD.encode("[1,2,3]");
        assert!(matches!(
            check(&format!("{header}.{claims}.c2ln")),
            Err(TokenError::Malformed(_))
        ));
        let claims = URL_SAFE_NO_PAD.encode(r#"{"iss": 5}"#);
        let header = URL_SAFE_NO_PAD.encode(rs256().to_string());
        assert!(matches!(
            check(&format!("{header}.{claims}.c2ln")),
            Err(TokenError::Malformed(_))
        ));
    }

    #[test]
    fn wrong_number_of_parts_is_malformed() {
        assert!(matches!(check("only.two"), Err(TokenError::Malformed(_))));
        assert!(matches!(check("a.b.c.d"), Err(TokenError::Malformed(_))));
        assert!(matches!(check(""), Err(TokenError::Malformed(_))));
    }
}

/// A genuine stored session, as the client writes it.
fn genuine_stored() -> String {
    let user: passport_client::User = serde_json::from_value(json!({
        "profile": {"sub": "email|1", "email": "a@example.test", "nickname": null},
        "passport": null,
        "id_token": "h.c.s", "access_token": "h.c.s", "refresh_token": "rt",
        "id_token_expires_at": NOW + 900, "access_token_expires_at": NOW + 900
    }))
    .expect("the test's user matches the client's User");
    user::to_stored(&user)
}

mod storage_cases {
    use super::*;

    #[test]
    fn a_genuine_session_reads_back() {
        let user = user::from_stored(&genuine_stored()).unwrap();
        assert_eq!(user.profile.email.as_deref(), Some("a@example.test"));
    }

    #[test]
    fn every_truncation_of_the_session_is_refused_as_not_json_or_wrong_shape() {
        let raw = genuine_stored();
        for cut in 0..raw.len() {
            let err = user::from_stored(&raw[..cut]).unwrap_err();
            assert!(
                matches!(err, StoredUserError::NotJson | StoredUserError::WrongShape),
                "cut at {cut}: {err:?}"
            );
        }
    }

    #[test]
    fn foreign_json_is_wrong_shape() {
        for foreign in [r#"{"theme":"dark"}"#, "[]", "null", "42", r#""a string""#] {
            assert_eq!(
                user::from_stored(foreign).unwrap_err(),
                StoredUserError::WrongShape,
                "{foreign}"
            );
        }
    }

    #[test]
    fn wrong_types_are_wrong_shape() {
        let mut value: serde_json::Value = serde_json::from_str(&genuine_stored()).unwrap();
        value["expires_at"] = json!("tomorrow");
        assert_eq!(
            user::from_stored(&value.to_string()).unwrap_err(),
            StoredUserError::WrongShape
        );
        let mut value: serde_json::Value = serde_json::from_str(&genuine_stored()).unwrap();
        value["profile"] = json!(42);
        assert_eq!(
            user::from_stored(&value.to_string()).unwrap_err(),
            StoredUserError::WrongShape
        );
        let mut value: serde_json::Value = serde_json::from_str(&genuine_stored()).unwrap();
        value["version"] = json!("1");
        assert_eq!(
            user::from_stored(&value.to_string()).unwrap_err(),
            StoredUserError::WrongShape
        );
    }

    #[test]
    fn an_older_format_version_is_wrong_version() {
        let mut value: serde_json::Value = serde_json::from_str(&genuine_stored()).unwrap();
        value["version"] = json!(0);
        assert_eq!(
            user::from_stored(&value.to_string()).unwrap_err(),
            StoredUserError::WrongVersion(0)
        );
    }

    #[test]
    fn stored_errors_never_contain_the_tokens() {
        let raw = genuine_stored().replace("\"rt\"", "\"SECRET-REFRESH\"");
        let err = user::from_stored(&raw[..raw.len() - 3]).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("SECRET-REFRESH"));
    }

    #[test]
    fn a_truncated_pending_sign_in_is_no_matching_state_and_swept() {
        let (store, state) = started_sign_in();
        let key = store.keys().pop().unwrap();
        let raw = store.get(&key).unwrap();
        store.set(&key, &raw[..raw.len() / 2]);
        assert_no_matching_state(read(
            &store,
            &redirect(&format!("code=abc&state={}", enc(&state))),
        ));
        assert!(store.keys().is_empty(), "the corrupt entry is gone");
    }

    #[test]
    fn a_pending_sign_in_replaced_with_foreign_json_is_no_matching_state() {
        let (store, state) = started_sign_in();
        let key = store.keys().pop().unwrap();
        store.set(&key, r#"{"state":"x","verifier":1}"#);
        assert_no_matching_state(read(
            &store,
            &redirect(&format!("code=abc&state={}", enc(&state))),
        ));
    }

    #[test]
    fn a_pending_sign_in_deleted_mid_flow_is_no_matching_state() {
        let (store, state) = started_sign_in();
        for key in store.keys() {
            store.remove(&key);
        }
        assert_no_matching_state(read(
            &store,
            &redirect(&format!("code=abc&state={}", enc(&state))),
        ));
    }

    #[test]
    fn a_pending_sign_in_moved_under_another_state_is_refused() {
        // An attacker copies a genuine entry under the key of a state they chose.
        let (store, _) = started_sign_in();
        let key = store.keys().pop().unwrap();
        let raw = store.get(&key).unwrap();
        store.set(&format!("{}forged", pending::PENDING_PREFIX), &raw);
        assert_no_matching_state(read(&store, &redirect("code=abc&state=forged")));
    }
}
