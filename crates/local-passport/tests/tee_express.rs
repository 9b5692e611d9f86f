//! The wallet origin as Magic's TEE Express: the paths, headers, status codes
//! and error bodies Immutable's SDK 2.14 relies on, and the wallet's promises
//! (one stable key per user, deterministic low-s signatures, nothing without
//! the user's ID token).

mod support;

use base64::Engine;
use support::*;

fn sign_body(message: &str) -> serde_json::Value {
    serde_json::json!({
        "message_base64": base64::engine::general_purpose::STANDARD.encode(message),
    })
}

/// A request with only some of Magic's headers.
fn post_with(server: &Server, path: &str, headers: &[(&str, &str)], bearer: &str) -> Reply {
    post_raw_with(
        &server.wallet_url(path),
        "application/json",
        b"",
        bearer,
        headers,
    )
}

#[test]
fn the_wallet_is_created_once_and_its_address_is_stable_per_user() {
    let server = Server::start(&[]);
    let (_, a) = new_user(&server);
    let (_, b) = new_user(&server);
    let first = wallet_address(&server, &a);
    assert!(first.starts_with("0x") && first.len() == 42, "{first}");
    assert_eq!(wallet_address(&server, &a), first, "idempotent");
    assert_ne!(wallet_address(&server, &b), first, "one wallet per user");
}

#[test]
fn signatures_are_deterministic_low_s_personal_signatures_with_v_27_or_28() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    let address = wallet_address(&server, &tokens);
    let reply = tee_post(
        &server,
        "v1/wallet/sign/message",
        Some(&tokens.id_token),
        Some(&sign_body("hello")),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    let signature = body["signature"].as_str().unwrap();
    assert_eq!(signature.len(), 132);
    assert!(
        signature.ends_with("1b") || signature.ends_with("1c"),
        "{signature}"
    );
    assert_eq!(&signature[2..66], &body["r"].as_str().unwrap()[2..]);
    assert_eq!(&signature[66..130], &body["s"].as_str().unwrap()[2..]);
    assert!(body["v"] == 27 || body["v"] == 28);
    let parsed: imx_crypto::EthSignature = signature.parse().unwrap();
    assert!(parsed.s[0] < 0x80, "low s: ethers refuses a high one");
    let signer = imx_crypto::recover_personal_sign(b"hello", &parsed).unwrap();
    assert_eq!(signer.to_string(), address);
    // The Stark key is derived from a signature: it must be the same every time.
    assert_eq!(tee_sign(&server, &tokens, "hello"), signature);
}

#[test]
fn a_hex_message_is_signed_as_the_bytes_it_names() {
    // The SDK sends the Stark seed message as bytes, which it encodes as the
    // text `0x<hex>`; the signature must be over the bytes, as personal_sign's.
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    let address = wallet_address(&server, &tokens);
    let text = imx_crypto::STARK_DERIVATION_MESSAGE;
    let as_hex = tee_sign(&server, &tokens, &format!("0x{}", hex::encode(text)));
    // Compared without printing: these signatures are the Stark key's seed.
    assert!(
        as_hex == tee_sign(&server, &tokens, text),
        "the hex form and the text are signed alike"
    );
    let signer =
        imx_crypto::recover_personal_sign(text.as_bytes(), &as_hex.parse().unwrap()).unwrap();
    assert_eq!(signer.to_string(), address);
}

#[test]
fn missing_headers_and_fields_are_422_with_every_problem_listed() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    let reply = post_with(&server, "v1/wallet", &[], &tokens.id_token);
    assert_eq!(reply.status, 422, "{}", reply.body);
    let detail = reply.json()["detail"].as_array().unwrap().clone();
    let locs: Vec<String> = detail.iter().map(|d| d["loc"][1].to_string()).collect();
    assert_eq!(
        locs,
        [
            "\"x-magic-api-key\"",
            "\"x-oidc-provider-id\"",
            "\"x-magic-chain\""
        ]
    );
    assert!(detail
        .iter()
        .all(|d| d["type"] == "missing" && d["msg"] == "Field required"));

    let headers = [
        ("X-Magic-API-Key", "pk_live_10F423798A540ED7"),
        ("X-OIDC-Provider-ID", "aa80b860-8869-4f13-9000-6a6ad3d20017"),
        ("X-Magic-Chain", "SOL"),
    ];
    let reply = post_with(&server, "v1/wallet", &headers, &tokens.id_token);
    assert_eq!(reply.status, 422);
    assert_eq!(reply.json()["detail"][0]["loc"][1], "x-magic-chain");

    wallet_address(&server, &tokens);
    for (body, kind) in [
        (serde_json::json!({}), "missing"),
        (serde_json::json!({ "message_base64": 7 }), "string_type"),
        (
            serde_json::json!({ "message_base64": "@@@" }),
            "value_error",
        ),
    ] {
        let reply = tee_post(
            &server,
            "v1/wallet/sign/message",
            Some(&tokens.id_token),
            Some(&body),
        );
        assert_eq!(reply.status, 422, "{body}: {}", reply.body);
        assert_eq!(reply.json()["detail"][0]["type"], kind, "{body}");
        assert_eq!(reply.json()["detail"][0]["loc"][0], "body");
    }
}

#[test]
fn an_unknown_api_key_or_provider_is_refused() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    for (key, provider) in [
        (
            "pk_live_SOMEONE_ELSE",
            "aa80b860-8869-4f13-9000-6a6ad3d20017",
        ),
        (
            "pk_live_10F423798A540ED7",
            "00000000-0000-0000-0000-000000000000",
        ),
    ] {
        let headers = [
            ("X-Magic-API-Key", key),
            ("X-OIDC-Provider-ID", provider),
            ("X-Magic-Chain", "ETH"),
        ];
        let reply = post_with(&server, "v1/wallet", &headers, &tokens.id_token);
        assert_eq!(reply.status, 401, "{key} {provider}");
        assert!(reply.json()["detail"].is_string());
    }
}

#[test]
fn other_keys_can_be_configured() {
    let server = Server::start(&["--magic-api-key", "pk_test_X", "--magic-provider-id", "p-1"]);
    let (_, tokens) = new_user(&server);
    let reply = tee_post(&server, "v1/wallet", Some(&tokens.id_token), None);
    assert_eq!(
        reply.status, 401,
        "the SDK's default key is no longer accepted"
    );
    let headers = [
        ("X-Magic-API-Key", "pk_test_X"),
        ("X-OIDC-Provider-ID", "p-1"),
        ("X-Magic-Chain", "ETH"),
    ];
    let reply = post_with(&server, "v1/wallet", &headers, &tokens.id_token);
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[test]
fn nothing_happens_without_a_valid_id_token() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    let none = tee_post(&server, "v1/wallet", None, None);
    assert_eq!(none.status, 401);
    let forged = format!("{}x", &tokens.id_token[..tokens.id_token.len() - 1]);
    assert_eq!(wallet_status(&server, &forged), 401);
    // The access token is for the IMX API, not the wallet.
    let reply = tee_post(&server, "v1/wallet", Some(&tokens.access_token), None);
    assert_eq!(reply.status, 401);
    let body = sign_body("hello");
    let reply = tee_post(&server, "v1/wallet/sign/message", None, Some(&body));
    assert_eq!(reply.status, 401);
}

#[test]
fn signing_before_the_wallet_exists_is_404() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    let reply = tee_post(
        &server,
        "v1/wallet/sign/message",
        Some(&tokens.id_token),
        Some(&sign_body("hello")),
    );
    assert_eq!(reply.status, 404);
    assert!(reply.json()["detail"].as_str().unwrap().contains("Wallet"));
}

#[test]
fn the_old_frame_and_its_endpoints_are_gone() {
    let server = Server::start(&[]);
    for path in ["frame", "frame.js"] {
        let reply = get(&server.wallet_url(path), None, None);
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.json()["detail"], "Not Found");
    }
    let reply = post_json(
        &server.wallet_url("wallet/v1/connect"),
        &serde_json::json!({}),
        None,
    );
    assert_eq!(reply.status, 404);
}

#[test]
fn the_fault_switch_makes_the_wallet_down_then_refuse_then_recover() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    let switch = |fault: serde_json::Value| {
        let reply = server.admin_post("faults", &serde_json::json!({ "wallet": fault }));
        assert_eq!(reply.status, 200, "{}", reply.body);
    };
    switch(serde_json::json!("down"));
    let reply = tee_post(&server, "v1/wallet", Some(&tokens.id_token), None);
    assert_eq!(reply.status, 503);
    switch(serde_json::json!({ "unauthorised": 1 }));
    assert_eq!(wallet_status(&server, &tokens.id_token), 401);
    assert_eq!(
        wallet_status(&server, &tokens.id_token),
        200,
        "only the next request was refused"
    );
    switch(serde_json::json!({ "invalid": 1 }));
    assert_eq!(wallet_status(&server, &tokens.id_token), 422);
    switch(serde_json::Value::Null);
    assert_eq!(wallet_status(&server, &tokens.id_token), 200);
}

#[test]
fn the_app_origin_may_call_it_with_magics_headers() {
    let server = Server::start(&[]);
    let preflight = raw(
        &server.wallet_url(""),
        "OPTIONS /v1/wallet/sign/message",
        &[
            ("Origin", "http://localhost:8080"),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "authorization,content-type,x-magic-api-key,x-oidc-provider-id,x-magic-chain",
            ),
        ],
        b"",
    );
    assert_eq!(preflight.reply.status, 200);
    let head = preflight.head.to_ascii_lowercase();
    assert!(
        head.contains("access-control-allow-origin: http://localhost:8080"),
        "{head}"
    );
    assert!(head.contains("x-magic-api-key"), "{head}");
    let foreign = raw(
        &server.wallet_url(""),
        "OPTIONS /v1/wallet",
        &[
            ("Origin", "https://evil.example"),
            ("Access-Control-Request-Method", "POST"),
        ],
        b"",
    );
    assert!(!foreign
        .head
        .to_ascii_lowercase()
        .contains("access-control-allow-origin"));
}
