//! The IMX API and the wallet service: registration end to end over HTTP, and
//! every way a registration can be forged.

mod support;

use std::str::FromStr;

use imx_crypto::{StarkHash, StarkKey, StarkSignature};
use support::*;

#[test]
fn a_new_user_registers_and_the_next_tokens_carry_the_passport_claim() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    let request = prepare_registration(&server, &tokens);

    // The signatures the wallet produced verify independently of the server.
    let stark_ok = imx_crypto::verify(
        &StarkKey::from_str(&request.stark_key).unwrap(),
        &StarkHash::from_str(&request.payload_hash).unwrap(),
        &StarkSignature::from_str(&request.stark_signature).unwrap(),
    );
    assert!(stark_ok, "the Stark signature verifies for the Stark key");
    let signer = imx_crypto::recover_personal_sign(
        request.signable_message.as_bytes(),
        &request.eth_signature.parse().unwrap(),
    )
    .unwrap();
    assert_eq!(signer.to_string(), request.ether_key);

    let reply = register(&server, &tokens, &request);
    assert_eq!(reply.status, 201, "{}", reply.body);

    let refreshed = refresh(&server, tokens.refresh_token.as_deref().unwrap()).json();
    let passport = &claims(refreshed["id_token"].as_str().unwrap())["passport"];
    assert_eq!(passport["imx_eth_address"], request.ether_key.as_str());
    assert_eq!(passport["imx_stark_address"], request.stark_key.as_str());
    assert!(passport["imx_user_admin_address"]
        .as_str()
        .unwrap()
        .starts_with("0x"));

    let accounts = get(
        &server.url(&format!("v1/users/{}", request.ether_key)),
        None,
        None,
    );
    assert_eq!(accounts.status, 200);
    assert_eq!(accounts.json()["accounts"][0], request.stark_key.as_str());
}

#[test]
fn the_payload_hash_is_a_stark_field_element_bound_to_the_key_pair() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    let first = prepare_registration(&server, &tokens);
    let hash = first.payload_hash.trim_start_matches("0x");
    let value = u128::from_str_radix(&format!("{:0>64}", hash)[..2], 16).unwrap();
    assert!(value < 0x08, "below 2^251");
    let second = prepare_registration(&server, &tokens);
    assert_ne!(
        first.payload_hash, second.payload_hash,
        "every payload is fresh"
    );
}

#[test]
fn registering_twice_answers_409() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    let request = prepare_registration(&server, &tokens);
    assert_eq!(register(&server, &tokens, &request).status, 201);
    let again = register(&server, &tokens, &request);
    assert_eq!(again.status, 409);
    assert_eq!(again.json()["code"], "user_already_registered");
}

#[test]
fn a_wrong_eth_signature_is_refused() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    let mut request = prepare_registration(&server, &tokens);
    // A valid signature, but over another message.
    request.eth_signature = tee_sign(&server, &tokens, "something else");
    let reply = register(&server, &tokens, &request);
    assert_eq!(reply.status, 400);
    assert!(reply.json()["message"]
        .as_str()
        .unwrap()
        .contains("eth_signature"));
}

#[test]
fn a_wrong_stark_signature_is_refused() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    let mut request = prepare_registration(&server, &tokens);
    let stark = stark_private_key(&server, &tokens, &request.ether_key);
    request.stark_signature = stark.sign(&"0x1234".parse().unwrap()).to_hex();
    let reply = register(&server, &tokens, &request);
    assert_eq!(reply.status, 400);
    assert!(reply.json()["message"]
        .as_str()
        .unwrap()
        .contains("stark_signature"));
}

#[test]
fn a_payload_the_server_never_issued_is_refused() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    let (ether_key, stark, stark_key) = wallet_keys(&server, &tokens);
    let message = "Only sign this key linked with Immutable X.";
    let hash = "0x0123456789abcdef";
    let request = RegistrationRequest {
        eth_signature: tee_sign(&server, &tokens, message),
        stark_signature: stark.sign(&hash.parse().unwrap()).to_hex(),
        ether_key,
        stark_key,
        signable_message: message.into(),
        payload_hash: hash.into(),
    };
    let reply = register(&server, &tokens, &request);
    assert_eq!(reply.status, 400);
    assert!(reply.json()["message"]
        .as_str()
        .unwrap()
        .contains("no signable registration"));
}

#[test]
fn registering_someone_elses_ether_key_is_forbidden() {
    let server = Server::start(&[]);
    let (_, alice) = new_user(&server);
    let (_, mallory) = new_user(&server);
    let alices = prepare_registration(&server, &alice);
    let _ = prepare_registration(&server, &mallory);
    let reply = register(&server, &mallory, &alices);
    assert_eq!(reply.status, 403);
    assert_eq!(reply.json()["code"], "forbidden");
}

#[test]
fn expired_and_tampered_access_tokens_are_refused_at_the_imx_api() {
    let server = Server::start(&["--access-token-ttl", "1"]);
    let (_, tokens) = new_user(&server);
    let request = prepare_registration(&server, &tokens);

    let mut parts: Vec<String> = tokens.access_token.split('.').map(str::to_owned).collect();
    let mut payload = claims(&tokens.access_token);
    payload["sub"] = "email|someone-else".into();
    parts[1] = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        payload.to_string(),
    );
    let tampered = parts.join(".");
    let reply = post_json(
        &server.url("v2/passport/users"),
        &request.body(),
        Some(&tampered),
    );
    assert_eq!(reply.status, 401);
    assert!(reply.json()["message"]
        .as_str()
        .unwrap()
        .contains("signature"));

    let reply = post_json(&server.url("v2/passport/users"), &request.body(), None);
    assert_eq!(reply.status, 401);

    std::thread::sleep(std::time::Duration::from_millis(2100));
    let reply = register(&server, &tokens, &request);
    assert_eq!(reply.status, 401);
    assert!(reply.json()["message"]
        .as_str()
        .unwrap()
        .contains("expired"));
}

#[test]
fn an_id_token_is_not_accepted_as_an_access_token() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    let request = prepare_registration(&server, &tokens);
    let reply = post_json(
        &server.url("v2/passport/users"),
        &request.body(),
        Some(&tokens.id_token),
    );
    assert_eq!(reply.status, 401, "audience differs");
}

#[test]
fn unknown_accounts_are_404_account_not_found() {
    let server = Server::start(&[]);
    let reply = get(
        &server.url("v1/users/0x0000000000000000000000000000000000000001"),
        None,
        None,
    );
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json()["code"], "account_not_found");
}

#[test]
fn malformed_bodies_get_json_errors() {
    let server = Server::start(&[]);
    let url = server.url("v1/signable-registration-offchain");
    let reply = post_raw(&url, "application/json", b"{not json");
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["code"], "bad_request");
    let reply = post_raw(&url, "text/plain", b"{}");
    assert_eq!(reply.status, 415);
    let reply = post_json(
        &url,
        &serde_json::json!({ "ether_key": "0x12", "stark_key": "0x1" }),
        None,
    );
    assert_eq!(reply.status, 400);
    assert!(reply.json()["message"]
        .as_str()
        .unwrap()
        .contains("ether_key"));
    let length = (100 * 1024).to_string();
    let headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", length.as_str()),
    ];
    let oversized = raw(
        &server.url(""),
        "POST /v1/signable-registration-offchain",
        &headers,
        &[b'a'; 100 * 1024],
    );
    assert_eq!(oversized.reply.status, 413);
}

#[test]
fn the_fault_switch_takes_the_imx_api_down_and_back() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    let down = server.admin_post("faults", &serde_json::json!({ "imx_down": true }));
    assert_eq!(down.status, 200);
    let reply = post_json(
        &server.url("v1/signable-registration-offchain"),
        &serde_json::json!({ "ether_key": "0x0000000000000000000000000000000000000001", "stark_key": "0x1" }),
        None,
    );
    assert_eq!(reply.status, 503);
    server.admin_post("faults", &serde_json::json!({ "imx_down": false }));
    let request = prepare_registration(&server, &tokens);
    assert_eq!(register(&server, &tokens, &request).status, 201);
}

#[test]
fn the_fault_switch_needs_the_admin_token() {
    let server = Server::start(&[]);
    let switch = serde_json::json!({ "imx_down": true });
    // The former unauthenticated switch is gone.
    assert_eq!(
        post_json(&server.url("__admin/faults"), &switch, None).status,
        404
    );
    let reply = post_json(&server.url("__admin/api/faults"), &switch, None);
    assert_eq!(reply.status, 401);
    let reply = post_json(&server.url("__admin/api/faults"), &switch, Some("wrong"));
    assert_eq!(reply.status, 401);
    assert_eq!(server.admin_get("faults").json()["imx_down"], false);
}
