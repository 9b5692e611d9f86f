//! Property-based fuzzing of the local Passport's request parsing: arbitrary
//! and mutated methods, paths, query strings, content types, lengths,
//! credentials, cookies and bodies, sent to the real routers in-process (no
//! sockets, so thousands of cases per second). A signed-up user's real tokens
//! and session cookie are among the credentials, so cases get past the
//! authentication checks to the parsing behind them.
//!
//! Properties: no panic and no 5xx; every 4xx in its route's format (RFC 6749
//! `{error}` on the OAuth endpoints, an HTML page on the browser's routes,
//! `{code, message}` everywhere else, unknown routes and methods included);
//! redirects only to registered URLs; no password, code, verifier, token or
//! session id sent is echoed back.
//!
//! `FUZZ_CASES` sets the number of requests (default 256: a second or two in the
//! test command; `scripts/reliability.sh` runs more). The last line reports
//! count and time.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, Request};
use axum::Router;
use clap::Parser;
use local_passport::cli::Cli;
use local_passport::secrets::{pkce_s256, random_token};
use local_passport::server;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use tower::ServiceExt;

const CLIENT_ID: &str = "local-passport-app";
const REDIRECT_URI: &str = "http://localhost:8080/redirect";
/// Where redirects may go: the default client's registered URLs.
const REGISTERED: [&str; 2] = ["http://localhost:8080/", "http://127.0.0.1:8080/"];
const MAX_BODY: usize = 64 * 1024;

/// Every route, with the method it takes and its origin (`true`: the wallet's).
const ENDPOINTS: [(&str, &str, bool); 15] = [
    ("POST", "/oauth/token", false),
    ("POST", "/oauth/revoke", false),
    ("GET", "/authorize", false),
    ("POST", "/authorize", false),
    ("GET", "/userinfo", false),
    ("GET", "/v2/logout", false),
    ("GET", "/.well-known/openid-configuration", false),
    ("GET", "/.well-known/jwks.json", false),
    ("GET", "/health/ready", false),
    ("GET", "/assets/passport.css", false),
    ("POST", "/v1/signable-registration-offchain", false),
    ("POST", "/v2/passport/users", false),
    (
        "GET",
        "/v1/users/0x0000000000000000000000000000000000000001",
        false,
    ),
    ("POST", "/v1/wallet", true),
    ("POST", "/v1/wallet/sign/message", true),
];
/// Routes whose errors are RFC 6749 JSON, and routes whose errors are pages.
const OAUTH_ROUTES: [&str; 2] = ["/oauth/token", "/oauth/revoke"];
const PAGE_ROUTES: [&str; 2] = ["/authorize", "/v2/logout"];

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// What gets inserted into paths: traversal, encodings, separators. All of
/// it is allowed in a request target, so every generated path parses.
const PATH_PIECES: [&str; 22] = [
    "/", ".", "..", "/..", "//", "%2e", "%2f", "%5c", "%ff", "%00", "%", "%zz", ";", "~", "x",
    "0x", "*", "\"", "{", "}", "@", ":",
];

const CONTENT_TYPES: [&str; 8] = [
    "application/json",
    "application/x-www-form-urlencoded",
    "APPLICATION/JSON; charset=utf-8",
    "application/x-www-form-urlencoded; charset=utf-8",
    "text/plain",
    "multipart/form-data; boundary=x",
    "application/jsonx",
    "",
];

/// Genuine-looking bodies to mutate, so cases get past the first checks.
/// `Zq8secretXw2V7kP` stands in for every secret: long and odd enough never to
/// occur in a response by chance.
const BODY_SEEDS: [&str; 8] = [
    r#"{"ether_key":"0x0000000000000000000000000000000000000001","stark_key":"0x01","eth_signature":"0x00","stark_signature":"0x00"}"#,
    "grant_type=authorization_code&client_id=local-passport-app&code=Zq8secretXw2V7kP&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fredirect&code_verifier=Zq8secretXw2V7kPZq8secretXw2V7kPZq8secretXw2V7kP",
    "grant_type=refresh_token&client_id=local-passport-app&refresh_token=Zq8secretXw2V7kP",
    r#"{"grant_type":"refresh_token","client_id":"local-passport-app","refresh_token":"Zq8secretXw2V7kP"}"#,
    "response_type=code&client_id=local-passport-app&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fredirect&scope=openid+offline_access&state=s&nonce=n&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&mode=signin&email=a%40b.c&password=Zq8secretXw2V7kP",
    "response_type=code&client_id=local-passport-app&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fredirect&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&mode=signup&email=fuzz%40example.test&password=Zq8secretXw2V7kP",
    r#"{"message":"hello","hash":"0x1"}"#,
    "token=Zq8secretXw2V7kP&client_id=local-passport-app",
];
const QUERY_SEEDS: [&str; 2] = [
    "response_type=code&client_id=local-passport-app&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fredirect&scope=openid&state=s&nonce=n&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
    "client_id=local-passport-app&returnTo=http%3A%2F%2Flocalhost%3A8080%2F",
];
/// Fields that carry secrets in a request body.
const SECRET_FIELDS: [&str; 5] = [
    "password",
    "code",
    "code_verifier",
    "refresh_token",
    "token",
];

#[derive(Debug, Clone)]
struct Case {
    method: &'static str,
    path: String,
    wallet: bool,
    query: String,
    content_type: Option<Vec<u8>>,
    length: Length,
    credential: Credential,
    cookie: Cookie,
    body: Vec<u8>,
}

/// The `Content-Length` header.
#[derive(Debug, Clone)]
enum Length {
    Absent,
    Exact,
    Declared(u64),
}

/// The `Authorization` header: the user's real tokens (filled in when sent,
/// never part of a printed case) or anything.
#[derive(Debug, Clone)]
enum Credential {
    None,
    AccessToken,
    IdToken,
    Garbage(Vec<u8>),
}

/// The `Cookie` header: the user's real sign-in session, or anything.
#[derive(Debug, Clone)]
enum Cookie {
    None,
    Session,
    Garbage(String),
}

/// `seed` with a few bytes overwritten or inserted, drawn from `alphabet`.
fn mutate(seed: &str, edits: &[(usize, usize, bool)], alphabet: &[u8]) -> Vec<u8> {
    let mut bytes = seed.as_bytes().to_vec();
    for &(at, pick, overwrite) in edits {
        let at = at % (bytes.len() + 1);
        let byte = alphabet[pick % alphabet.len()];
        if overwrite && at < bytes.len() {
            bytes[at] = byte;
        } else {
            bytes.insert(at, byte);
        }
    }
    bytes
}

fn edits() -> impl Strategy<Value = Vec<(usize, usize, bool)>> {
    prop::collection::vec((any::<usize>(), any::<usize>(), any::<bool>()), 0..6)
}

/// Bytes a header value may hold (visible ASCII, space, tab, obs-text).
fn header_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![0x20u8..0x7f, 0x80u8..=0xff, Just(b'\t')],
        0..max,
    )
}

fn target() -> impl Strategy<Value = (&'static str, String, bool)> {
    let method = |own: &'static str| prop_oneof![7 => Just(own), 1 => prop::sample::select(METHODS.to_vec())];
    let known = (0..ENDPOINTS.len()).prop_flat_map(move |i| {
        let (own, path, wallet) = ENDPOINTS[i];
        (method(own), Just(path.to_owned()), Just(wallet))
    });
    // Pieces inserted after the leading slash, so the path stays a path.
    let mutated = (
        0..ENDPOINTS.len(),
        prop::collection::vec((any::<usize>(), 0..PATH_PIECES.len()), 1..4),
    )
        .prop_flat_map(move |(i, inserts)| {
            let (own, path, wallet) = ENDPOINTS[i];
            let mut path = path.to_owned();
            for (at, piece) in inserts {
                let at = 1 + at % path.len();
                path.insert_str(at, PATH_PIECES[piece]);
            }
            (method(own), Just(path), Just(wallet))
        });
    let arbitrary = (
        prop::sample::select(METHODS.to_vec()),
        prop::collection::vec(prop::sample::select(PATH_PIECES.to_vec()), 0..8),
        any::<bool>(),
    )
        .prop_map(|(method, pieces, wallet)| (method, format!("/{}", pieces.concat()), wallet));
    prop_oneof![6 => known, 3 => mutated, 1 => arbitrary]
}

fn case() -> impl Strategy<Value = Case> {
    // Bytes allowed in a query string (RFC 3986 and what servers accept).
    let query_bytes: Vec<u8> = (0x21u8..=0x7e).filter(|b| !b"\"#<>".contains(b)).collect();
    let query = prop_oneof![
        2 => Just(String::new()),
        2 => "[!$-;=?-~]{0,120}",
        3 => (0..QUERY_SEEDS.len(), edits()).prop_map(move |(seed, edits)| {
            String::from_utf8(mutate(QUERY_SEEDS[seed], &edits, &query_bytes)).expect("ASCII")
        }),
    ];
    let body = prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..512),
        6 => (0..BODY_SEEDS.len(), edits()).prop_map(|(seed, edits)| {
            let any_byte: Vec<u8> = (0..=255).collect();
            mutate(BODY_SEEDS[seed], &edits, &any_byte)
        }),
        // Either side of the cap.
        1 => (MAX_BODY - 4..MAX_BODY + 4, any::<u8>()).prop_map(|(len, byte)| vec![byte; len]),
    ];
    let content_type = prop_oneof![
        6 => prop::sample::select(CONTENT_TYPES.to_vec()).prop_map(|c| Some(c.as_bytes().to_vec())),
        1 => Just(None),
        1 => header_bytes(40).prop_map(Some),
    ];
    let length = prop_oneof![
        6 => Just(Length::Absent),
        3 => Just(Length::Exact),
        // Anything, but mostly near the cap.
        1 => prop_oneof![0..2 * MAX_BODY as u64, any::<u64>()].prop_map(Length::Declared),
    ];
    let credential = prop_oneof![
        2 => Just(Credential::None),
        2 => Just(Credential::AccessToken),
        2 => Just(Credential::IdToken),
        1 => header_bytes(80).prop_map(Credential::Garbage),
        1 => "[ -~]{0,80}".prop_map(|t| Credential::Garbage(format!("Bearer {t}").into_bytes())),
    ];
    let cookie = prop_oneof![
        3 => Just(Cookie::None),
        1 => Just(Cookie::Session),
        1 => "[ -~]{0,60}".prop_map(Cookie::Garbage),
    ];
    (
        target(),
        query,
        content_type,
        length,
        credential,
        cookie,
        body,
    )
        .prop_map(
            |((method, path, wallet), query, content_type, length, credential, cookie, body)| {
                Case {
                    method,
                    path,
                    wallet,
                    query,
                    content_type,
                    length,
                    credential,
                    cookie,
                    body,
                }
            },
        )
}

/// The routers with a signed-up user: their tokens and session cookie.
struct Fixture {
    api: Router,
    wallet: Router,
    access_token: String,
    id_token: String,
    cookie: String,
    dir: PathBuf,
}

impl Fixture {
    fn new(runtime: &tokio::runtime::Runtime) -> Fixture {
        let dir = std::env::temp_dir().join(format!("local-passport-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let cli = Cli::parse_from(["local-passport", "--data-dir", dir.to_str().unwrap()]);
        let state = server::open_state(
            &cli.serve,
            "http://127.0.0.1:1/".into(),
            "http://127.0.0.1:2".into(),
        )
        .unwrap();
        let (api, wallet) = server::apps(&state).unwrap();
        let verifier = random_token();
        let form = |path: &str, fields: &[(&str, &str)]| {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields)
                .finish();
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap()
        };
        let challenge = pkce_s256(&verifier);
        let request_params = [
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("scope", "openid offline_access email transact"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        // The form first, as a browser opens it: its CSRF token and cookie.
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&request_params)
            .finish();
        let shown = runtime
            .block_on(
                api.clone().oneshot(
                    Request::get(format!("/authorize?{query}"))
                        .body(Body::empty())
                        .unwrap(),
                ),
            )
            .unwrap();
        let csrf_cookie = shown.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let page = runtime
            .block_on(axum::body::to_bytes(shown.into_body(), 1 << 20))
            .unwrap();
        let page = String::from_utf8_lossy(&page);
        let csrf = page
            .split_once(r#"name="csrf" value=""#)
            .unwrap()
            .1
            .split_once('"')
            .unwrap()
            .0
            .to_owned();
        let password = random_token();
        let mut fields = request_params.to_vec();
        fields.extend([
            ("mode", "signup"),
            ("email", "fuzzed@example.test"),
            ("password", password.as_str()),
            ("csrf", csrf.as_str()),
        ]);
        let mut sign_up = form("/authorize", &fields);
        sign_up
            .headers_mut()
            .insert(header::COOKIE, csrf_cookie.parse().unwrap());
        let response = runtime.block_on(api.clone().oneshot(sign_up)).unwrap();
        let header =
            |name: header::HeaderName| response.headers()[name].to_str().unwrap().to_owned();
        let (location, cookie) = (header(header::LOCATION), header(header::SET_COOKIE));
        let location = url::Url::parse(&location).unwrap();
        let code = location
            .query_pairs()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1
            .into_owned();
        let exchange = form(
            "/oauth/token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", CLIENT_ID),
                ("code", &code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", &verifier),
            ],
        );
        let tokens: serde_json::Value = runtime.block_on(async {
            let response = api.clone().oneshot(exchange).await.unwrap();
            serde_json::from_slice(
                &axum::body::to_bytes(response.into_body(), 1 << 20)
                    .await
                    .unwrap(),
            )
            .unwrap()
        });
        Fixture {
            api,
            wallet,
            access_token: tokens["access_token"].as_str().unwrap().to_owned(),
            id_token: tokens["id_token"].as_str().unwrap().to_owned(),
            cookie: cookie.split(';').next().unwrap().to_owned(),
            dir,
        }
    }

    fn request(&self, case: &Case) -> Request<Body> {
        let uri = if case.query.is_empty() {
            case.path.clone()
        } else {
            format!("{}?{}", case.path, case.query)
        };
        let mut request = Request::builder()
            .method(Method::from_bytes(case.method.as_bytes()).unwrap())
            .uri(
                uri.parse::<axum::http::Uri>()
                    .expect("generated targets parse"),
            );
        if let Some(content_type) = &case.content_type {
            request = request.header(
                header::CONTENT_TYPE,
                HeaderValue::from_bytes(content_type).unwrap(),
            );
        }
        match case.length {
            Length::Absent => {}
            Length::Exact => request = request.header(header::CONTENT_LENGTH, case.body.len()),
            Length::Declared(n) => request = request.header(header::CONTENT_LENGTH, n),
        }
        let authorization = match &case.credential {
            Credential::None => None,
            Credential::AccessToken => Some(format!("Bearer {}", self.access_token).into_bytes()),
            Credential::IdToken => Some(format!("Bearer {}", self.id_token).into_bytes()),
            Credential::Garbage(value) => Some(value.clone()),
        };
        if let Some(value) = authorization {
            request = request.header(
                header::AUTHORIZATION,
                HeaderValue::from_bytes(&value).unwrap(),
            );
        }
        // The wallet service (TEE Express) needs Magic's headers to get past
        // validation to the body and the token.
        if case.wallet {
            request = request
                .header("x-magic-api-key", "pk_live_10F423798A540ED7")
                .header("x-oidc-provider-id", "aa80b860-8869-4f13-9000-6a6ad3d20017")
                .header("x-magic-chain", "ETH");
        }
        match &case.cookie {
            Cookie::None => {}
            Cookie::Session => request = request.header(header::COOKIE, &self.cookie),
            Cookie::Garbage(value) => request = request.header(header::COOKIE, value),
        }
        request.body(Body::from(case.body.clone())).unwrap()
    }

    /// The secrets a case sends where the server must keep them to itself:
    /// the real credentials, and secret fields of the body unless the same
    /// text also went in a field the server may echo (an email, a state).
    fn secrets(&self, case: &Case) -> Vec<String> {
        let mut fields: Vec<(String, String)> = url::form_urlencoded::parse(&case.body)
            .into_owned()
            .collect();
        if let Ok(serde_json::Value::Object(object)) = serde_json::from_slice(&case.body) {
            fields.extend(
                object
                    .into_iter()
                    .filter_map(|(k, v)| Some((k, v.as_str()?.to_owned()))),
            );
        }
        let mut echoable: Vec<String> = url::form_urlencoded::parse(case.query.as_bytes())
            .map(|(_, v)| v.into_owned())
            .collect();
        echoable.push(case.path.clone());
        echoable.extend(
            fields
                .iter()
                .filter(|(k, _)| !SECRET_FIELDS.contains(&k.as_str()))
                .map(|(_, v)| v.clone()),
        );
        let mut secrets: Vec<String> = fields
            .into_iter()
            .filter(|(k, v)| SECRET_FIELDS.contains(&k.as_str()) && v.len() >= 12)
            .map(|(_, v)| v)
            .filter(|v| !echoable.iter().any(|e| e.contains(v.as_str())))
            .collect();
        match case.credential {
            Credential::AccessToken => secrets.push(self.access_token.clone()),
            Credential::IdToken => secrets.push(self.id_token.clone()),
            _ => {}
        }
        if let Cookie::Session = case.cookie {
            secrets.push(self.cookie.trim_start_matches("lp_session=").to_owned());
        }
        secrets
    }
}

/// The error format a 4xx must have.
#[derive(Debug, PartialEq)]
enum Format {
    OAuth,
    Page,
    Api,
    /// TEE Express (FastAPI): `{detail: "…"}` or `{detail: [{loc, msg, type}]}`.
    Tee,
}

fn expected_format(case: &Case, status: u16) -> Format {
    if case.wallet {
        return Format::Tee;
    }
    let route = Some(case.path.as_str());
    match route {
        // Unknown routes and methods are the server's, not an endpoint's.
        _ if status == 404 || status == 405 => Format::Api,
        Some(path) if OAUTH_ROUTES.contains(&path) => Format::OAuth,
        Some(path) if PAGE_ROUTES.contains(&path) => Format::Page,
        _ => Format::Api,
    }
}

fn check(
    case: &Case,
    fixture: &Fixture,
    status: u16,
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> Result<(), TestCaseError> {
    let what = format!("{} {}", case.method, case.path);
    let text = String::from_utf8_lossy(body);
    prop_assert!(status < 500, "{what}: HTTP {status}: {text}");
    let header = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    if (300..400).contains(&status) {
        let location = header(header::LOCATION);
        prop_assert!(
            REGISTERED.iter().any(|r| location.starts_with(r)),
            "{what}: redirect to an unregistered URL"
        );
    }
    if (400..500).contains(&status) {
        let content_type = header(header::CONTENT_TYPE);
        let format = expected_format(case, status);
        if format == Format::Page {
            prop_assert!(
                content_type.starts_with("text/html"),
                "{what}: HTTP {status} as {content_type}"
            );
        } else {
            prop_assert!(
                content_type.starts_with("application/json"),
                "{what}: HTTP {status} as {content_type}: {text}"
            );
        }
        // HEAD answers carry no body.
        if case.method != "HEAD" && format != Format::Page {
            let json: serde_json::Value = serde_json::from_slice(body).map_err(|_| {
                TestCaseError::fail(format!("{what}: HTTP {status} untyped: {text}"))
            })?;
            let typed = match format {
                Format::OAuth => json["error"].is_string() && json["error_description"].is_string(),
                Format::Tee => json["detail"].is_string() || json["detail"].is_array(),
                _ => json["code"].is_string() && json["message"].is_string(),
            };
            prop_assert!(typed, "{what}: HTTP {status} not as {format:?}: {json}");
        }
    }
    for secret in fixture.secrets(case) {
        let echoed = text.contains(&secret) || header(header::LOCATION).contains(&secret);
        // Names the kind of leak only: the test never prints a secret.
        prop_assert!(!echoed, "{what}: HTTP {status} echoes a secret it was sent");
    }
    Ok(())
}

#[test]
fn fuzz_request_parsing() {
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let fixture = Fixture::new(&runtime);
    let cases: u32 = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    // What the cases got, reported at the end: proof they reached past the router.
    let statuses = std::sync::Mutex::new(BTreeMap::<u16, u32>::new());
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&case(), |case| {
        let app = if case.wallet {
            &fixture.wallet
        } else {
            &fixture.api
        };
        let (status, headers, body) = runtime.block_on(async {
            let response = app.clone().oneshot(fixture.request(&case)).await.unwrap();
            let (parts, body) = response.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
            (parts.status.as_u16(), parts.headers, body)
        });
        *statuses.lock().unwrap().entry(status).or_default() += 1;
        check(&case, &fixture, status, &headers, &body)
    });
    let _ = std::fs::remove_dir_all(&fixture.dir);
    result.unwrap();
    let statuses = statuses.into_inner().unwrap();
    let seen: Vec<String> = statuses.iter().map(|(s, n)| format!("{s}:{n}")).collect();
    // Straight to stderr, not `eprintln!`, which the test harness captures:
    // report scripts read this line with or without `--nocapture`.
    let line = format!(
        "fuzz local-passport-requests: cases={cases} elapsed_ms={} statuses={}\n",
        started.elapsed().as_millis(),
        seen.join(",")
    );
    std::io::stderr().write_all(line.as_bytes()).unwrap();
}
