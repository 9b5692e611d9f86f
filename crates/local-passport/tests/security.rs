//! The local Passport held to what a real identity provider and wallet
//! promise, one test per finding of the security review (RELIABILITY.md,
//! "Security"): each sends what an attacker would and checks the answer.

mod support;

use std::time::Duration;

use support::*;

/// Every file of the data directory but the key-encryption key, as bytes.
fn data_files_without_kek(server: &Server) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(&server.data_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "kek.key" && p.is_file())
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_copy_of_the_database_holds_no_signing_key_and_the_data_is_the_owners_alone() {
    let mut server = Server::process(&[]);
    let _ = new_user(&server);
    server.kill9(); // as a crash: whatever is in the WAL stays there
    for (file, bytes) in data_files_without_kek(&server) {
        assert!(
            !contains(&bytes, b"PRIVATE KEY"),
            "{file} holds the signing key in the clear"
        );
    }
    #[cfg(unix)]
    {
        assert_eq!(mode(&server.data_dir), 0o700, "the data directory");
        for entry in std::fs::read_dir(&server.data_dir).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().unwrap() != "server.log" {
                assert_eq!(mode(&path), 0o600, "{}", path.display());
            }
        }
    }
}

#[test]
fn a_signing_key_stored_in_the_clear_by_an_older_version_is_sealed_and_erased() {
    let mut server = Server::process(&[]);
    let kid_before =
        get(&server.url(".well-known/jwks.json"), None, None).json()["keys"][0]["kid"].clone();
    server.kill9();
    // What an older version left: the key as PEM in `meta`, nothing sealed.
    let pem = {
        use rsa::pkcs8::{EncodePrivateKey, LineEnding};
        let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
        key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string()
    };
    {
        let conn =
            rusqlite::Connection::open(server.data_dir.join("local-passport.sqlite3")).unwrap();
        conn.execute("DELETE FROM meta WHERE key = 'signing_key_sealed'", [])
            .unwrap();
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('signing_key_pem', ?1)",
            [&pem],
        )
        .unwrap();
    }
    server.restart();
    let jwks = get(&server.url(".well-known/jwks.json"), None, None).json();
    assert_eq!(
        jwks["keys"][0]["kid"], kid_before,
        "the same key id, now for the old key"
    );
    let (_, tokens) = new_user(&server);
    assert_eq!(
        refresh(&server, tokens.refresh_token.as_deref().unwrap()).status,
        200
    );
    server.kill9();
    for (file, bytes) in data_files_without_kek(&server) {
        assert!(
            !contains(&bytes, b"PRIVATE KEY"),
            "{file} still holds the old plain key"
        );
    }
}

#[test]
fn pages_refuse_framing_sniffing_and_referrers() {
    let server = Server::start(&[]);
    let form_url = url::Url::parse(&authorize_url(
        &server,
        &authorize_params(&pkce(), "s", "n"),
    ))
    .unwrap();
    let form_target = format!("GET {}?{}", form_url.path(), form_url.query().unwrap());
    let form = get(form_url.as_str(), None, None);
    let error_page = get(&server.url("authorize?client_id=nobody"), None, None);
    let logout = get(&server.url("v2/logout"), None, None);
    for (what, target) in [
        ("sign-in form", form_target.as_str()),
        ("error page", "GET /authorize?client_id=nobody"),
        ("logout page", "GET /v2/logout"),
    ] {
        let reply = raw(&server.url(""), target, &[], b"");
        assert!(
            reply
                .header("content-type")
                .is_some_and(|c| c.starts_with("text/html")),
            "{what}"
        );
        assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{what}");
        assert!(
            reply
                .header("content-security-policy")
                .is_some_and(|c| c.contains("frame-ancestors 'none'")),
            "{what}"
        );
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{what}"
        );
        assert_eq!(
            reply.header("referrer-policy"),
            Some("no-referrer"),
            "{what}"
        );
    }
    assert_eq!(form.status, 200);
    assert_eq!(error_page.status, 400);
    assert!(logout.status < 500);
}

#[test]
fn a_flood_of_signable_payloads_keeps_only_a_few_per_key_pair_and_registration_still_works() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    let (ether_key, _, stark_key) = wallet_keys(&server, &tokens);
    for _ in 0..25 {
        let reply = post_json(
            &server.url("v1/signable-registration-offchain"),
            &serde_json::json!({ "ether_key": ether_key, "stark_key": stark_key }),
            None,
        );
        assert_eq!(reply.status, 200);
    }
    let conn = rusqlite::Connection::open(server.data_dir.join("local-passport.sqlite3")).unwrap();
    let stored: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM signable_payloads WHERE ether_key = ?1",
            [&ether_key],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, 3, "25 requests, 3 payloads kept");
    // The ordinary flow still registers.
    let request = prepare_registration(&server, &tokens);
    assert_eq!(register(&server, &tokens, &request).status, 201);
}

#[test]
fn password_hashing_runs_a_bounded_number_at_once() {
    let server = Server::start(&["--max-concurrent-hashes", "2"]);
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| new_user(&server));
        }
    });
    let ready = get(&server.url("health/ready"), None, None).json();
    let hashing = &ready["password_hashing"];
    assert_eq!(hashing["limit"], 2);
    let peak = hashing["peak"].as_u64().unwrap();
    assert!(
        (1..=2).contains(&peak),
        "peak {peak} with 8 sign-ups at once"
    );
}

#[test]
fn sign_ups_whose_clients_hang_up_still_count_against_the_hashing_bound() {
    use std::io::Write;
    let server = Server::start(&["--max-concurrent-hashes", "1"]);
    let params = authorize_params(&pkce(), "s", "n");
    let origin = url::Url::parse(&server.url("")).unwrap();
    let address = format!("{}:{}", origin.host_str().unwrap(), origin.port().unwrap());
    for i in 0..6 {
        let (csrf, cookie) = form_token(&server, &params);
        let email = format!("hangup{i}-{}@example.test", random_hex());
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.extend_pairs(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        form.extend_pairs([
            ("mode", "signup"),
            ("email", &email),
            ("password", "correct horse battery"),
        ]);
        form.append_pair("csrf", &csrf.unwrap());
        let body = form.finish();
        let request = format!(
            "POST /authorize HTTP/1.1\r\nHost: {address}\r\nCookie: {}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            cookie.unwrap(),
            body.len()
        );
        // Sent whole, then the client hangs up while the hash runs.
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        drop(stream);
    }
    // Once the hashes already started have finished, none is counted as running.
    let mut hashing = serde_json::Value::Null;
    for _ in 0..100 {
        hashing = get(&server.url("health/ready"), None, None).json()["password_hashing"].clone();
        if hashing["running"] == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(hashing["running"], 0, "{hashing}");
    assert_eq!(
        hashing["peak"], 1,
        "never more than the bound at once: {hashing}"
    );
    // And the bound still admits the next sign-up.
    let _ = new_user(&server);
}

#[test]
fn a_stranger_replaying_a_used_code_cannot_revoke_the_users_session() {
    let server = Server::start(&[]);
    let (pkce, code) = signup_code(&server, &format!("victim-{}@example.test", random_hex()));
    let tokens = exchange_code(&server, &code, &pkce.verifier);
    assert_eq!(tokens.status, 200);
    let refresh_token = tokens.json()["refresh_token"].as_str().unwrap().to_owned();
    // The code leaked (a log, a referrer); the stranger has no verifier.
    let stranger = exchange_code(&server, &code, &"x".repeat(43));
    assert_eq!(stranger.status, 400);
    assert_eq!(
        refresh(&server, &refresh_token).status,
        200,
        "the victim's session survives"
    );
    // The client itself replaying its own code (with its verifier) is a theft signal.
    let again = exchange_code(&server, &code, &pkce.verifier);
    assert_eq!(again.status, 400);
}

#[test]
fn an_overlong_state_is_refused_without_being_echoed() {
    let server = Server::start(&[]);
    let long_state = "s".repeat(10 * 1024);
    let reply = get(
        &authorize_url(&server, &authorize_params(&pkce(), &long_state, "n")),
        None,
        None,
    );
    assert_eq!(reply.status, 303);
    let location = reply.location.unwrap();
    assert!(location.contains("error=invalid_request"), "{location}");
    assert!(
        location.len() < 1024,
        "the state was echoed: {} bytes",
        location.len()
    );
}

#[test]
fn refresh_tokens_have_an_absolute_lifetime() {
    let server = Server::start(&["--refresh-token-ttl", "3"]);
    let (_, tokens) = new_user(&server);
    std::thread::sleep(Duration::from_millis(1500));
    let rotated = refresh(&server, tokens.refresh_token.as_deref().unwrap());
    assert_eq!(rotated.status, 200);
    let next = rotated.json()["refresh_token"].as_str().unwrap().to_owned();
    std::thread::sleep(Duration::from_millis(2000));
    // 3.5 s after sign-in: past the session's end, however recently rotated.
    let late = refresh(&server, &next);
    assert_eq!(late.status, 400, "{}", late.body);
    assert!(late.body.contains("expired"), "{}", late.body);
}

#[test]
fn malformed_email_addresses_are_refused() {
    let server = Server::start(&[]);
    for email in [
        "a@b@c.example",
        "a..b@example.test",
        ".a@example.test",
        "a.@example.test",
        "a@-example.test",
        "a@example..test",
        "a@exa_mple.test",
        "@example.test",
    ] {
        let reply = submit_form(
            &server,
            &authorize_params(&pkce(), "s", "n"),
            "signup",
            email,
            "long enough pw",
        );
        assert_eq!(reply.status, 400, "{email} was accepted");
        assert!(reply.body.contains("valid email"), "{email}");
    }
}

#[test]
fn weak_passwords_are_refused_at_sign_up() {
    let server = Server::start(&[]);
    for password in [
        "password",
        "        ",
        "PASSWORD1",
        "12345678",
        "Qwertyuiop",
    ] {
        let reply = submit_form(
            &server,
            &authorize_params(&pkce(), "s", "n"),
            "signup",
            &format!("weak-{}@example.test", random_hex()),
            password,
        );
        assert_eq!(reply.status, 400, "{password:?} was accepted");
        assert!(reply.location.is_none());
    }
}

/// A sign-in POST for `params` with the attacker's account, as another site
/// would send it: the given CSRF field and cookie, and extra headers.
fn forged_sign_in(
    server: &Server,
    params: &[(String, String)],
    csrf: Option<&str>,
    cookie: Option<&str>,
    headers: &[(&str, &str)],
) -> Reply {
    let mut req = ureq::AgentBuilder::new()
        .redirects(0)
        .build()
        .post(&server.url("authorize"));
    if let Some(cookie) = cookie {
        req = req.set("Cookie", cookie);
    }
    for (name, value) in headers {
        req = req.set(name, value);
    }
    let mut fields: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fields.extend([
        ("mode", "signin"),
        ("email", "attacker@example.test"),
        ("password", "attacker's password"),
    ]);
    if let Some(csrf) = csrf {
        fields.push(("csrf", csrf));
    }
    reply(req.send_form(&fields))
}

fn assert_refused_as_forgery(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 403, "{what}: {}", reply.body);
    assert!(reply.location.is_none(), "{what}: no code, no redirect");
    assert!(reply.set_cookie.is_none(), "{what}: no session");
    assert!(reply.body.contains("not opened on this Passport"), "{what}");
}

#[test]
fn the_sign_in_form_cannot_be_posted_from_another_site() {
    let server = Server::start(&[]);
    // The attacker's own account exists and works through the real form.
    let _ = login(
        &server,
        "signup",
        "attacker@example.test",
        "attacker's password",
    );
    let params = authorize_params(&pkce(), "s", "n");

    // No token, no cookie: what an auto-posting page on another site sends.
    assert_refused_as_forgery(
        &forged_sign_in(&server, &params, None, None, &[]),
        "no token",
    );

    // A token and cookie the attacker got by opening the form himself, for
    // another authorization request, do not fit this one.
    let (csrf, cookie) = form_token(&server, &authorize_params(&pkce(), "other", "n"));
    let reply = forged_sign_in(&server, &params, csrf.as_deref(), cookie.as_deref(), &[]);
    assert_refused_as_forgery(&reply, "a token of another request");

    // The browser says the POST is cross-site, or from another origin: refused
    // even with a valid token (a page that read it would still be caught).
    let (csrf, cookie) = form_token(&server, &params);
    for headers in [
        [("Sec-Fetch-Site", "cross-site")],
        [("Sec-Fetch-Site", "same-site")],
        [("Origin", "http://localhost:1")],
    ] {
        let reply = forged_sign_in(
            &server,
            &params,
            csrf.as_deref(),
            cookie.as_deref(),
            &headers,
        );
        assert_refused_as_forgery(&reply, &format!("{headers:?}"));
    }
    // The same form from its own page signs in.
    let host = server.url("").trim_end_matches('/').to_owned();
    let reply = forged_sign_in(
        &server,
        &params,
        csrf.as_deref(),
        cookie.as_deref(),
        &[("Sec-Fetch-Site", "same-origin"), ("Origin", &host)],
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
}

#[test]
fn ten_wrong_passwords_lock_the_account_for_that_address_even_for_the_right_one() {
    let server = Server::process(&["--lockout-after", "10"]);
    let email = format!("target-{}@example.test", random_hex());
    let _ = login(&server, "signup", &email, "correct horse battery");
    let params = authorize_params(&pkce(), "s", "n");
    for attempt in 1..=10 {
        let reply = submit_form(
            &server,
            &params,
            "signin",
            &email,
            &format!("guess number {attempt}"),
        );
        assert_eq!(reply.status, 400, "attempt {attempt}");
        assert!(reply.body.contains("Wrong email or password"));
    }
    let reply = submit_form(&server, &params, "signin", &email, "correct horse battery");
    assert_eq!(
        reply.status, 429,
        "the right password is refused while locked"
    );
    assert!(reply.location.is_none(), "no code");
    assert!(reply.body.contains("Too many failed sign-in attempts"));
    assert!(
        server.log().contains("account locked"),
        "and the server says so"
    );
    // Another account from the same address is not affected.
    let other = format!("bystander-{}@example.test", random_hex());
    let _ = login(&server, "signup", &other, "correct horse battery");
}

#[test]
fn other_spellings_of_the_same_account_count_towards_its_lockout() {
    let server = Server::start(&["--lockout-after", "3"]);
    // Short: a full-width letter takes 3 bytes of the local part's 64.
    let local = format!("spelt{}", &random_hex()[..6]);
    let email = format!("{local}@example.test");
    let _ = login(&server, "signup", &email, "correct horse battery");
    let params = authorize_params(&pkce(), "s", "n");
    // Each of these signs in to the same account (case folding, full-width
    // letters): each must count against it.
    let full_width: String = local
        .chars()
        .map(|c| char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap())
        .collect();
    let spellings = [
        email.to_uppercase(),
        format!("{full_width}@example.test"),
        format!("{}@EXAMPLE.test", local.to_uppercase()),
    ];
    for spelling in &spellings {
        let reply = submit_form(&server, &params, "signin", spelling, "a wrong guess");
        assert_eq!(reply.status, 400, "{spelling}: {}", reply.body);
        assert!(reply.body.contains("Wrong email or password"), "{spelling}");
    }
    let reply = submit_form(&server, &params, "signin", &email, "correct horse battery");
    assert_eq!(
        reply.status, 429,
        "three failures under other spellings lock the account"
    );
}

#[test]
fn a_flood_of_sign_in_posts_from_one_address_is_throttled_with_retry_after() {
    let server = Server::start(&["--sign-in-rate", "1", "--sign-in-burst", "5"]);
    let params = authorize_params(&pkce(), "s", "n");
    let statuses: Vec<u16> = (0..8)
        .map(|i| {
            submit_form(
                &server,
                &params,
                "signin",
                &format!("nobody{i}@example.test"),
                "whatever pw",
            )
            .status
        })
        .collect();
    assert_eq!(&statuses[..5], &[400; 5], "{statuses:?}");
    assert!(statuses[5..].contains(&429), "{statuses:?}");
    let throttled = raw(
        &server.url(""),
        "POST /authorize",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Content-Length", "0"),
        ],
        b"",
    );
    assert_eq!(throttled.reply.status, 429);
    let retry: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=5).contains(&retry), "Retry-After {retry}");
}

/// Signs up through `client_id` (registered with the test redirect URI) and
/// returns its token response.
fn tokens_for_client(server: &Server, client_id: &str) -> serde_json::Value {
    let pkce = pkce();
    let mut params = authorize_params(&pkce, "s", "n");
    for (name, value) in params.iter_mut() {
        if name == "client_id" {
            *value = client_id.to_owned();
        }
    }
    let email = format!("other-app-{}@example.test", random_hex());
    let reply = submit_form(server, &params, "signup", &email, "correct horse battery");
    let code = reply.location_param("code").expect("a code");
    let reply = post_form(
        &server.url("oauth/token"),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", client_id),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &pkce.verifier),
        ],
        None,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

#[test]
fn the_wallet_takes_only_id_tokens_of_its_own_application() {
    let dir = temp_dir();
    let clients = dir.join("clients.json");
    let client = |id: &str| {
        serde_json::json!({
            "client_id": id, "name": id,
            "redirect_uris": [REDIRECT_URI], "logout_urls": ["http://localhost:8080/"],
            "web_origins": ["http://localhost:8080"],
        })
    };
    std::fs::write(
        &clients,
        serde_json::json!({ "clients": [client(CLIENT_ID), client("another-game")] }).to_string(),
    )
    .unwrap();
    let server = Server::start(&["--clients", clients.to_str().unwrap()]);
    let other = tokens_for_client(&server, "another-game");
    let id_token = other["id_token"].as_str().unwrap();
    let reply = tee_post(&server, "v1/wallet", Some(id_token), None);
    assert_eq!(
        reply.status, 401,
        "another application's ID token is no key to the wallet"
    );
    // The wallet's own application is served.
    let (_, tokens) = new_user(&server);
    assert_eq!(wallet_status(&server, &tokens.id_token), 200);
}

#[test]
fn revoking_the_session_or_signing_out_ends_what_its_id_tokens_can_do_at_the_wallet() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    let refreshed = refresh(&server, tokens.refresh_token.as_deref().unwrap()).json();
    let newer_id_token = refreshed["id_token"].as_str().unwrap().to_owned();
    assert_eq!(wallet_status(&server, &tokens.id_token), 200);
    let revoke = post_form(
        &server.url("oauth/revoke"),
        &[
            ("token", refreshed["refresh_token"].as_str().unwrap()),
            ("client_id", CLIENT_ID),
        ],
        None,
    );
    assert_eq!(revoke.status, 200);
    for token in [&tokens.id_token, &newer_id_token] {
        let reply = tee_post(&server, "v1/wallet", Some(token), None);
        assert_eq!(
            reply.status, 401,
            "an ID token of a revoked session: {}",
            reply.body
        );
        assert!(reply.body.contains("Session ended"));
    }

    // Signing out of the provider (its session cookie) ends it too.
    let (_, tokens) = new_user(&server);
    assert_eq!(wallet_status(&server, &tokens.id_token), 200);
    let logout = get(
        &server.url("v2/logout?client_id=local-passport-app"),
        Some(&tokens.cookie),
        None,
    );
    assert!(logout.status < 400, "{}", logout.body);
    assert_eq!(wallet_status(&server, &tokens.id_token), 401);
    let refresh_after = refresh(&server, tokens.refresh_token.as_deref().unwrap());
    assert_eq!(refresh_after.status, 400, "its refresh token ended with it");
}

#[test]
fn audiences_and_scopes_are_limited_to_what_the_client_is_allowed() {
    let server = Server::start(&[]);
    let pkce = pkce();
    let mut params = authorize_params(&pkce, "s", "n");
    for (name, value) in params.iter_mut() {
        if name == "audience" {
            *value = "https://bank.example/api".into();
        }
    }
    let reply = get(&authorize_url(&server, &params), None, None);
    assert_eq!(reply.status, 303);
    assert_eq!(
        reply.location_param("error").as_deref(),
        Some("access_denied")
    );

    let mut params = authorize_params(&pkce, "s", "n");
    for (name, value) in params.iter_mut() {
        if name == "scope" {
            *value = "openid email admin:everything offline_access".into();
        }
    }
    let email = format!("scopes-{}@example.test", random_hex());
    let reply = submit_form(&server, &params, "signup", &email, "correct horse battery");
    let code = reply.location_param("code").expect("a code");
    let tokens = exchange_code(&server, &code, &pkce.verifier).json();
    assert_eq!(tokens["scope"], "openid email offline_access");
    assert_eq!(
        claims(tokens["access_token"].as_str().unwrap())["scope"],
        "openid email offline_access"
    );
}

#[test]
fn look_alike_and_differently_cased_addresses_are_one_account() {
    let server = Server::start(&[]);
    let tag = random_hex();
    let _ = login(
        &server,
        "signup",
        &format!("alice-{tag}@example.test"),
        "correct horse battery",
    );
    let _ = login(
        &server,
        "signup",
        &format!("älice-{tag}@example.test"),
        "correct horse battery",
    );
    for twin in [
        format!("\u{0430}lice-{tag}@example.test"), // Cyrillic а
        format!("\u{FF41}lice-{tag}@example.test"), // fullwidth ａ
        format!("ALICE-{tag}@EXAMPLE.TEST"),
        format!("ÄLICE-{tag}@example.test"),
        format!("A\u{0308}lice-{tag}@example.test"), // decomposed Ä
    ] {
        let reply = submit_form(
            &server,
            &authorize_params(&pkce(), "s", "n"),
            "signup",
            &twin,
            "another password",
        );
        assert_eq!(reply.status, 400, "{twin} made a second account");
        assert!(reply.body.contains("already exists"), "{twin}");
    }
    // Signing in with another spelling reaches the one account.
    let tokens = login(
        &server,
        "signin",
        &format!("ALICE-{tag}@Example.Test"),
        "correct horse battery",
    );
    assert_eq!(
        claims(&tokens.id_token)["email"],
        format!("alice-{tag}@example.test")
    );
}

/// The status of `GET /userinfo` with this access token, and its Cache-Control.
fn userinfo_status(server: &Server, access_token: &str) -> (u16, Option<String>) {
    let reply = raw(
        &server.url(""),
        "GET /userinfo",
        &[("Authorization", &format!("Bearer {access_token}"))],
        b"",
    );
    (
        reply.reply.status,
        reply.header("cache-control").map(str::to_owned),
    )
}

/// What the IMX API answers a registration attempt with this access token
/// (an empty body: 401 before the body is read, 400 once the token passes).
fn imx_status(server: &Server, access_token: &str) -> u16 {
    post_json(
        &server.url("v2/passport/users"),
        &serde_json::json!({}),
        Some(access_token),
    )
    .status
}

#[test]
fn access_tokens_end_with_their_session_and_are_never_cached() {
    let server = Server::start(&[]);
    // Signing out of the provider ends what the access token can read.
    let (_, tokens) = new_user(&server);
    let (status, cache) = userinfo_status(&server, &tokens.access_token);
    assert_eq!(status, 200);
    assert_eq!(
        cache.as_deref(),
        Some("no-store"),
        "/userinfo is not cached"
    );
    assert_eq!(imx_status(&server, &tokens.access_token), 400);
    let logout = get(
        &server.url("v2/logout?client_id=local-passport-app"),
        Some(&tokens.cookie),
        None,
    );
    assert!(logout.status < 400, "{}", logout.body);
    let (status, cache) = userinfo_status(&server, &tokens.access_token);
    assert_eq!(status, 401, "/userinfo after sign-out");
    assert_eq!(cache.as_deref(), Some("no-store"));
    assert_eq!(
        imx_status(&server, &tokens.access_token),
        401,
        "the IMX API after sign-out"
    );

    // Revoking the refresh token ends the access tokens of its family, the
    // one issued with it and the one issued at its rotation.
    let (_, tokens) = new_user(&server);
    let refreshed = refresh(&server, tokens.refresh_token.as_deref().unwrap()).json();
    let newer = refreshed["access_token"].as_str().unwrap().to_owned();
    assert_eq!(userinfo_status(&server, &newer).0, 200);
    let revoke = post_form(
        &server.url("oauth/revoke"),
        &[
            ("token", refreshed["refresh_token"].as_str().unwrap()),
            ("client_id", CLIENT_ID),
        ],
        None,
    );
    assert_eq!(revoke.status, 200);
    for token in [&tokens.access_token, &newer] {
        assert_eq!(userinfo_status(&server, token).0, 401, "after revocation");
        assert_eq!(imx_status(&server, token), 401, "after revocation");
    }

    // Every answer that carries a token or a code is marked no-store.
    let (pkce, code) = signup_code(&server, &format!("nostore-{}@example.test", random_hex()));
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", pkce.verifier.as_str()),
        ])
        .finish();
    let exchange = raw(
        &server.url(""),
        "POST /oauth/token",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Content-Length", &body.len().to_string()),
        ],
        body.as_bytes(),
    );
    assert_eq!(exchange.reply.status, 200);
    assert_eq!(exchange.header("cache-control"), Some("no-store"));
}

/// `GET path` on `origin`'s socket with the given `Host` header: the status
/// and the body.
fn get_with_host(origin: &str, path: &str, host: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let url = url::Url::parse(origin).unwrap();
    let address = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn a_host_name_the_server_does_not_announce_is_refused_as_misdirected() {
    let server = Server::start(&["--allowed-host", "passport.lan"]);
    let port = url::Url::parse(&server.address).unwrap().port().unwrap();
    let wallet_port = url::Url::parse(&server.wallet_origin)
        .unwrap()
        .port()
        .unwrap();
    let discovery = "/.well-known/openid-configuration";
    // A DNS-rebinding page on attacker.example, rebound to 127.0.0.1, sends
    // its own name: refused on both ports, whatever the path.
    for (origin, port) in [
        (&server.address, port),
        (&server.wallet_origin, wallet_port),
    ] {
        for host in [
            "attacker.example".to_owned(),
            format!("attacker.example:{port}"),
            format!("127.0.0.1.attacker.example:{port}"),
            format!("localhost.:{}", port + 1),
        ] {
            let (status, body) = get_with_host(origin, "/health/ready", &host);
            assert_eq!(status, 421, "{host} on {origin}: {body}");
            assert!(body.contains("--allowed-host"), "a clear message: {body}");
        }
    }
    let (status, _) = get_with_host(&server.address, discovery, "attacker.example");
    assert_eq!(status, 421);
    // Its own names, with its port or none, and the names given with the flag.
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "localhost".to_owned(),
        "LOCALHOST".to_owned(),
        "127.0.0.1".to_owned(),
        format!("passport.lan:{port}"),
        "passport.lan".to_owned(),
    ] {
        let (status, body) = get_with_host(&server.address, discovery, &host);
        assert_eq!(status, 200, "{host}: {body}");
    }
    let (status, _) = get_with_host(
        &server.wallet_origin,
        "/health/ready",
        &format!("127.0.0.1:{wallet_port}"),
    );
    assert_eq!(status, 200);

    // Standing in for Immutable: the issuer's host, and the IMX and TEE
    // Express hosts the SDK's presets name, as browser routing sends them.
    let stand_in = Server::start(&["--issuer", "https://auth.immutable.com/"]);
    for host in [
        "auth.immutable.com",
        "api.x.immutable.com",
        "api.sandbox.x.immutable.com",
    ] {
        let (status, body) = get_with_host(&stand_in.address, discovery, host);
        assert_eq!(status, 200, "{host}: {body}");
    }
    let (status, _) = get_with_host(
        &stand_in.wallet_origin,
        "/health/ready",
        "tee.express.magiclabs.com",
    );
    assert_eq!(status, 200);
    let (status, _) = get_with_host(&stand_in.address, discovery, "attacker.example");
    assert_eq!(status, 421);
}

/// Every `Set-Cookie` of a raw reply, in order.
/// Posts the sign-in form (with a fresh form token, as `state`) as `email`,
/// sending the Cookie header `cookies` makes from the form's own CSRF cookie,
/// raw, so every `Set-Cookie` of the answer can be read.
fn post_sign_in_form(
    server: &Server,
    state: &str,
    email: &str,
    password: &str,
    cookies: impl FnOnce(&str) -> String,
) -> RawReply {
    let params = authorize_params(&pkce(), state, "n");
    let (csrf, form_cookie) = form_token(server, &params);
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    body.extend_pairs(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    body.extend_pairs([
        ("mode", "signin"),
        ("email", email),
        ("password", password),
        ("csrf", csrf.as_deref().unwrap()),
    ]);
    let body = body.finish();
    raw(
        &server.url(""),
        "POST /authorize",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Content-Length", &body.len().to_string()),
            ("Cookie", &cookies(&form_cookie.unwrap())),
        ],
        body.as_bytes(),
    )
}

fn set_cookies(reply: &RawReply) -> Vec<String> {
    reply
        .head
        .lines()
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("set-cookie")
                .then(|| value.trim().to_owned())
        })
        .collect()
}

/// Whether `cookies` expire `name` on `path` (an empty value, Max-Age=0).
fn expires(cookies: &[String], name: &str, path: &str) -> bool {
    cookies.iter().any(|c| {
        c.starts_with(&format!("{name}=;"))
            && c.split(';').any(|a| a.trim() == format!("Path={path}"))
            && c.contains("Max-Age=0")
    })
}

#[test]
fn a_second_session_cookie_tossed_in_from_another_port_signs_the_browser_out() {
    let server = Server::start(&[]);
    let (_, victim) = new_user(&server);
    let (_, attacker) = new_user(&server);
    let url = url::Url::parse(&authorize_url(
        &server,
        &authorize_params(&pkce(), "s", "n"),
    ))
    .unwrap();
    let target = format!("GET {}?{}", url.path(), url.query().unwrap());
    // A page on another port of the same host set the attacker's session
    // cookie with a longer path: the browser sends it first, then the victim's.
    for cookie in [
        format!("{}; {}", attacker.cookie, victim.cookie),
        format!("{}; {}", victim.cookie, attacker.cookie),
    ] {
        let reply = raw(&server.url(""), &target, &[("Cookie", &cookie)], b"");
        assert_eq!(
            reply.reply.status, 200,
            "two session cookies are no session: the form, not a code ({:?})",
            reply.reply.location
        );
        assert!(reply.reply.location.is_none());
        let cookies = set_cookies(&reply);
        for path in ["/", "/authorize"] {
            assert!(
                expires(&cookies, "lp_session", path),
                "the session cookie is expired on {path}: {cookies:?}"
            );
        }
    }
    // The same for the form's CSRF cookie: a tossed second one is refused,
    // and both are expired.
    let reply = post_sign_in_form(
        &server,
        "s",
        "attacker@example.test",
        "attacker's password",
        |form_cookie| format!("lp_csrf=tossed; {form_cookie}"),
    );
    assert_eq!(reply.reply.status, 403, "{}", reply.reply.body);
    let cookies = set_cookies(&reply);
    for path in ["/", "/authorize"] {
        assert!(expires(&cookies, "lp_csrf", path), "{cookies:?}");
    }
    // Signing in on the form again with both session cookies: the two are
    // expired first, then the new session is set, so it is the one kept.
    let email = format!("resign-{}@example.test", random_hex());
    let _ = login(&server, "signup", &email, "correct horse battery");
    let reply = post_sign_in_form(
        &server,
        "s2",
        &email,
        "correct horse battery",
        |form_cookie| format!("{}; {}; {form_cookie}", attacker.cookie, victim.cookie),
    );
    assert_eq!(reply.reply.status, 303, "{}", reply.reply.body);
    let cookies: Vec<String> = set_cookies(&reply)
        .into_iter()
        .filter(|c| c.starts_with("lp_session="))
        .collect();
    assert_eq!(cookies.len(), 3, "{cookies:?}");
    assert!(expires(&cookies[..2], "lp_session", "/"), "{cookies:?}");
    assert!(expires(&cookies[..2], "lp_session", "/authorize"));
    assert!(cookies[2].starts_with("lp_session=") && !cookies[2].starts_with("lp_session=;"));
    // One session cookie is a session, as before.
    let reply = raw(&server.url(""), &target, &[("Cookie", &victim.cookie)], b"");
    assert_eq!(reply.reply.status, 303);
}

#[test]
fn different_real_addresses_that_look_alike_are_different_accounts() {
    let server = Server::process(&[]);
    let tag = &random_hex()[..8];
    let digits: String = tag.bytes().map(|b| char::from(b'0' + b % 10)).collect();
    let alice = format!("alice-{tag}@example.test");
    let _ = login(&server, "signup", &alice, "correct horse battery");
    // Other real addresses, which look alike in ASCII, do not reach alice's
    // account with her password.
    let params = authorize_params(&pkce(), "s", "n");
    for other in [
        format!("a1ice-{tag}@example.test"),
        format!("alice-{tag}@exarnple.test"),
        format!("ALlCE-{tag}@example.test"),
    ] {
        let reply = submit_form(&server, &params, "signin", &other, "correct horse battery");
        assert_eq!(reply.status, 400, "{other} signed in to {alice}");
        assert!(reply.body.contains("Wrong email or password"), "{other}");
    }
    // And their owners can sign up, each an account of their own.
    let bill = login(
        &server,
        "signup",
        &format!("bill-{tag}@example.test"),
        "correct horse battery",
    );
    let bi11 = login(
        &server,
        "signup",
        &format!("bi11-{tag}@example.test"),
        "correct horse battery",
    );
    let modern = login(
        &server,
        "signup",
        &format!("modern-{tag}@example.test"),
        "correct horse battery",
    );
    let rnodern = login(
        &server,
        "signup",
        &format!("rnodern-{tag}@example.test"),
        "correct horse battery",
    );
    assert_ne!(claims(&bill.id_token)["sub"], claims(&bi11.id_token)["sub"]);
    assert_ne!(
        claims(&modern.id_token)["sub"],
        claims(&rnodern.id_token)["sub"]
    );
    // Case and width still fold into the one account.
    let again = login(
        &server,
        "signin",
        &format!("RNODERN-{tag}@EXAMPLE.test"),
        "correct horse battery",
    );
    assert_eq!(
        claims(&again.id_token)["sub"],
        claims(&rnodern.id_token)["sub"]
    );

    // A look-alike in another script is refused, and so is an address that
    // mixes scripts; an address in one other script is welcome.
    let _ = login(
        &server,
        "signup",
        &format!("ace{digits}@example.test"),
        "correct horse battery",
    );
    for (refused, says) in [
        (
            format!("\u{0430}\u{0441}\u{0435}{digits}@example.test"),
            "looks the same",
        ), // Cyrillic асе
        (
            format!("p\u{0430}ypal{digits}@example.test"),
            "mixes letters",
        ),
    ] {
        let reply = submit_form(&server, &params, "signup", &refused, "another password");
        assert_eq!(reply.status, 400, "{refused} was accepted");
        assert!(reply.body.contains(says), "{refused}: {}", reply.body);
    }
    let _ = login(
        &server,
        "signup",
        &format!("пример{digits}@example.test"),
        "correct horse battery",
    );
}

/// The database's size in bytes once its WAL is checkpointed into it (the
/// server stopped), and the rows of `table`.
fn database_size_and_rows(server: &mut Server, tables: &[&str]) -> (u64, Vec<i64>) {
    server.kill9();
    let path = server.data_dir.join("local-passport.sqlite3");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let rows = tables
        .iter()
        .map(|t| {
            conn.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0))
                .unwrap()
        })
        .collect();
    drop(conn);
    (std::fs::metadata(&path).unwrap().len(), rows)
}

/// The bound the 3,000-request test holds the database to (RELIABILITY.md).
const DATABASE_BOUND: u64 = 256 * 1024;

#[test]
fn three_thousand_authorize_calls_keep_the_database_small() {
    let mut server = Server::process(&[]);
    let (_, tokens) = new_user(&server);
    let url = authorize_url(&server, &authorize_params(&pkce(), "s", "n"));
    let agent = ureq::AgentBuilder::new()
        .redirects(0)
        .timeout(Duration::from_secs(30))
        .build();
    let started = std::time::Instant::now();
    for i in 0..3000 {
        let reply = reply(agent.get(&url).set("Cookie", &tokens.cookie).call());
        assert_eq!(reply.status, 303, "call {i}");
        assert!(reply.location_param("code").is_some());
    }
    let elapsed = started.elapsed();
    let (size, rows) = database_size_and_rows(&mut server, &["auth_codes"]);
    println!(
        "3000 authorize calls in {:.1} s: database {size} bytes, {} codes stored",
        elapsed.as_secs_f64(),
        rows[0]
    );
    assert!(
        rows[0] <= 20 + 1,
        "outstanding codes are capped per account: {} stored",
        rows[0]
    );
    assert!(
        size < DATABASE_BOUND,
        "the database grew to {size} bytes (bound {DATABASE_BOUND})"
    );
}

/// The rows of each table, read beside the running server.
fn rows(server: &Server, tables: &[&str]) -> Vec<i64> {
    let conn = rusqlite::Connection::open(server.data_dir.join("local-passport.sqlite3")).unwrap();
    tables
        .iter()
        .map(|t| {
            conn.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0))
                .unwrap()
        })
        .collect()
}

#[test]
fn ended_sessions_and_expired_codes_and_tokens_are_purged_at_start_and_on_a_schedule() {
    const TABLES: [&str; 4] = [
        "auth_codes",
        "refresh_tokens",
        "session_families",
        "sessions",
    ];
    // At start: ended sessions go with their refresh tokens; a live one stays
    // whole and keeps working.
    let mut server = Server::start(&[]);
    let (_, alive) = new_user(&server);
    let (_, signed_out) = new_user(&server);
    let logout = get(
        &server.url("v2/logout?client_id=local-passport-app"),
        Some(&signed_out.cookie),
        None,
    );
    assert!(logout.status < 400);
    let (_, revoked) = new_user(&server);
    let revoke = post_form(
        &server.url("oauth/revoke"),
        &[
            ("token", revoked.refresh_token.as_deref().unwrap()),
            ("client_id", CLIENT_ID),
        ],
        None,
    );
    assert_eq!(revoke.status, 200);
    server.restart();
    let [_, refresh_tokens, families, _] = rows(&server, &TABLES)[..] else {
        unreachable!()
    };
    assert_eq!(
        (refresh_tokens, families),
        (1, 1),
        "only the live session and its refresh token are left"
    );
    // (The restarted server has a new address, so a new issuer: the live
    // session's refresh token gets tokens that name it.)
    let refreshed = refresh(&server, alive.refresh_token.as_deref().unwrap());
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    let access_token = refreshed.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(userinfo_status(&server, &access_token).0, 200);
    for ended in [&signed_out, &revoked] {
        assert_eq!(
            refresh(&server, ended.refresh_token.as_deref().unwrap()).status,
            400
        );
    }

    // On a schedule: codes, refresh tokens and sessions past their lifetimes.
    let server = Server::start(&[
        "--purge-interval",
        "1",
        "--code-ttl",
        "1",
        "--refresh-token-ttl",
        "1",
        "--access-token-ttl",
        "1",
        "--id-token-ttl",
        "1",
        "--session-ttl",
        "1",
    ]);
    let (_, tokens) = new_user(&server);
    let _ = get(
        &authorize_url(&server, &authorize_params(&pkce(), "s", "n")),
        Some(&tokens.cookie),
        None,
    );
    assert!(rows(&server, &TABLES).iter().all(|&n| n >= 1));
    let mut left = Vec::new();
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(100));
        left = rows(&server, &TABLES);
        if left.iter().all(|&n| n == 0) {
            break;
        }
    }
    assert_eq!(left, [0, 0, 0, 0], "{TABLES:?} within 5 s");
}

/// Sends a request from the loopback address `source` (all of 127.0.0.0/8
/// is this machine) and reads the answer.
fn raw_from(source: &str, server: &Server, request: &str) -> RawReply {
    use std::io::{Read, Write};
    let url = url::Url::parse(&server.address).unwrap();
    let to: std::net::SocketAddr = format!("127.0.0.1:{}", url.port().unwrap())
        .parse()
        .unwrap();
    let from: std::net::SocketAddr = format!("{source}:0").parse().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    let stream = runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(from).unwrap();
        socket.connect(to).await.unwrap().into_std().unwrap()
    });
    stream.set_nonblocking(false).unwrap();
    let mut stream = stream;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response);
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    RawReply {
        reply: Reply {
            status: head
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0),
            location: None,
            set_cookie: None,
            content_type: String::new(),
            body: body.to_owned(),
        },
        head: head.to_owned(),
    }
}

/// Posts the sign-in (or sign-up) form from `source`, as a browser holding
/// `cookies` (besides the form's own): the reply, and the `name=value` of
/// every cookie it set.
fn form_from(
    source: &str,
    server: &Server,
    mode: &str,
    email: &str,
    password: &str,
    cookies: &[&str],
) -> (RawReply, Vec<String>) {
    let params = authorize_params(&pkce(), "s", "n");
    let (csrf, form_cookie) = form_token(server, &params);
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    body.extend_pairs(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    body.extend_pairs([
        ("mode", mode),
        ("email", email),
        ("password", password),
        ("csrf", csrf.as_deref().unwrap()),
    ]);
    let body = body.finish();
    let mut cookie: Vec<&str> = cookies.to_vec();
    let form_cookie = form_cookie.unwrap();
    cookie.push(&form_cookie);
    let url = url::Url::parse(&server.address).unwrap();
    let request = format!(
        "POST /authorize HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Cookie: {}\r\n\r\n{body}",
        url.port().unwrap(),
        body.len(),
        cookie.join("; ")
    );
    let reply = raw_from(source, server, &request);
    let set: Vec<String> = set_cookies(&reply)
        .iter()
        .filter_map(|c| c.split(';').next().map(str::to_owned))
        .collect();
    (reply, set)
}

/// The device cookie a sign-in or sign-up set, `lp_device=…`.
fn device_cookie(set: &[String]) -> String {
    set.iter()
        .find(|c| c.starts_with("lp_device=") && c.len() > "lp_device=".len())
        .cloned()
        .unwrap_or_else(|| panic!("a device cookie: {set:?}"))
}

#[test]
fn guessing_from_many_loopback_addresses_locks_the_account_across_them() {
    let server = Server::start(&["--lockout-after", "10"]);
    let email = format!("spread-{}@example.test", random_hex());
    let (reply, set) = form_from(
        "127.0.0.1",
        &server,
        "signup",
        &email,
        "correct horse battery",
        &[],
    );
    assert_eq!(reply.reply.status, 303);
    let device = device_cookie(&set);
    // Ten wrong passwords from each of 127.0.0.2 to .6: the account, not
    // the address, runs out of attempts.
    let mut statuses = Vec::new();
    for source in 2..=6 {
        for attempt in 0..10 {
            let (reply, _) = form_from(
                &format!("127.0.0.{source}"),
                &server,
                "signin",
                &email,
                &format!("guess {source}.{attempt}"),
                &[],
            );
            statuses.push(reply.reply.status);
        }
    }
    assert!(statuses[..10].iter().all(|&s| s == 400), "{statuses:?}");
    assert!(statuses[10..].iter().all(|&s| s == 429), "{statuses:?}");
    // The right password from yet another address, in a browser that never
    // signed in to the account, is refused too.
    let (reply, _) = form_from(
        "127.0.0.7",
        &server,
        "signin",
        &email,
        "correct horse battery",
        &[],
    );
    assert_eq!(reply.reply.status, 429, "{}", reply.reply.body);
    assert!(reply.head.to_ascii_lowercase().contains("retry-after"));
    assert!(reply
        .reply
        .body
        .contains("Too many failed sign-in attempts"));
    // The owner's browser, which signed in before, is not.
    let (reply, _) = form_from(
        "127.0.0.1",
        &server,
        "signin",
        &email,
        "correct horse battery",
        &[&device],
    );
    assert_eq!(reply.reply.status, 303, "{}", reply.reply.body);
    // A device cookie of another account, or a forged one, exempts nothing.
    let (reply, _) = form_from(
        "127.0.0.1",
        &server,
        "signin",
        &email,
        "correct horse battery",
        &["lp_device=00000000000000000000000000000000"],
    );
    assert_eq!(reply.reply.status, 429);
    // `users unblock` lifts the account's limit at once, the server running.
    let output = users_cmd(&[
        "unblock",
        "--email",
        &email.to_uppercase(),
        "--data-dir",
        server.data_dir.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (reply, _) = form_from(
        "127.0.0.8",
        &server,
        "signin",
        &email,
        "correct horse battery",
        &[],
    );
    assert_eq!(reply.reply.status, 303, "{}", reply.reply.body);
}

#[test]
fn wrong_passwords_from_the_users_own_address_do_not_lock_out_a_browser_that_signed_in_before() {
    let server = Server::start(&["--lockout-after", "10"]);
    let email = format!("owner-{}@example.test", random_hex());
    let (reply, set) = form_from(
        "127.0.0.1",
        &server,
        "signup",
        &email,
        "correct horse battery",
        &[],
    );
    assert_eq!(reply.reply.status, 303);
    let device = device_cookie(&set);
    for attempt in 0..10 {
        let (reply, _) = form_from(
            "127.0.0.1",
            &server,
            "signin",
            &email,
            &format!("guess {attempt}"),
            &[],
        );
        assert_eq!(reply.reply.status, 400);
    }
    let (reply, set) = form_from(
        "127.0.0.1",
        &server,
        "signin",
        &email,
        "correct horse battery",
        &[&device],
    );
    assert_eq!(
        reply.reply.status, 303,
        "the owner's browser signs in: {}",
        reply.reply.body
    );
    // Its device cookie is renewed, and still names the account.
    let renewed = device_cookie(&set);
    let (reply, _) = form_from(
        "127.0.0.1",
        &server,
        "signin",
        &email,
        "correct horse battery",
        &[&renewed],
    );
    assert_eq!(reply.reply.status, 303);
    // A browser that never signed in to it is held back.
    let (reply, _) = form_from(
        "127.0.0.1",
        &server,
        "signin",
        &email,
        "correct horse battery",
        &[],
    );
    assert_eq!(reply.reply.status, 429);
    // A wrong password in the owner's browser is still just wrong, and
    // the per-address throttle still applies to it.
    let (reply, _) = form_from(
        "127.0.0.1",
        &server,
        "signin",
        &email,
        "not it at all",
        &[&device],
    );
    assert_eq!(reply.reply.status, 400);
}

#[test]
fn a_sign_out_with_an_id_token_hint_must_name_the_signed_in_user() {
    let server = Server::start(&[]);
    let (_, alice) = new_user(&server);
    let (_, bob) = new_user(&server);
    let signed_in = |cookie: &str| {
        get(
            &authorize_url(&server, &authorize_params(&pkce(), "s", "n")),
            Some(cookie),
            None,
        )
        .status
            == 303
    };
    let logout = |hint: &str| {
        let mut url = url::Url::parse(&server.url("v2/logout")).unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", CLIENT_ID)
            .append_pair("returnTo", "http://localhost:8080/")
            .append_pair("id_token_hint", hint);
        get(url.as_str(), Some(&alice.cookie), None)
    };
    // Another user's ID token, or one that is no token of this provider:
    // refused, and alice stays signed in.
    for hint in [bob.id_token.as_str(), "not.a.token"] {
        let reply = logout(hint);
        assert_eq!(reply.status, 400, "{}", reply.body);
        assert!(reply.body.contains("another user") || reply.body.contains("not an ID token"));
        assert!(signed_in(&alice.cookie), "alice is still signed in");
        assert_eq!(userinfo_status(&server, &alice.access_token).0, 200);
    }
    // Her own: signed out, back to the app.
    let reply = logout(&alice.id_token);
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert!(!signed_in(&alice.cookie));
    // Without a hint, as Auth0 and the SDK do it: any link signs out.
    let (_, carol) = new_user(&server);
    let reply = get(
        &server.url("v2/logout?client_id=local-passport-app&returnTo=http://localhost:8080/"),
        Some(&carol.cookie),
        None,
    );
    assert_eq!(reply.status, 303);
    assert!(!signed_in(&carol.cookie));
}
