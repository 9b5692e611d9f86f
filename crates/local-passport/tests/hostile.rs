//! The local Passport's catalogue of hostile requests: malformed and mistyped
//! bodies, oversized bodies, path traversal, SQL-looking strings in every text
//! field, Unicode edge cases in email and password. Each case names the typed
//! error it expects, and checks that nothing was stored, lost or leaked.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;

use serde_json::json;
use support::*;

const SQL: [&str; 3] = [
    "' OR '1'='1",
    "\"; DROP TABLE users; --",
    "x'); DELETE FROM registrations; --",
];

/// POSTs `len` bytes over a raw connection and returns the status: the server
/// may answer and close before the body is all sent, which HTTP clients report
/// as a transport error instead of the answer.
fn raw_post_status(host: &str, path: &str, content_type: &str, len: usize) -> u16 {
    let mut stream = TcpStream::connect(host).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(&vec![b'a'; len]);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    String::from_utf8_lossy(&response)
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn host_of(url: &str) -> String {
    url.trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

/// The request line sent byte for byte (HTTP clients normalise `..` away).
fn raw_get(server: &Server, target: &str) -> (u16, String) {
    let host = server
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = TcpStream::connect(&host).unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, response)
}

fn assert_api_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.json()["code"], code, "{}", reply.body);
    assert!(reply.json()["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
}

fn assert_oauth_error(reply: &Reply, status: u16, error: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.json()["error"], error, "{}", reply.body);
}

/// Every account still there and the service still working: a fresh sign-up
/// and login succeed after the hostile request.
fn assert_intact(server: &Server, users_before: usize) {
    assert!(users(server) >= users_before, "no account was lost");
    let (_, tokens) = new_user(server);
    assert!(!tokens.access_token.is_empty());
}

fn users(server: &Server) -> usize {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_local-passport"))
        .args(["users", "--data-dir"])
        .arg(&server.data_dir)
        .output()
        .unwrap();
    serde_json::from_slice::<Vec<serde_json::Value>>(&output.stdout)
        .map(|u| u.len())
        .unwrap_or(0)
}

#[test]
fn hostile_malformed_json_is_bad_request_on_every_json_endpoint() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    for body in [
        &b"{"[..],
        b"{\"ether_key\":",
        b"[1,2",
        b"\xff\xfe",
        b"null",
        b"42",
    ] {
        let reply = post_raw_bearer(
            &server.url("v2/passport/users"),
            "application/json",
            body,
            &tokens.access_token,
        );
        assert_api_error(&reply, 400, "bad_request");
        let reply = post_raw(
            &server.url("v1/signable-registration-offchain"),
            "application/json",
            body,
        );
        assert_api_error(&reply, 400, "bad_request");
    }
    for path in ["wallet/v1/personal-sign", "wallet/v1/stark-sign"] {
        let reply = post_raw_bearer(
            &server.wallet_url(path),
            "application/json",
            b"{\"message\":",
            &tokens.id_token,
        );
        assert_api_error(&reply, 400, "bad_request");
    }
}

#[test]
fn hostile_wrong_json_types_are_bad_request() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    let reply = post_json(
        &server.url("v1/signable-registration-offchain"),
        &json!({"ether_key": 5, "stark_key": []}),
        None,
    );
    assert_api_error(&reply, 400, "bad_request");
    let reply = post_json(
        &server.wallet_url("wallet/v1/personal-sign"),
        &json!({"message": {"nested": true}}),
        Some(&tokens.id_token),
    );
    assert_api_error(&reply, 400, "bad_request");
    let reply = post_json(
        &server.url("v2/passport/users"),
        &json!({"ether_key": null}),
        Some(&tokens.access_token),
    );
    assert_api_error(&reply, 400, "bad_request");
}

#[test]
fn hostile_form_body_on_a_json_endpoint_is_unsupported_media_type() {
    let server = Server::start(&[]);
    let reply = post_raw(
        &server.url("v1/signable-registration-offchain"),
        "application/x-www-form-urlencoded",
        b"ether_key=0x1&stark_key=0x2",
    );
    assert_api_error(&reply, 415, "unsupported_media_type");
    let reply = post_raw(&server.url("v1/signable-registration-offchain"), "", b"{}");
    assert_api_error(&reply, 415, "unsupported_media_type");
}

#[test]
fn hostile_other_content_types_on_the_token_endpoint_are_invalid_request() {
    let server = Server::start(&[]);
    // JSON is accepted, as Auth0 does; a forged token in it is still just invalid.
    let body = json!({"grant_type": "refresh_token", "refresh_token": "x", "client_id": CLIENT_ID})
        .to_string();
    let reply = post_raw(
        &server.url("oauth/token"),
        "application/json",
        body.as_bytes(),
    );
    assert_oauth_error(&reply, 400, "invalid_grant");
    let reply = post_raw(
        &server.url("oauth/token"),
        "application/json",
        b"{\"grant_type\":",
    );
    assert_oauth_error(&reply, 400, "invalid_request");
    let reply = post_raw(
        &server.url("oauth/token"),
        "text/plain",
        b"grant_type=refresh_token",
    );
    assert_oauth_error(&reply, 400, "invalid_request");
    let reply = post_raw(
        &server.url("oauth/token"),
        "application/x-www-form-urlencoded",
        b"grant_type=%ff%fe&&==",
    );
    // Read as far as it goes: no client id in it, so the client is refused.
    assert_oauth_error(&reply, 401, "invalid_client");
}

#[test]
fn hostile_json_on_the_revocation_endpoint_is_invalid_request() {
    let server = Server::start(&[]);
    let reply = post_raw(
        &server.url("oauth/revoke"),
        "application/json",
        br#"{"token":"x"}"#,
    );
    assert_oauth_error(&reply, 400, "invalid_request");
}

#[test]
fn hostile_garbage_form_on_the_sign_in_form_is_an_error_page() {
    let server = Server::start(&[]);
    let reply = post_raw(
        &server.url("authorize"),
        "application/json",
        br#"{"email":"a@b.c"}"#,
    );
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(
        reply.content_type.starts_with("text/html"),
        "{}",
        reply.content_type
    );
    assert!(
        reply.location.is_none(),
        "never a redirect without a valid client"
    );
}

#[test]
fn hostile_oversized_bodies_are_payload_too_large() {
    let server = Server::start(&[]);
    let users_before = users(&server);
    let api = host_of(&server.url(""));
    let wallet = host_of(&server.wallet_url(""));
    let form = "application/x-www-form-urlencoded";
    for (host, path, content_type) in [
        (&api, "/oauth/token", form),
        (&api, "/oauth/revoke", form),
        (&api, "/authorize", form),
        (&api, "/v2/passport/users", "application/json"),
        (
            &api,
            "/v1/signable-registration-offchain",
            "application/json",
        ),
        (&wallet, "/wallet/v1/personal-sign", "application/json"),
    ] {
        assert_eq!(
            raw_post_status(host, path, content_type, 100 * 1024),
            413,
            "{path}"
        );
        assert_eq!(
            raw_post_status(host, path, content_type, 8 * 1024 * 1024),
            413,
            "{path}, 8 MB"
        );
    }
    assert_intact(&server, users_before);
}

#[test]
fn hostile_path_traversal_never_serves_a_file() {
    let server = Server::start(&[]);
    let kek = std::fs::read_to_string(server.data_dir.join("kek.key")).unwrap();
    for target in [
        "/../kek.key",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/assets/..%2f..%2fkek.key",
        "/assets/passport.css/../../kek.key",
        "/.well-known/../../kek.key",
        "/..%5c..%5ckek.key",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    ] {
        let (status, response) = raw_get(&server, target);
        assert!(matches!(status, 400 | 404), "{target}: HTTP {status}");
        assert!(!response.contains(kek.trim()), "{target} served the key");
        assert!(!response.contains("root:"), "{target} served /etc/passwd");
    }
    let wallet_host = server
        .wallet_url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = TcpStream::connect(&wallet_host).unwrap();
    write!(
        stream,
        "GET /frame.js/../../kek.key HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    assert!(
        response.starts_with("HTTP/1.1 404") || response.starts_with("HTTP/1.1 400"),
        "{response}"
    );
}

#[test]
fn hostile_sql_in_email_and_password_is_data_not_code() {
    let server = Server::start(&[]);
    let (email, _) = new_user(&server);
    let users_before = users(&server);
    for sql in SQL {
        // As the password of a real account: just a wrong password.
        let params = authorize_params(&pkce(), "s", "n");
        let reply = submit_form(&server, &params, "signin", &email, sql);
        assert_eq!(reply.status, 400);
        assert!(
            reply.body.contains("Wrong email or password"),
            "{}",
            reply.body
        );
        // As the email: not an address, refused with the form's message.
        let reply = submit_form(&server, &params, "signin", sql, "whatever pw");
        assert_eq!(reply.status, 400);
        assert!(
            reply.body.contains("valid email") || reply.body.contains("Wrong email or password")
        );
    }
    // An address whose local part looks like SQL is stored verbatim, as data.
    let odd = "o'neil\"--@example.test";
    let tokens = login(&server, "signup", odd, "correct horse battery");
    assert_eq!(claims(&tokens.id_token)["email"], odd);
    assert_intact(&server, users_before + 1);
}

#[test]
fn hostile_sql_in_client_id_and_redirect_uri_gets_the_error_page_never_a_redirect() {
    let server = Server::start(&[]);
    for sql in SQL {
        for field in ["client_id", "redirect_uri"] {
            let mut params = authorize_params(&pkce(), "s", "n");
            params.iter_mut().find(|(k, _)| k == field).unwrap().1 = sql.to_owned();
            let reply = get(&authorize_url(&server, &params), None, None);
            assert_eq!(reply.status, 400, "{field}: {}", reply.body);
            assert!(
                reply.location.is_none(),
                "{field}: never redirects to an unverified client"
            );
        }
    }
}

#[test]
fn hostile_sql_in_state_and_nonce_is_echoed_verbatim() {
    let server = Server::start(&[]);
    for sql in SQL {
        let pkce = pkce();
        let params = authorize_params(&pkce, sql, sql);
        let email = format!("{}@example.test", random_hex());
        let reply = submit_form(&server, &params, "signup", &email, "correct horse battery");
        assert_eq!(
            reply.location_param("state").as_deref(),
            Some(sql),
            "state returned unchanged"
        );
        let code = reply.location_param("code").unwrap();
        let tokens = exchange_code(&server, &code, &pkce.verifier).json();
        assert_eq!(claims(tokens["id_token"].as_str().unwrap())["nonce"], sql);
    }
}

#[test]
fn hostile_sql_in_code_verifier_and_refresh_token_is_invalid_grant() {
    let server = Server::start(&[]);
    let users_before = users(&server);
    for sql in SQL {
        assert_oauth_error(
            &exchange_code(&server, sql, "verifier-verifier-verifier-verifier-verifier"),
            400,
            "invalid_grant",
        );
        assert_oauth_error(&refresh(&server, sql), 400, "invalid_grant");
        let email = format!("{}@example.test", random_hex());
        let (_, code) = signup_code(&server, &email);
        assert_oauth_error(&exchange_code(&server, &code, sql), 400, "invalid_grant");
    }
    assert_intact(&server, users_before);
}

#[test]
fn hostile_sql_in_imx_fields_is_bad_request_and_registers_nothing() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    for sql in SQL {
        let reply = post_json(
            &server.url("v1/signable-registration-offchain"),
            &json!({"ether_key": sql, "stark_key": sql}),
            None,
        );
        assert_api_error(&reply, 400, "bad_request");
        let body = json!({"ether_key": sql, "stark_key": sql, "eth_signature": sql, "stark_signature": sql});
        let reply = post_json(
            &server.url("v2/passport/users"),
            &body,
            Some(&tokens.access_token),
        );
        assert_api_error(&reply, 400, "bad_request");
        let path = url::form_urlencoded::byte_serialize(sql.as_bytes()).collect::<String>();
        let reply = get(&server.url(&format!("v1/users/{path}")), None, None);
        assert!(matches!(reply.status, 400 | 404), "{}", reply.status);
        assert!(reply.json()["code"].is_string(), "{}", reply.body);
    }
    // The genuine registration still works afterwards.
    let request = prepare_registration(&server, &tokens);
    assert_eq!(register(&server, &tokens, &request).status, 201);
}

#[test]
fn hostile_sql_in_the_bearer_token_is_unauthorised() {
    let server = Server::start(&[]);
    for sql in SQL {
        let reply = post_json(
            &server.wallet_url("wallet/v1/connect"),
            &json!({}),
            Some(sql),
        );
        assert_api_error(&reply, 401, "unauthorised");
        let reply = get(&server.url("userinfo"), None, Some(sql));
        assert_eq!(reply.status, 401);
    }
}

#[test]
fn hostile_invisible_and_bidi_characters_in_email_are_refused() {
    let server = Server::start(&[]);
    let params = authorize_params(&pkce(), "s", "n");
    for email in [
        "admin\u{202E}moc.elpmaxe@example.test", // right-to-left override
        "ad\u{200D}min@example.test",            // zero-width joiner
        "admin\u{200B}@example.test",            // zero-width space
        "\u{FEFF}admin@example.test",            // byte order mark
        "ad\u{0000}min@example.test",            // NUL
    ] {
        let reply = submit_form(&server, &params, "signup", email, "correct horse battery");
        assert_eq!(reply.status, 400, "{email:?}");
        assert!(reply.body.contains("valid email"), "{email:?}");
    }
}

#[test]
fn hostile_unicode_email_is_one_account_whatever_its_normal_form() {
    let server = Server::start(&[]);
    let nfc = "jos\u{e9}-\u{1F600}@b\u{fc}cher.example";
    let nfd = "jose\u{301}-\u{1F600}@bu\u{308}cher.example";
    let tokens = login(&server, "signup", nfc, "correct horse battery");
    assert_eq!(claims(&tokens.id_token)["email"], nfc);
    // The same address typed in decomposed form is the same account.
    let params = authorize_params(&pkce(), "s", "n");
    let reply = submit_form(&server, &params, "signup", nfd, "correct horse battery");
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("already exists"), "{}", reply.body);
    let tokens = login(&server, "signin", nfd, "correct horse battery");
    assert_eq!(claims(&tokens.id_token)["email"], nfc);
    // Combining marks on their own are fine in an address.
    login(
        &server,
        "signup",
        "a\u{301}\u{301}@example.test",
        "correct horse battery",
    );
}

#[test]
fn hostile_unicode_passwords_work_and_overlong_ones_are_refused() {
    let server = Server::start(&[]);
    let email = format!("{}@example.test", random_hex());
    let password = "p\u{e4}ss \u{1F511} w\u{f6}rd \u{202E}\u{200D}";
    login(&server, "signup", &email, password);
    login(&server, "signin", &email, password);
    let params = authorize_params(&pkce(), "s", "n");
    let reply = submit_form(&server, &params, "signin", &email, "p\u{e4}ss");
    assert!(reply.body.contains("Wrong email or password"));
    let long = "\u{1F511}".repeat(2000);
    let reply = submit_form(&server, &params, "signup", &format!("x{email}"), &long);
    assert_eq!(reply.status, 400);
    let reply = submit_form(&server, &params, "signin", &email, "with\u{0}nul");
    assert_eq!(reply.status, 400);
}

#[test]
fn hostile_overlong_email_and_parameters_are_refused() {
    let server = Server::start(&[]);
    let params = authorize_params(&pkce(), "s", "n");
    let email = format!("{}@example.test", "a".repeat(300));
    let reply = submit_form(&server, &params, "signup", &email, "correct horse battery");
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("valid email"));
    let mut params = authorize_params(&pkce(), "s", "n");
    params.iter_mut().find(|(k, _)| k == "state").unwrap().1 = "s".repeat(40 * 1024);
    // The client and redirect URI are genuine, so the refusal goes back to it.
    let reply = get(&authorize_url(&server, &params), None, None);
    assert_eq!(reply.status, 303);
    assert_eq!(
        reply.location_param("error").as_deref(),
        Some("invalid_request")
    );
    assert_eq!(reply.location_param("code"), None);
}

#[test]
fn hostile_unreadable_queries_and_forms_get_the_error_page() {
    let server = Server::start(&[]);
    for query in [
        "client_id=%ff%fe",
        "client_id=a&client_id=b",
        "redirect_uri=%zz",
    ] {
        let reply = get(&server.url(&format!("authorize?{query}")), None, None);
        assert_eq!(reply.status, 400, "{query}");
        assert!(
            reply.content_type.starts_with("text/html"),
            "{query}: {}",
            reply.content_type
        );
        assert!(reply.location.is_none());
    }
    let reply = get(&server.url("v2/logout?client_id=a&client_id=b"), None, None);
    assert_eq!(reply.status, 400);
    assert!(reply.content_type.starts_with("text/html"));
}
