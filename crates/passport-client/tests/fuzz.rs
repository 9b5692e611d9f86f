//! Property-based fuzzing of what the client parses from outside: ID tokens,
//! stored sessions, pending sign-ins and callback URLs. Arbitrary bytes and
//! mutations of genuine values must give a typed error or a value, never a
//! panic, and errors never echo secrets.
//!
//! `FUZZ_CASES` sets the cases per property (default 256, seconds in the test
//! command; `scripts/reliability.sh` runs more). The last line reports the
//! count and time for the reliability report.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use passport_client::callback;
use passport_client::config::PageLocation;
use passport_client::jwt::{self, Expected};
use passport_client::oauth;
use passport_client::pending::{self, Flow};
use passport_client::storage::{KeyValueStore, MemoryStore};
use passport_client::{user, RuntimeConfig};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

static EXECUTIONS: AtomicU64 = AtomicU64::new(0);

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

fn run<S: Strategy>(strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |value| {
            EXECUTIONS.fetch_add(1, Ordering::Relaxed);
            test(value)
        })
        .unwrap();
}

const SECRET: &str = "SECRET-7f3a";

fn genuine_token() -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"iss":"http://127.0.0.1:8081/","aud":"local-passport-app","sub":"email|1","exp":1800000900,"iat":1800000000,"nonce":"{SECRET}","email":"a@example.test"}}"#
    ));
    format!("{header}.{claims}.c2ln")
}

/// Overwrites, inserts or deletes bytes of `base` at positions from `edits`.
fn mutate(base: &str, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut bytes = base.as_bytes().to_vec();
    for &(at, kind, byte) in edits {
        let at = at % (bytes.len() + 1);
        match kind % 3 {
            0 if at < bytes.len() => bytes[at] = byte,
            1 => bytes.insert(at, byte),
            _ if at < bytes.len() => {
                bytes.remove(at);
            }
            _ => {}
        }
    }
    bytes
}

fn edits() -> impl Strategy<Value = Vec<(usize, u8, u8)>> {
    prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8)
}

fn check_token(token: &str) {
    let expected = Expected {
        issuer: "http://127.0.0.1:8081/",
        client_id: "local-passport-app",
        api_audience: "platform_api",
        nonce: Some("n"),
        now: 1_800_000_000,
    };
    if let Ok(decoded) = jwt::decode(token) {
        let _ = jwt::check_claims(&decoded.claims, &expected);
    }
    let _ = jwt::unverified_exp(token);
}

#[test]
fn fuzz_client_parsing() {
    let started = Instant::now();

    // ID tokens: arbitrary text, and mutations of a genuine one.
    run(".{0,300}", |text: String| {
        check_token(&text);
        Ok(())
    });
    let token = genuine_token();
    run(edits(), |e| {
        let bytes = mutate(&token, &e);
        if let Ok(text) = String::from_utf8(bytes) {
            check_token(&text);
            if let Err(err) = jwt::decode(&text) {
                let shown = format!("{err} {err:?}");
                prop_assert!(!shown.contains(SECRET), "an error echoed a secret");
            }
        }
        Ok(())
    });

    // Stored sessions: arbitrary JSON-ish text and mutations of a genuine one.
    let stored = format!(
        r#"{{"version":1,"user":{{"profile":{{"sub":"s","email":null,"nickname":null}},"passport":null,"id_token":"{SECRET}","access_token":"{SECRET}","refresh_token":"{SECRET}","id_token_expires_at":1,"access_token_expires_at":1}}}}"#
    );
    assert!(
        user::from_stored(&stored).is_ok(),
        "the seed is a genuine session"
    );
    run(r#"[\{\}\[\]":,0-9a-z_ ]{0,200}"#, |text: String| {
        let _ = user::from_stored(&text);
        Ok(())
    });
    run(edits(), |e| {
        if let Ok(text) = String::from_utf8(mutate(&stored, &e)) {
            if let Err(err) = user::from_stored(&text) {
                let shown = format!("{err} {err:?}");
                prop_assert!(!shown.contains(SECRET), "an error echoed a secret");
            }
        }
        Ok(())
    });

    // Callback URLs against a store with a genuine pending sign-in, whose
    // entry is itself mutated: either the genuine sign-in matches or a typed error.
    let page = PageLocation {
        origin: "http://localhost:8080".into(),
        base_path: "/".into(),
    };
    let config = RuntimeConfig::parse("{}").unwrap().resolve(&page).unwrap();
    run((".{0,200}", edits()), |(query, e)| {
        let store = MemoryStore::default();
        let request =
            oauth::OAuthClient::new(&config).authorize(Flow::Popup, &page.origin, 0.0, None);
        pending::save(&store, &request.pending, 0.0);
        let key = store.keys().pop().unwrap();
        let raw = store.get(&key).unwrap();
        if let Ok(text) = String::from_utf8(mutate(&raw, &e)) {
            store.set(&key, &text);
        }
        let href = format!("http://localhost:8080/redirect?{query}");
        let _ = callback::read(&href, &page.origin, &store, 1.0);
        let state = request.pending.state.as_str();
        let genuine = format!("http://localhost:8080/redirect?code=c&state={state}");
        match callback::read(&genuine, &page.origin, &store, 1.0) {
            Ok(cb) => prop_assert_eq!(cb.pending.state.as_str(), state),
            Err(err) => {
                let refused = matches!(err, passport_client::PassportError::NoMatchingState { .. });
                prop_assert!(refused, "unexpected error");
            }
        }
        Ok(())
    });

    eprintln!(
        "fuzz passport-client-parsing: cases={} elapsed_ms={}",
        EXECUTIONS.load(Ordering::Relaxed),
        started.elapsed().as_millis()
    );
}
