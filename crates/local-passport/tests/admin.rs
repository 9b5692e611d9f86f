//! The admin API: who may call it (loopback peers with the token, never a
//! web page), and what each endpoint does to accounts, sessions and tokens;
//! seeding at start and the export's round trip.

mod support;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use clap::Parser;
use local_passport::cli::Cli;
use local_passport::server;
use serde_json::json;
use support::*;
use tower::ServiceExt;

/// The API router for a fresh data directory, and its admin token.
fn api() -> (axum::Router, String) {
    let dir = temp_dir();
    let cli = Cli::parse_from(["local-passport", "--data-dir", dir.to_str().unwrap()]);
    let state = server::open_state(
        &cli.serve,
        "http://127.0.0.1:1/".into(),
        "http://127.0.0.1:2".into(),
    )
    .unwrap();
    let token = state.admin.token().to_owned();
    (server::apps(&state).unwrap().0, token)
}

/// A request to the admin API from `peer`, with these headers.
async fn call(
    api: &axum::Router,
    peer: &str,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
) -> axum::response::Response {
    let peer: SocketAddr = peer.parse().unwrap();
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "127.0.0.1:1");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    api.clone()
        .layer(MockConnectInfo(peer))
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

fn no_cors(response: &axum::response::Response) -> bool {
    !response
        .headers()
        .keys()
        .any(|name| name.as_str().starts_with("access-control-"))
}

#[tokio::test]
async fn only_a_loopback_peer_with_the_token_gets_in() {
    let (api, token) = api();
    let bearer = format!("Bearer {token}");
    let with_token = [("authorization", bearer.as_str())];
    let path = "/__admin/api/accounts";
    let ok = call(&api, "127.0.0.1:4000", Method::GET, path, &with_token).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(no_cors(&ok));
    let ok6 = call(&api, "[::1]:4000", Method::GET, path, &with_token).await;
    assert_eq!(ok6.status(), StatusCode::OK);
    // No token, a wrong one, one of another length.
    for headers in [
        &[][..],
        &[("authorization", "Bearer wrong")][..],
        &[("authorization", "Bearer ")][..],
        &[("x-admin-token", token.as_str())][..],
    ] {
        let refused = call(&api, "127.0.0.1:4000", Method::GET, path, headers).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    }
    // Another peer, token or not; the page too.
    for peer in ["10.0.0.7:4000", "192.168.1.2:4000", "[2001:db8::1]:4000"] {
        let refused = call(&api, peer, Method::GET, path, &with_token).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{peer}");
        let page = call(&api, peer, Method::GET, "/__admin/", &[]).await;
        assert_eq!(page.status(), StatusCode::FORBIDDEN, "{peer}");
    }
}

#[tokio::test]
async fn a_web_page_gets_no_cors_and_no_answer() {
    let (api, token) = api();
    let bearer = format!("Bearer {token}");
    let path = "/__admin/api/faults";
    // The app's own origin, which the rest of the API allows.
    for origin in ["http://localhost:8080", "https://evil.example", "null"] {
        let preflight = call(
            &api,
            "127.0.0.1:4000",
            Method::OPTIONS,
            path,
            &[
                ("origin", origin),
                ("access-control-request-method", "POST"),
                (
                    "access-control-request-headers",
                    "authorization,content-type",
                ),
            ],
        )
        .await;
        assert!(!preflight.status().is_success(), "{origin}");
        assert!(no_cors(&preflight), "{origin}");
        let simple = call(
            &api,
            "127.0.0.1:4000",
            Method::GET,
            path,
            &[("origin", origin), ("authorization", bearer.as_str())],
        )
        .await;
        assert_eq!(simple.status(), StatusCode::FORBIDDEN, "{origin}");
        assert!(no_cors(&simple), "{origin}");
    }
    // The admin page's own requests carry its origin: they pass.
    let own = call(
        &api,
        "127.0.0.1:4000",
        Method::GET,
        path,
        &[
            ("origin", "http://127.0.0.1:1"),
            ("authorization", bearer.as_str()),
        ],
    )
    .await;
    assert_eq!(own.status(), StatusCode::OK);
    // The page and its script need no token, and hold none.
    let page = call(&api, "127.0.0.1:4000", Method::GET, "/__admin/", &[]).await;
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe"),
        "{csp}"
    );
    let body = axum::body::to_bytes(page.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = String::from_utf8_lossy(&body);
    assert!(!body.contains(&token));
    assert!(body.contains(r#"src="/__admin/admin.js""#));
    assert!(!body.contains("<script>"), "no inline script");
    let script = call(
        &api,
        "127.0.0.1:4000",
        Method::GET,
        "/__admin/admin.js",
        &[],
    )
    .await;
    assert_eq!(script.status(), StatusCode::OK);
}

fn create(server: &Server, email: &str, shape: &str) -> serde_json::Value {
    let reply = server.admin_post(
        "accounts",
        &json!({ "email": email, "password": "correct horse battery", "shape": shape }),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()
}

fn admin_delete(server: &Server, path: &str) -> Reply {
    reply(
        ureq::delete(&server.url(&format!("__admin/api/{path}")))
            .set("Authorization", &format!("Bearer {}", server.admin_token))
            .call(),
    )
}

#[test]
fn an_account_created_through_the_api_signs_in_with_its_shape() {
    let server = Server::start(&[]);
    let account = create(&server, "zk@example.test", "zkevm");
    assert_eq!(account["shape"], "zkevm");
    assert_eq!(account["registered"], false);
    // The CLI's derivation: the same addresses `users add` gives.
    let tokens = login(
        &server,
        "signin",
        "zk@example.test",
        "correct horse battery",
    );
    let passport = &claims(&tokens.id_token)["passport"];
    assert_eq!(
        passport["zkevm_eth_address"],
        account["zkevm"]["eth_address"]
    );
    assert!(passport.get("imx_eth_address").is_none());
    let listed = server.admin_get("accounts").json();
    let listed = &listed["accounts"][0];
    assert_eq!(listed["email"], "zk@example.test");
    assert_eq!(listed["sessions"], 1);
    // Refused as the form refuses: taken, a bad shape.
    let again = server.admin_post(
        "accounts",
        &json!({ "email": "ZK@example.test", "password": "correct horse battery" }),
    );
    assert_eq!(again.status, 422, "{}", again.body);
    let bad = server.admin_post(
        "accounts",
        &json!({ "email": "x@example.test", "shape": "legacy" }),
    );
    assert_eq!(bad.status, 400, "{}", bad.body);
    // Every shape.
    for shape in ["new", "imx-zkevm", "imx"] {
        let made = create(&server, &format!("{shape}@example.test"), shape);
        assert_eq!(made["shape"], shape);
    }
}

#[test]
fn invalidated_access_tokens_are_refused_everywhere_and_a_refresh_mends_them() {
    let server = Server::start(&[]);
    create(&server, "inv@example.test", "zkevm");
    let tokens = login(
        &server,
        "signin",
        "inv@example.test",
        "correct horse battery",
    );
    assert_eq!(wallet_status(&server, &tokens.id_token), 200);
    let request = prepare_registration(&server, &tokens);
    let reply = server.admin_post("accounts/inv@example.test/invalidate-access", &json!({}));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let userinfo = get(&server.url("userinfo"), None, Some(&tokens.access_token));
    assert_eq!(userinfo.status, 401);
    assert_eq!(register(&server, &tokens, &request).status, 401);
    assert_eq!(wallet_status(&server, &tokens.id_token), 401);
    // The refresh token still works, and what it gives is good.
    let fresh = refresh(&server, tokens.refresh_token.as_deref().unwrap());
    assert_eq!(fresh.status, 200, "{}", fresh.body);
    let access = fresh.json()["access_token"].as_str().unwrap().to_owned();
    let id = fresh.json()["id_token"].as_str().unwrap().to_owned();
    assert_eq!(
        get(&server.url("userinfo"), None, Some(&access)).status,
        200
    );
    assert_eq!(wallet_status(&server, &id), 200);
}

#[test]
fn invalidated_refresh_tokens_are_refused_at_the_next_refresh() {
    let server = Server::start(&[]);
    create(&server, "ref@example.test", "new");
    let tokens = login(
        &server,
        "signin",
        "ref@example.test",
        "correct horse battery",
    );
    let reply = server.admin_post("accounts/ref@example.test/invalidate-refresh", &json!({}));
    assert_eq!(reply.json()["revoked"], 1);
    let refused = refresh(&server, tokens.refresh_token.as_deref().unwrap());
    assert_eq!(refused.status, 400);
    assert_eq!(refused.json()["error"], "invalid_grant");
}

#[test]
fn ending_sessions_refuses_their_tokens_and_signs_the_browser_out() {
    let server = Server::start(&[]);
    create(&server, "end@example.test", "zkevm");
    let one = login(
        &server,
        "signin",
        "end@example.test",
        "correct horse battery",
    );
    let two = login(
        &server,
        "signin",
        "end@example.test",
        "correct horse battery",
    );
    let sessions = server
        .admin_get("accounts/end@example.test/sessions")
        .json();
    assert_eq!(sessions["sessions"].as_array().unwrap().len(), 2);
    // One session, by its sid.
    let sid = claims(&one.id_token)["sid"].as_str().unwrap().to_owned();
    assert_eq!(
        admin_delete(&server, &format!("sessions/{sid}")).status,
        200
    );
    assert_eq!(
        get(&server.url("userinfo"), None, Some(&one.access_token)).status,
        401
    );
    assert_eq!(
        get(&server.url("userinfo"), None, Some(&two.access_token)).status,
        200
    );
    assert_eq!(admin_delete(&server, "sessions/nope").status, 404);
    // All of them.
    let ended = admin_delete(&server, "accounts/end@example.test/sessions");
    assert_eq!(ended.json()["ended"], 1);
    assert_eq!(
        get(&server.url("userinfo"), None, Some(&two.access_token)).status,
        401
    );
    assert_eq!(wallet_status(&server, &two.id_token), 401);
    let refused = refresh(&server, two.refresh_token.as_deref().unwrap());
    assert_eq!(refused.json()["error"], "invalid_grant");
    let listed = server.admin_get("sessions").json();
    assert!(listed["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["ended"] == true));
}

#[test]
fn the_last_tokens_are_read_decoded_without_signature() {
    let server = Server::start(&[]);
    create(&server, "dec@example.test", "imx-zkevm");
    let tokens = login(
        &server,
        "signin",
        "dec@example.test",
        "correct horse battery",
    );
    let reply = server.admin_get("accounts/dec@example.test/tokens");
    assert_eq!(reply.status, 200);
    let issued = &reply.json()["issued"];
    assert_eq!(issued["id_token"]["header"]["alg"], "RS256");
    assert_eq!(issued["id_token"]["claims"], claims(&tokens.id_token));
    assert_eq!(
        issued["access_token"]["claims"],
        claims(&tokens.access_token)
    );
    assert!(issued["refresh_token"]["expires_at"].is_i64());
    for secret in [
        tokens.id_token.rsplit('.').next().unwrap(),
        tokens.access_token.rsplit('.').next().unwrap(),
        tokens.refresh_token.as_deref().unwrap(),
        &tokens.id_token,
    ] {
        assert!(
            !reply.body.contains(secret),
            "no signature, no usable token"
        );
    }
}

#[test]
fn the_token_endpoint_fault_and_the_request_log() {
    let server = Server::start(&[]);
    create(&server, "tok@example.test", "new");
    let tokens = login(
        &server,
        "signin",
        "tok@example.test",
        "correct horse battery",
    );
    let set = server.admin_post("faults", &json!({ "token": "down" }));
    assert_eq!(set.json()["token"], "down");
    let down = refresh(&server, tokens.refresh_token.as_deref().unwrap());
    assert_eq!(down.status, 503);
    assert_eq!(down.json()["error"], "temporarily_unavailable");
    server.admin_post("faults", &json!({ "token": { "invalid": 1 } }));
    assert_eq!(
        refresh(&server, tokens.refresh_token.as_deref().unwrap()).status,
        400
    );
    let fresh = refresh(&server, tokens.refresh_token.as_deref().unwrap());
    assert_eq!(fresh.status, 200, "the count ran out: {}", fresh.body);
    let log = server.admin_get("requests").json();
    let log = log["requests"].as_array().unwrap();
    let tokens_seen: Vec<u64> = log
        .iter()
        .filter(|r| r["path"] == "/oauth/token")
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert!(tokens_seen.ends_with(&[503, 400, 200]), "{tokens_seen:?}");
    // No query, so no code, in the log; no admin request either.
    assert!(log
        .iter()
        .all(|r| !r["path"].as_str().unwrap().contains('?')));
    assert!(log
        .iter()
        .all(|r| !r["path"].as_str().unwrap().starts_with("/__admin")));
    let last = log.last().unwrap()["seq"].as_u64().unwrap();
    let since = server.admin_get(&format!("requests?after={last}")).json();
    assert_eq!(since["requests"].as_array().unwrap().len(), 0);
}

#[test]
fn delete_and_reset_leave_no_account() {
    let server = Server::start(&[]);
    create(&server, "a@example.test", "zkevm");
    create(&server, "b@example.test", "imx");
    login(&server, "signin", "a@example.test", "correct horse battery");
    assert_eq!(admin_delete(&server, "accounts/b@example.test").status, 204);
    assert_eq!(admin_delete(&server, "accounts/b@example.test").status, 404);
    assert_eq!(
        server.admin_get("accounts").json()["accounts"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    server.admin_post("faults", &json!({ "imx_down": true }));
    assert_eq!(server.admin_post("reset", &json!({})).status, 200);
    assert_eq!(server.admin_get("accounts").json()["accounts"], json!([]));
    assert_eq!(server.admin_get("sessions").json()["sessions"], json!([]));
    assert_eq!(server.admin_get("faults").json()["imx_down"], false);
    // The address is free again.
    create(&server, "b@example.test", "imx");
}

#[test]
fn a_seed_file_applies_once_and_the_export_round_trips() {
    let dir = temp_dir();
    let seed = dir.join("seed.json");
    std::fs::create_dir_all(&dir).unwrap();
    let seed_file = json!({
        "clients": [{ "client_id": "ci-game", "redirect_uris": ["http://localhost:9000/cb"],
                      "web_origins": ["http://localhost:9000"] }],
        "accounts": [
            { "email": "zk@seed.test", "password": "correct horse battery", "shape": "zkevm" },
            { "email": "imx@seed.test", "password": "correct horse battery", "shape": "imx-zkevm" },
            { "email": "nopass@seed.test", "shape": "new" },
        ]
    });
    std::fs::write(&seed, seed_file.to_string()).unwrap();
    let data = temp_dir();
    let seed_arg = seed.to_str().unwrap();
    let mut server = Server::start_in(&data, &["--seed", seed_arg]);
    let first = server.admin_get("export").json();
    assert_eq!(first["accounts"].as_array().unwrap().len(), 3);
    assert!(first["clients"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["client_id"] == "ci-game"));
    assert!(
        !first.to_string().contains("correct horse"),
        "no password exported"
    );
    let listed = server.admin_get("accounts").json();
    // A seeded account signs in; one without a password cannot.
    login(&server, "signin", "zk@seed.test", "correct horse battery");
    let params = authorize_params(&pkce(), "st", "n");
    for guess in ["correct horse battery", ""] {
        let refused = submit_form(&server, &params, "signin", "nopass@seed.test", guess);
        assert_ne!(refused.status, 303, "no password signs in to it");
    }
    // Again with the same file: nothing changes.
    server.restart();
    assert_eq!(server.admin_get("export").json(), first);
    let again = server.admin_get("accounts").json();
    assert_eq!(
        by_email(&listed, "created_at"),
        by_email(&again, "created_at")
    );
    assert_eq!(by_email(&listed, "passport"), by_email(&again, "passport"));
    // The export seeds a fresh directory to the same accounts and clients.
    let exported = dir.join("exported.json");
    std::fs::write(&exported, first.to_string()).unwrap();
    let other = Server::start(&["--seed", exported.to_str().unwrap()]);
    assert_eq!(other.admin_get("export").json(), first);
    let theirs = other.admin_get("accounts").json();
    assert_eq!(
        by_email(&listed, "passport"),
        by_email(&theirs, "passport"),
        "the same wallets and claims"
    );
    drop(other);
    drop(server);
}

/// `field` of each listed account, by email.
fn by_email(
    listed: &serde_json::Value,
    field: &str,
) -> std::collections::BTreeMap<String, serde_json::Value> {
    listed["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["email"].as_str().unwrap().to_owned(), a[field].clone()))
        .collect()
}
