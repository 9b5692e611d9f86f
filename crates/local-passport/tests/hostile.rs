//! The local Passport's catalogue of hostile requests: malformed and mistyped
//! bodies, missing and wrong content types, oversized bodies, unknown routes,
//! path traversal, SQL-looking strings in every text field, Unicode edge cases
//! in email and password. Each case asserts the typed error it expects (status
//! and RFC 6749 `error`, `{code, message}`, or the error page) and ends by
//! checking that nothing was lost or changed: every account and registration
//! is as before, the registered user signs in again, and a new user signs up.
//!
//! Behaviour these cases decide:
//! - An email address is stored in Unicode NFC, so it is one account however
//!   its accents were typed; whitespace, control characters (NUL) and
//!   invisible or bidirectional-control characters make it invalid.
//! - A password is a secret compared exactly as typed: any Unicode is accepted
//!   (bidi controls, joiners, NUL, combining marks, emoji), nothing is
//!   normalised, 8 characters at least and 1024 bytes at most.
//! - Creating the wallet (`POST /v1/wallet`) takes no parameters: a body
//!   sent with it is ignored. The wallet service answers errors as TEE
//!   Express's FastAPI does: `{detail}`, and 422 with a list for bad input.

mod support;

use std::collections::BTreeMap;

use local_passport::db;
use serde_json::json;
use support::*;

const SQL: [&str; 3] = [
    "' OR '1'='1",
    "\"; DROP TABLE users; --",
    "x'); DELETE FROM registrations; --",
];
/// The password `support::new_user` signs up with.
const PASSWORD: &str = "correct horse battery";
const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";
/// The IMX API's JSON endpoints and the server they are on (the wallet
/// service's errors have their own shape: see `assert_detail`).
const JSON_ENDPOINTS: [(Origin, &str); 2] = [
    (Origin::Api, "/v1/signable-registration-offchain"),
    (Origin::Api, "/v2/passport/users"),
];

/// The issuer (IdP and IMX API, which take the access token) or the wallet
/// origin (which takes the ID token).
#[derive(Clone, Copy)]
enum Origin {
    Api,
    Wallet,
}

/// How a route answers errors.
enum Dialect {
    OAuth,
    Page,
    Api,
    Tee,
}

/// A server with one signed-up, IMX-registered user, and its accounts as they
/// were before anything hostile was sent.
struct Scene {
    server: Server,
    email: String,
    tokens: Tokens,
    accounts: BTreeMap<String, String>,
}

impl Scene {
    fn new() -> Scene {
        Scene::with_flags(&[])
    }

    fn with_flags(flags: &[&str]) -> Scene {
        let server = Server::start(flags);
        let (email, tokens) = new_user(&server);
        let request = prepare_registration(&server, &tokens);
        assert_eq!(register(&server, &tokens, &request).status, 201);
        let accounts = accounts(&server);
        Scene {
            server,
            email,
            tokens,
            accounts,
        }
    }

    fn origin(&self, origin: Origin) -> String {
        match origin {
            Origin::Api => self.server.url(""),
            Origin::Wallet => self.server.wallet_url(""),
        }
    }

    /// The token a JSON endpoint authenticates with: the ID token on the
    /// wallet origin, the access token on the IMX API.
    fn bearer(&self, origin: Origin) -> &str {
        match origin {
            Origin::Api => &self.tokens.access_token,
            Origin::Wallet => &self.tokens.id_token,
        }
    }

    /// POSTs `body` as `content_type` to an endpoint with the user's token
    /// (and Magic's headers on the wallet service).
    fn post(&self, origin: Origin, path: &str, content_type: &str, body: &[u8]) -> Reply {
        let url = format!("{}{}", self.origin(origin).trim_end_matches('/'), path);
        let extra: &[(&str, &str)] = match origin {
            Origin::Api => &[],
            Origin::Wallet => &TEE_HEADERS,
        };
        post_raw_with(&url, content_type, body, self.bearer(origin), extra)
    }

    /// A fresh code for the user through the session cookie (no form, no
    /// password hashing).
    fn code(&self) -> (Pkce, String) {
        let pkce = pkce();
        let url = authorize_url(&self.server, &authorize_params(&pkce, "s", "n"));
        let reply = get(&url, Some(&self.tokens.cookie), None);
        assert_eq!(reply.status, 303, "{}", reply.body);
        let code = reply.location_param("code").expect("a code");
        (pkce, code)
    }

    /// Nothing lost or changed: every account and registration from before is
    /// still there as it was, the only new accounts are `created`, the user
    /// signs in with their password, and a new user can sign up and log in.
    fn assert_intact(&self, created: &[&str]) {
        let now = accounts(&self.server);
        for (email, account) in &self.accounts {
            assert_eq!(now.get(email), Some(account), "account of {email} kept");
        }
        let new: Vec<&str> = now
            .keys()
            .filter(|e| !self.accounts.contains_key(*e))
            .map(String::as_str)
            .collect();
        let mut created = created.to_vec();
        created.sort_unstable();
        assert_eq!(new, created, "new accounts");
        login(&self.server, "signin", &self.email, PASSWORD);
        new_user(&self.server);
    }
}

/// Every account by email: subject, creation time and IMX registration.
fn accounts(server: &Server) -> BTreeMap<String, String> {
    let conn = db::open(&server.data_dir).unwrap();
    db::list_users(&conn)
        .unwrap()
        .into_iter()
        .map(|(user, created_at, registration)| {
            let account = format!("{} {created_at} {registration:?}", user.sub);
            (user.email, account)
        })
        .collect()
}

fn assert_api_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert!(
        reply.content_type.starts_with(JSON),
        "{}",
        reply.content_type
    );
    assert_eq!(reply.json()["code"], code, "{}", reply.body);
    assert!(reply.json()["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
}

/// A TEE Express refusal: the status and a `{detail: "…"}` body.
fn assert_detail(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert!(reply.json()["detail"].is_string(), "{}", reply.body);
}

fn assert_oauth_error(reply: &Reply, status: u16, error: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert!(
        reply.content_type.starts_with(JSON),
        "{}",
        reply.content_type
    );
    assert_eq!(reply.json()["error"], error, "{}", reply.body);
    assert!(reply.json()["error_description"].is_string());
}

/// The provider's error page: HTML, and never a redirect to an unverified client.
fn assert_error_page(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert!(
        reply.content_type.starts_with("text/html"),
        "{}",
        reply.content_type
    );
    assert!(
        reply.body.contains("Sign-in cannot continue"),
        "{}",
        reply.body
    );
    assert!(reply.location.is_none());
}

/// The sign-in form shown again with `message`.
fn assert_form_error(reply: &Reply, message: &str) {
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(reply.content_type.starts_with("text/html"));
    assert!(reply.body.contains(message), "{message}: {}", reply.body);
    assert!(reply.location.is_none(), "no code");
}

/// A refusal sent back to the registered client: `error`, and never a code.
fn assert_refused_by_redirect(reply: &Reply, error: &str) {
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert!(reply.location.as_deref().unwrap().starts_with(REDIRECT_URI));
    assert_eq!(reply.location_param("error").as_deref(), Some(error));
    assert_eq!(reply.location_param("code"), None);
}

/// `body` in chunked transfer encoding, in chunks of 8 KB.
fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in body.chunks(8 * 1024) {
        out.extend(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend(chunk);
        out.extend(b"\r\n");
    }
    out.extend(b"0\r\n\r\n");
    out
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

// Bodies and content types.

#[test]
fn hostile_malformed_json_is_bad_request_on_every_json_endpoint() {
    let scene = Scene::new();
    let bodies: [&[u8]; 8] = [
        b"",
        b"{",
        b"{\"ether_key\":",
        b"[1,2",
        b"\xff\xfe",
        b"null",
        b"42",
        b"{}x",
    ];
    for body in bodies {
        for (origin, path) in JSON_ENDPOINTS {
            assert_api_error(&scene.post(origin, path, JSON, body), 400, "bad_request");
        }
        let reply = post_raw_bearer(
            &scene.server.url("__admin/api/faults"),
            JSON,
            body,
            &scene.server.admin_token,
        );
        assert_api_error(&reply, 400, "bad_request");
    }
    scene.assert_intact(&[]);
}

#[test]
fn hostile_wrong_json_types_and_shapes_are_bad_request() {
    let scene = Scene::new();
    let nested = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    // A key given twice is refused, not read as either value.
    let duplicate = r#"{"ether_key":"0x1","ether_key":"0x2","stark_key":"0x1","stark_key":"0x2"}"#;
    for body in [
        json!({"ether_key": 5, "stark_key": [], "eth_signature": {}, "stark_signature": null})
            .to_string(),
        json!({"message": {"nested": true}, "hash": 1.5}).to_string(),
        json!({}).to_string(),
        json!([{"ether_key": "0x1"}]).to_string(),
        nested.clone(),
        duplicate.to_owned(),
    ] {
        for (origin, path) in JSON_ENDPOINTS {
            let reply = scene.post(origin, path, JSON, body.as_bytes());
            assert_api_error(&reply, 400, "bad_request");
        }
    }
    // On the wallet service a wrong shape is a 422 that names the field.
    for body in [
        &br#"{"message_base64": {"nested": true}}"#[..],
        b"[]",
        b"{}",
        nested.as_bytes(),
    ] {
        let reply = scene.post(Origin::Wallet, "/v1/wallet/sign/message", JSON, body);
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(reply.json()["detail"][0]["loc"][0], "body");
    }
    scene.assert_intact(&[]);
}

#[test]
fn hostile_form_bodies_on_json_endpoints_are_unsupported_media_type() {
    let scene = Scene::new();
    for (origin, path) in JSON_ENDPOINTS {
        let reply = scene.post(origin, path, FORM, b"ether_key=0x1&message=hi&hash=0x1");
        assert_api_error(&reply, 415, "unsupported_media_type");
        for near_json in ["text/plain", "application/jsonx", "application/json-seq"] {
            let reply = scene.post(origin, path, near_json, b"{}");
            assert_api_error(&reply, 415, "unsupported_media_type");
        }
    }
    scene.assert_intact(&[]);
}

#[test]
fn hostile_requests_without_a_content_type_are_refused_typed() {
    let scene = Scene::new();
    let api = scene.server.url("");
    let send = |origin: &str, path: &str, bearer: &str, body: &[u8]| {
        let length = body.len().to_string();
        let authorization = format!("Bearer {bearer}");
        let headers = [
            ("Content-Length", length.as_str()),
            ("Authorization", authorization.as_str()),
        ];
        raw(origin, &format!("POST {path}"), &headers, body).reply
    };
    let token_request = format!("grant_type=refresh_token&client_id={CLIENT_ID}&refresh_token=x");
    assert_oauth_error(
        &send(&api, "/oauth/token", "", token_request.as_bytes()),
        400,
        "invalid_request",
    );
    let revocation = format!("token=x&client_id={CLIENT_ID}");
    assert_oauth_error(
        &send(&api, "/oauth/revoke", "", revocation.as_bytes()),
        400,
        "invalid_request",
    );
    assert_error_page(&send(&api, "/authorize", "", b"client_id=x"), 400);
    for (origin, path) in JSON_ENDPOINTS {
        let reply = send(&scene.origin(origin), path, scene.bearer(origin), b"{}");
        assert_api_error(&reply, 415, "unsupported_media_type");
    }
    scene.assert_intact(&[]);
}

#[test]
fn hostile_other_content_types_on_the_token_endpoint_are_invalid_request() {
    let scene = Scene::new();
    let url = scene.server.url("oauth/token");
    // JSON is accepted, as Auth0 does; a forged token in it is still just invalid.
    let body = json!({"grant_type": "refresh_token", "refresh_token": "x", "client_id": CLIENT_ID});
    let reply = post_raw(&url, JSON, body.to_string().as_bytes());
    assert_oauth_error(&reply, 400, "invalid_grant");
    // Media types compare case-insensitively and without their parameters.
    let reply = post_raw(
        &url,
        "Application/JSON; charset=utf-8",
        body.to_string().as_bytes(),
    );
    assert_oauth_error(&reply, 400, "invalid_grant");
    let form = format!("grant_type=refresh_token&refresh_token=x&client_id={CLIENT_ID}");
    let reply = post_raw(
        &url,
        "Application/X-WWW-Form-URLEncoded; Charset=UTF-8",
        form.as_bytes(),
    );
    assert_oauth_error(&reply, 400, "invalid_grant");
    assert_oauth_error(
        &post_raw(&url, JSON, b"{\"grant_type\":"),
        400,
        "invalid_request",
    );
    let form = b"grant_type=refresh_token";
    for content_type in [
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/x-www-form-urlencodedx",
        "application/jsonx",
    ] {
        assert_oauth_error(&post_raw(&url, content_type, form), 400, "invalid_request");
    }
    let repeated = format!("grant_type=a&grant_type=b&client_id={CLIENT_ID}");
    assert_oauth_error(
        &post_raw(&url, FORM, repeated.as_bytes()),
        400,
        "invalid_request",
    );
    // Read as far as it goes: no client id in it, so the client is refused.
    let reply = post_raw(&url, FORM, b"grant_type=%ff%fe&&==");
    assert_oauth_error(&reply, 401, "invalid_client");
    scene.assert_intact(&[]);
}

#[test]
fn hostile_json_on_the_revocation_endpoint_is_invalid_request() {
    let scene = Scene::new();
    let refresh_token = scene.tokens.refresh_token.as_deref().unwrap();
    let body = json!({"token": refresh_token, "client_id": CLIENT_ID}).to_string();
    let reply = post_raw(&scene.server.url("oauth/revoke"), JSON, body.as_bytes());
    assert_oauth_error(&reply, 400, "invalid_request");
    assert_eq!(
        refresh(&scene.server, refresh_token).status,
        200,
        "not revoked"
    );
    scene.assert_intact(&[]);
}

#[test]
fn hostile_json_and_unreadable_forms_on_the_sign_in_form_get_the_error_page() {
    let scene = Scene::new();
    let url = scene.server.url("authorize");
    let body = json!({"email": scene.email, "password": PASSWORD, "client_id": CLIENT_ID});
    assert_error_page(&post_raw(&url, JSON, body.to_string().as_bytes()), 400);
    assert_error_page(&post_raw(&url, FORM, b"client_id=%ff%fe&email=a"), 400);
    assert_error_page(&post_raw(&url, FORM, b"client_id=a&client_id=b"), 400);
    scene.assert_intact(&[]);
}

#[test]
fn hostile_bodies_on_the_parameterless_wallet_endpoint_are_ignored() {
    let scene = Scene::new();
    let address = wallet_address(&scene.server, &scene.tokens);
    for (content_type, body) in [
        (JSON, &b"{\"public_address\":\"0x1\""[..]),
        ("text/plain", b"\xff\x00"),
        (FORM, b"sub=x"),
    ] {
        let reply = scene.post(Origin::Wallet, "/v1/wallet", content_type, body);
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(
            reply.json()["public_address"],
            address.as_str(),
            "the same wallet"
        );
    }
    scene.assert_intact(&[]);
}

#[test]
fn hostile_oversized_bodies_are_413_in_each_routes_error_format() {
    let scene = Scene::new();
    let big = vec![b'a'; 100 * 1024];
    let (declared, huge) = (big.len().to_string(), (8 * 1024 * 1024).to_string());
    let huge_body = vec![b'a'; 8 * 1024 * 1024];
    let chunked_body = chunked(&big);
    let routes = [
        (Origin::Api, "/oauth/token", FORM, Dialect::OAuth),
        (Origin::Api, "/oauth/revoke", FORM, Dialect::OAuth),
        (Origin::Api, "/authorize", FORM, Dialect::Page),
        (Origin::Api, "/v2/passport/users", JSON, Dialect::Api),
        (
            Origin::Api,
            "/v1/signable-registration-offchain",
            JSON,
            Dialect::Api,
        ),
        (
            Origin::Wallet,
            "/v1/wallet/sign/message",
            JSON,
            Dialect::Tee,
        ),
        (Origin::Wallet, "/v1/wallet", JSON, Dialect::Tee),
    ];
    for (origin, path, content_type, dialect) in routes {
        let target = format!("POST {path}");
        let sent_as = [
            (("Content-Length", declared.as_str()), &big),
            (("Content-Length", huge.as_str()), &huge_body),
            (("Transfer-Encoding", "chunked"), &chunked_body),
        ];
        for (length, body) in sent_as {
            let headers = [("Content-Type", content_type), length];
            let reply = raw(&scene.origin(origin), &target, &headers, body).reply;
            match dialect {
                Dialect::OAuth => assert_oauth_error(&reply, 413, "invalid_request"),
                Dialect::Page => assert_error_page(&reply, 413),
                Dialect::Api => assert_api_error(&reply, 413, "payload_too_large"),
                Dialect::Tee => assert_detail(&reply, 413),
            }
        }
    }
    scene.assert_intact(&[]);
}

// Routes and paths.

#[test]
fn hostile_unknown_paths_and_methods_get_typed_errors() {
    let scene = Scene::new();
    let (api, wallet) = (scene.origin(Origin::Api), scene.origin(Origin::Wallet));
    for (origin, target) in [(&api, "GET /nope"), (&api, "POST /v2/passport/users/x")] {
        assert_api_error(&raw(origin, target, &[], b"").reply, 404, "not_found");
    }
    for target in ["GET /wallet/v2", "POST /v1/wallet/sign", "GET /frame"] {
        assert_detail(&raw(&wallet, target, &[], b"").reply, 404);
    }
    for (origin, target, allow) in [
        (&api, "GET /oauth/token", "POST"),
        (&api, "DELETE /v2/passport/users", "POST"),
        (&api, "PUT /authorize", "GET,HEAD,POST"),
    ] {
        let reply = raw(origin, target, &[], b"");
        assert_api_error(&reply.reply, 405, "method_not_allowed");
        assert_eq!(reply.header("allow"), Some(allow), "{target}");
    }
    let reply = raw(&wallet, "GET /v1/wallet", &[], b"");
    assert_detail(&reply.reply, 405);
    assert_eq!(reply.header("allow"), Some("POST"));
    scene.assert_intact(&[]);
}

#[test]
fn hostile_path_traversal_never_serves_a_file() {
    let scene = Scene::new();
    let kek = std::fs::read_to_string(scene.server.data_dir.join("kek.key")).unwrap();
    let (api, wallet) = (scene.origin(Origin::Api), scene.origin(Origin::Wallet));
    let mut targets: Vec<(&str, &str)> = [
        "/../kek.key",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fkek.key",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/..%5c..%5ckek.key",
        "//etc/passwd",
        "/local-passport.sqlite3",
        "/assets/..%2f..%2fkek.key",
        "/assets/passport.css/../../kek.key",
        "/assets/%2e%2e/local-passport.sqlite3",
        "/.well-known/../../kek.key",
    ]
    .into_iter()
    .map(|t| (api.as_str(), t))
    .collect();
    targets.extend(
        [
            "/v1/wallet/../../kek.key",
            "/v1/wallet/..%2f..%2fkek.key",
            "/v1/wallet/sign/../../../etc/passwd",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/..%2f..%2fkek.key",
        ]
        .map(|t| (wallet.as_str(), t)),
    );
    for (origin, target) in targets {
        let reply = raw(origin, &format!("GET {target}"), &[], b"").reply;
        assert!(
            matches!(reply.status, 400 | 404),
            "{target}: HTTP {}",
            reply.status
        );
        if reply.status == 404 && origin == api.as_str() {
            assert_api_error(&reply, 404, "not_found");
        } else if reply.status == 404 {
            assert_detail(&reply, 404);
        }
        assert!(!reply.body.contains(kek.trim()), "{target} served the key");
        assert!(!reply.body.contains("root:"), "{target} served /etc/passwd");
        assert!(
            !reply.body.contains("SQLite format"),
            "{target} served the database"
        );
    }
    scene.assert_intact(&[]);
}

// SQL-looking strings in every text field.

#[test]
fn hostile_sql_in_email_and_password_is_data_not_code() {
    let scene = Scene::new();
    let params = authorize_params(&pkce(), "s", "n");
    for sql in SQL {
        // As the password of a real account: just a wrong password.
        let reply = submit_form(&scene.server, &params, "signin", &scene.email, sql);
        assert_form_error(&reply, "Wrong email or password.");
        // As the email: not an address.
        for mode in ["signin", "signup"] {
            let reply = submit_form(&scene.server, &params, mode, sql, PASSWORD);
            assert_form_error(&reply, "Enter a valid email address");
        }
    }
    // As a new account's password, and in an address: stored verbatim, as data.
    let odd = "o'neil\"--@example.test";
    let tokens = login(&scene.server, "signup", odd, SQL[0]);
    assert_eq!(claims(&tokens.id_token)["email"], odd);
    login(&scene.server, "signin", odd, SQL[0]);
    scene.assert_intact(&[odd]);
}

#[test]
fn hostile_sql_shaped_addresses_sign_in_nobody() {
    let scene = Scene::new();
    let params = authorize_params(&pkce(), "s", "n");
    // Well-formed addresses, so they reach the query; `%` and `_` would be
    // wildcards if it were a LIKE.
    for email in [
        "'OR'1'='1'--@example.test",
        "admin'--@example.test",
        "%@example.test",
        "_@example.test",
    ] {
        let reply = submit_form(&scene.server, &params, "signin", email, PASSWORD);
        assert_form_error(&reply, "Wrong email or password.");
    }
    scene.assert_intact(&[]);
}

#[test]
fn hostile_sql_in_client_id_and_redirect_uri_gets_the_error_page_never_a_redirect() {
    let scene = Scene::new();
    for sql in SQL {
        for field in ["client_id", "redirect_uri"] {
            let mut params = authorize_params(&pkce(), "s", "n");
            params.iter_mut().find(|(k, _)| k == field).unwrap().1 = sql.to_owned();
            let reply = get(&authorize_url(&scene.server, &params), None, None);
            assert_error_page(&reply, 400);
            let reply = submit_form(&scene.server, &params, "signin", &scene.email, PASSWORD);
            assert_error_page(&reply, 400);
        }
    }
    scene.assert_intact(&[]);
}

#[test]
fn hostile_sql_in_scope_audience_and_code_challenge_never_gets_a_usable_token() {
    let scene = Scene::new();
    for sql in SQL {
        for (field, error) in [
            ("scope", "invalid_scope"),
            ("code_challenge", "invalid_request"),
        ] {
            let mut params = authorize_params(&pkce(), "s", "n");
            params.iter_mut().find(|(k, _)| k == field).unwrap().1 = sql.to_owned();
            let reply = get(
                &authorize_url(&scene.server, &params),
                Some(&scene.tokens.cookie),
                None,
            );
            assert_refused_by_redirect(&reply, error);
        }
        // An audience the client is not allowed is refused, not minted.
        let mut params = authorize_params(&pkce(), "s", "n");
        params.iter_mut().find(|(k, _)| k == "audience").unwrap().1 = sql.to_owned();
        let reply = get(
            &authorize_url(&scene.server, &params),
            Some(&scene.tokens.cookie),
            None,
        );
        assert_refused_by_redirect(&reply, "access_denied");
    }
    scene.assert_intact(&[]);
}

#[test]
fn hostile_sql_in_state_and_nonce_is_echoed_verbatim() {
    let scene = Scene::new();
    for sql in SQL {
        let pkce = pkce();
        let params = authorize_params(&pkce, sql, sql);
        let reply = get(
            &authorize_url(&scene.server, &params),
            Some(&scene.tokens.cookie),
            None,
        );
        assert_eq!(
            reply.location_param("state").as_deref(),
            Some(sql),
            "state returned unchanged"
        );
        let code = reply.location_param("code").unwrap();
        let tokens = exchange_code(&scene.server, &code, &pkce.verifier).json();
        assert_eq!(claims(tokens["id_token"].as_str().unwrap())["nonce"], sql);
    }
    scene.assert_intact(&[]);
}

#[test]
fn hostile_sql_in_token_request_fields_is_refused_and_the_code_survives() {
    let scene = Scene::new();
    let url = scene.server.url("oauth/token");
    for sql in SQL {
        let (pkce, code) = scene.code();
        let exchange = |client_id: &str, code: &str, redirect_uri: &str, verifier: &str| {
            let fields = [
                ("grant_type", "authorization_code"),
                ("client_id", client_id),
                ("code", code),
                ("redirect_uri", redirect_uri),
                ("code_verifier", verifier),
            ];
            post_form(&url, &fields, None)
        };
        let verifier = pkce.verifier.as_str();
        assert_oauth_error(
            &exchange(sql, &code, REDIRECT_URI, verifier),
            401,
            "invalid_client",
        );
        assert_oauth_error(
            &exchange(CLIENT_ID, sql, REDIRECT_URI, verifier),
            400,
            "invalid_grant",
        );
        assert_oauth_error(
            &exchange(CLIENT_ID, &code, sql, verifier),
            400,
            "invalid_grant",
        );
        assert_oauth_error(
            &exchange(CLIENT_ID, &code, REDIRECT_URI, sql),
            400,
            "invalid_grant",
        );
        let grant_type = [("grant_type", sql), ("client_id", CLIENT_ID)];
        assert_oauth_error(
            &post_form(&url, &grant_type, None),
            400,
            "unsupported_grant_type",
        );
        assert_oauth_error(&refresh(&scene.server, sql), 400, "invalid_grant");
        // None of those used the code up.
        assert_eq!(
            exchange(CLIENT_ID, &code, REDIRECT_URI, verifier).status,
            200
        );
    }
    scene.assert_intact(&[]);
}

#[test]
fn hostile_sql_in_a_revocation_revokes_nothing() {
    let scene = Scene::new();
    let url = scene.server.url("oauth/revoke");
    for sql in SQL {
        let reply = post_form(&url, &[("token", sql), ("client_id", CLIENT_ID)], None);
        assert_eq!(
            reply.status, 200,
            "unknown tokens are not an error (RFC 7009)"
        );
        let refresh_token = scene.tokens.refresh_token.as_deref().unwrap();
        let reply = post_form(&url, &[("token", refresh_token), ("client_id", sql)], None);
        assert_oauth_error(&reply, 401, "invalid_client");
    }
    let refresh_token = scene.tokens.refresh_token.as_deref().unwrap();
    assert_eq!(
        refresh(&scene.server, refresh_token).status,
        200,
        "still valid"
    );
    scene.assert_intact(&[]);
}

#[test]
fn hostile_sql_in_imx_fields_and_the_address_path_is_bad_request() {
    let scene = Scene::new();
    // A second user, signed in but not registered yet.
    let (email, tokens) = new_user(&scene.server);
    for sql in SQL {
        let body = json!({"ether_key": sql, "stark_key": sql});
        let reply = post_json(
            &scene.server.url("v1/signable-registration-offchain"),
            &body,
            None,
        );
        assert_api_error(&reply, 400, "bad_request");
        let body = json!({"ether_key": sql, "stark_key": sql, "eth_signature": sql, "stark_signature": sql});
        let reply = post_json(
            &scene.server.url("v2/passport/users"),
            &body,
            Some(&tokens.access_token),
        );
        assert_api_error(&reply, 400, "bad_request");
        let reply = get(
            &scene.server.url(&format!("v1/users/{}", urlencode(sql))),
            None,
            None,
        );
        assert_api_error(&reply, 400, "bad_request");
    }
    // Not UTF-8 once decoded.
    assert_api_error(
        &get(&scene.server.url("v1/users/%ff%fe"), None, None),
        400,
        "bad_request",
    );
    // The genuine registration still works afterwards.
    let request = prepare_registration(&scene.server, &tokens);
    assert_eq!(register(&scene.server, &tokens, &request).status, 201);
    assert!(accounts(&scene.server)[&email].contains(&request.ether_key));
    scene.assert_intact(&[&email]);
}

#[test]
fn hostile_sql_in_wallet_fields_is_signed_as_data_or_refused() {
    let scene = Scene::new();
    for sql in SQL {
        // Any text is a message to sign; the signature is over exactly that text.
        let signature = tee_sign(&scene.server, &scene.tokens, sql);
        let signer =
            imx_crypto::recover_personal_sign(sql.as_bytes(), &signature.parse().unwrap()).unwrap();
        assert_eq!(
            signer.to_string(),
            wallet_address(&scene.server, &scene.tokens)
        );
        // Not base64: a 422 naming the field, nothing signed.
        let body = json!({"message_base64": sql}).to_string();
        let reply = scene.post(
            Origin::Wallet,
            "/v1/wallet/sign/message",
            JSON,
            body.as_bytes(),
        );
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(reply.json()["detail"][0]["loc"][1], "message_base64");
    }
    scene.assert_intact(&[]);
}

#[test]
fn hostile_sql_in_the_bearer_token_and_session_cookie_is_unauthorised() {
    let scene = Scene::new();
    for sql in SQL {
        let reply = tee_post(&scene.server, "v1/wallet", Some(sql), None);
        assert_detail(&reply, 401);
        let reply = post_json(
            &scene.server.url("v2/passport/users"),
            &json!({}),
            Some(sql),
        );
        assert_api_error(&reply, 401, "unauthorised");
        assert_api_error(
            &get(&scene.server.url("userinfo"), None, Some(sql)),
            401,
            "unauthorised",
        );
        // A forged session is no session: the sign-in form, not a code.
        let cookie = format!("lp_session={}", urlencode(sql));
        let url = authorize_url(&scene.server, &authorize_params(&pkce(), "s", "n"));
        let reply = get(&url, Some(&cookie), None);
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(reply.body.contains("<form"));
        assert!(reply.location.is_none());
    }
    scene.assert_intact(&[]);
}

// Unicode in email and password.

#[test]
fn hostile_invisible_bidi_and_control_characters_in_email_are_refused() {
    let scene = Scene::new();
    let params = authorize_params(&pkce(), "s", "n");
    for email in [
        "admin\u{202E}tset.elpmaxe@example.test", // right-to-left override
        "ad\u{200D}min@example.test",             // zero-width joiner
        "admin\u{200B}@example.test",             // zero-width space
        "admin@exa\u{200E}mple.test",             // left-to-right mark
        "\u{FEFF}admin@example.test",             // byte order mark
        "ad\u{0000}min@example.test",             // NUL
        "ad\tmin@example.test",
        "ad min@example.test",
    ] {
        for mode in ["signup", "signin"] {
            let reply = submit_form(&scene.server, &params, mode, email, PASSWORD);
            assert_form_error(&reply, "Enter a valid email address");
        }
    }
    scene.assert_intact(&[]);
}

#[test]
fn hostile_unicode_email_is_one_account_whatever_its_normal_form() {
    let scene = Scene::new();
    let nfc = "jos\u{e9}-\u{1F600}@b\u{fc}cher.example";
    let nfd = "jose\u{301}-\u{1F600}@bu\u{308}cher.example";
    let tokens = login(&scene.server, "signup", nfd, PASSWORD);
    assert_eq!(claims(&tokens.id_token)["email"], nfc, "stored in NFC");
    // The same address in the other form is the same account.
    let params = authorize_params(&pkce(), "s", "n");
    let reply = submit_form(&scene.server, &params, "signup", nfc, PASSWORD);
    assert_form_error(&reply, "already exists");
    let again = login(&scene.server, "signin", nfc, PASSWORD);
    assert_eq!(
        claims(&again.id_token)["sub"],
        claims(&tokens.id_token)["sub"]
    );
    // Combining marks with nothing to compose with stay as they are.
    let marks = "x\u{301}\u{301}\u{20DD}@example.test";
    assert_eq!(
        claims(&login(&scene.server, "signup", marks, PASSWORD).id_token)["email"],
        marks
    );
    scene.assert_intact(&[nfc, marks]);
}

#[test]
fn hostile_overlong_email_is_refused() {
    let scene = Scene::new();
    let params = authorize_params(&pkce(), "s", "n");
    // Over 254 bytes, whether in ASCII or in 4-byte emoji.
    for local in [
        "a".repeat(300),
        "\u{1F600}".repeat(70),
        "\u{1F600}".repeat(2_000),
    ] {
        let email = format!("{local}@example.test");
        let reply = submit_form(&scene.server, &params, "signup", &email, PASSWORD);
        assert_form_error(&reply, "Enter a valid email address");
    }
    scene.assert_intact(&[]);
}

#[test]
fn hostile_unicode_passwords_are_compared_exactly_as_typed() {
    let scene = Scene::new();
    let email = format!("{}@example.test", random_hex());
    // Bidi override, joiner, NUL, a decomposed é, emoji.
    let password = "p\u{e4}ss \u{202E}\u{200D}\u{0}e\u{301} \u{1F511}";
    login(&scene.server, "signup", &email, password);
    login(&scene.server, "signin", &email, password);
    // Not normalised: the composed é is another password.
    let params = authorize_params(&pkce(), "s", "n");
    let composed = "p\u{e4}ss \u{202E}\u{200D}\u{0}\u{e9} \u{1F511}";
    let reply = submit_form(&scene.server, &params, "signin", &email, composed);
    assert_form_error(&reply, "Wrong email or password.");
    let without_nul = password.replace('\u{0}', "");
    let reply = submit_form(&scene.server, &params, "signin", &email, &without_nul);
    assert_form_error(&reply, "Wrong email or password.");
    // Eight combining marks are eight characters.
    let marks_email = format!("marks-{email}");
    login(&scene.server, "signup", &marks_email, &"\u{301}".repeat(8));
    scene.assert_intact(&[&email, &marks_email]);
}

#[test]
fn hostile_empty_short_and_overlong_passwords_are_refused_with_a_clear_message() {
    let scene = Scene::new();
    let params = authorize_params(&pkce(), "s", "n");
    let email = format!("{}@example.test", random_hex());
    for (mode, password, message) in [
        ("signin", String::new(), "Enter your password."),
        ("signup", "\u{1F511}".repeat(7), "at least 8 characters"),
        (
            "signup",
            format!("{}a", "\u{1F511}".repeat(256)),
            "too long",
        ),
        ("signin", "\u{1F511}".repeat(2000), "too long"),
    ] {
        let reply = submit_form(&scene.server, &params, mode, &email, &password);
        assert_form_error(&reply, message);
    }
    // 1024 bytes exactly is still a password.
    let longest = "\u{1F511}".repeat(256);
    login(&scene.server, "signup", &email, &longest);
    login(&scene.server, "signin", &email, &longest);
    scene.assert_intact(&[&email]);
}

// Parameters of the authorization request.

#[test]
fn hostile_overlong_authorize_parameters_are_refused_by_redirect() {
    let scene = Scene::new();
    for field in ["state", "nonce", "scope", "audience"] {
        let mut params = authorize_params(&pkce(), "s", "n");
        params.iter_mut().find(|(k, _)| k == field).unwrap().1 = "s".repeat(40 * 1024);
        // The client and redirect URI are genuine, so the refusal goes back to it.
        let reply = get(
            &authorize_url(&scene.server, &params),
            Some(&scene.tokens.cookie),
            None,
        );
        assert_refused_by_redirect(&reply, "invalid_request");
    }
    scene.assert_intact(&[]);
}

#[test]
fn hostile_unreadable_queries_get_the_error_page() {
    let scene = Scene::new();
    for query in [
        "client_id=%ff%fe",
        "client_id=a&client_id=b",
        "redirect_uri=%zz&client_id=%00",
    ] {
        let reply = get(&scene.server.url(&format!("authorize?{query}")), None, None);
        assert_error_page(&reply, 400);
    }
    let reply = get(
        &scene.server.url("v2/logout?client_id=a&client_id=b"),
        None,
        None,
    );
    assert_error_page(&reply, 400);
    scene.assert_intact(&[]);
}
