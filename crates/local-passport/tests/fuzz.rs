//! Property-based fuzzing of the local Passport's request parsing: arbitrary
//! and mutated methods, paths, query strings, content types and bodies sent to
//! the real routers in-process (no sockets, so thousands of cases per second).
//! No request may cause a 5xx or a panic, and every refusal on an API route is
//! the typed JSON error (`{error}` for OAuth, `{code, message}` for IMX and the
//! wallet), on the HTML routes an HTML page.
//!
//! `FUZZ_CASES` sets the number of requests (default 256: seconds in the test
//! command; `scripts/reliability.sh` runs more). The last line reports count and time.

use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use clap::Parser;
use local_passport::cli::{Cli, Command};
use local_passport::server;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tower::ServiceExt;

const ENDPOINTS: [(&str, &str); 14] = [
    ("POST", "/oauth/token"),
    ("POST", "/oauth/revoke"),
    ("GET", "/authorize"),
    ("POST", "/authorize"),
    ("GET", "/userinfo"),
    ("GET", "/v2/logout"),
    ("POST", "/v1/signable-registration-offchain"),
    ("POST", "/v2/passport/users"),
    ("GET", "/v1/users/0xabc"),
    ("GET", "/.well-known/openid-configuration"),
    ("POST", "/wallet/v1/connect"),
    ("POST", "/wallet/v1/personal-sign"),
    ("POST", "/wallet/v1/stark-key"),
    ("POST", "/wallet/v1/stark-sign"),
];

const CONTENT_TYPES: [&str; 7] = [
    "application/json",
    "application/x-www-form-urlencoded",
    "text/plain",
    "",
    "application/json; charset=utf-8",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded; charset=\u{0}",
];

/// Genuine-looking bodies to mutate, so cases get past the first checks.
const SEEDS: [&str; 5] = [
    r#"{"ether_key":"0x0000000000000000000000000000000000000001","stark_key":"0x01","eth_signature":"0x00","stark_signature":"0x00"}"#,
    "grant_type=authorization_code&client_id=local-passport-app&code=abc&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fredirect&code_verifier=v",
    "response_type=code&client_id=local-passport-app&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fredirect&scope=openid&state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&mode=signin&email=a%40b.c&password=x",
    r#"{"message":"hello","hash":"0x1"}"#,
    "token=abc&client_id=local-passport-app",
];

#[derive(Debug, Clone)]
struct Case {
    endpoint: usize,
    content_type: usize,
    body: Vec<u8>,
    query: String,
    bearer: Option<String>,
}

fn case() -> impl Strategy<Value = Case> {
    let body = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        (
            0..SEEDS.len(),
            prop::collection::vec((any::<usize>(), any::<u8>()), 0..6)
        )
            .prop_map(|(seed, edits)| {
                let mut bytes = SEEDS[seed].as_bytes().to_vec();
                for (at, byte) in edits {
                    let at = at % (bytes.len() + 1);
                    if byte % 2 == 0 && at < bytes.len() {
                        bytes[at] = byte;
                    } else {
                        bytes.insert(at, byte);
                    }
                }
                bytes
            }),
    ];
    let query = prop_oneof![
        Just(String::new()),
        "[a-z_=&%0-9A-F]{0,120}",
        Just(SEEDS[2].to_owned()),
    ];
    (
        0..ENDPOINTS.len(),
        0..CONTENT_TYPES.len(),
        body,
        query,
        proptest::option::of("[ -~]{0,80}"),
    )
        .prop_map(|(endpoint, content_type, body, query, bearer)| Case {
            endpoint,
            content_type,
            body,
            query,
            bearer,
        })
}

#[test]
fn fuzz_request_parsing() {
    let started = Instant::now();
    let dir = std::env::temp_dir().join(format!("local-passport-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let Cli { command, serve } =
        Cli::parse_from(["local-passport", "--data-dir", dir.to_str().unwrap()]);
    assert!(command.is_none() || matches!(command, Some(Command::Serve(_))));
    let state = server::open_state(
        &serve,
        "http://127.0.0.1:1/".into(),
        "http://127.0.0.1:2".into(),
    )
    .unwrap();
    let (api, wallet) = server::apps(&state).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let cases: u32 = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    // What the cases got, reported at the end: proof they reached past the router.
    let statuses = std::sync::Mutex::new(std::collections::BTreeMap::<u16, u32>::new());
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&case(), |case| {
            let (method, path) = ENDPOINTS[case.endpoint];
            let uri = if case.query.is_empty() {
                path.to_owned()
            } else {
                format!("{path}?{}", case.query)
            };
            let Ok(uri) = uri.parse::<axum::http::Uri>() else {
                return Ok(());
            };
            let mut request = Request::builder().method(method).uri(uri);
            if !CONTENT_TYPES[case.content_type].is_empty() {
                request = request.header("content-type", CONTENT_TYPES[case.content_type]);
            }
            if let Some(bearer) = &case.bearer {
                request = request.header("authorization", format!("Bearer {bearer}"));
            }
            let Ok(request) = request.body(Body::from(case.body.clone())) else {
                return Ok(());
            };
            let app = if path.starts_with("/wallet") {
                wallet.clone()
            } else {
                api.clone()
            };
            let (status, content_type, body) = runtime.block_on(async {
                let response = app.oneshot(request).await.unwrap();
                let status = response.status().as_u16();
                let content_type = response
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                let body = axum::body::to_bytes(response.into_body(), 1 << 20)
                    .await
                    .unwrap();
                (status, content_type, body)
            });
            *statuses.lock().unwrap().entry(status).or_default() += 1;
            prop_assert!(
                status < 500,
                "{method} {path}: HTTP {status}: {}",
                String::from_utf8_lossy(&body)
            );
            if (400..500).contains(&status) && status != 404 && status != 405 {
                let html_route = path == "/authorize" || path == "/v2/logout";
                if html_route && method == "GET"
                    || html_route && status != 413 && content_type.starts_with("text/html")
                {
                    prop_assert!(
                        content_type.starts_with("text/html"),
                        "{method} {path}: {content_type}"
                    );
                } else {
                    let json: serde_json::Value = serde_json::from_slice(&body).map_err(|_| {
                        TestCaseError::fail(format!(
                            "{method} {path}: HTTP {status} untyped: {}",
                            String::from_utf8_lossy(&body)
                        ))
                    })?;
                    prop_assert!(
                        json.get("error").is_some() || json.get("code").is_some(),
                        "{method} {path}: {json}"
                    );
                }
            }
            Ok(())
        })
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let statuses = statuses.into_inner().unwrap();
    let seen: Vec<String> = statuses.iter().map(|(s, n)| format!("{s}:{n}")).collect();
    eprintln!(
        "fuzz local-passport-requests: cases={cases} elapsed_ms={} statuses={}",
        started.elapsed().as_millis(),
        seen.join(",")
    );
}
