//! The routers driven in process, request by request, with no listener:
//! `server::apps` and `tower::ServiceExt::oneshot`, the peer address given by
//! axum's `MockConnectInfo`.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, Request, StatusCode};
use clap::Parser;
use local_passport::cli::Cli;
use local_passport::server;
use tower::ServiceExt;

use crate::support::temp_dir;

/// The API router for a fresh data directory, with these extra flags.
fn api(extra: &[&str]) -> axum::Router {
    let dir = temp_dir();
    let mut argv = vec!["local-passport", "--data-dir", dir.to_str().unwrap()];
    argv.extend(extra);
    let cli = Cli::parse_from(argv);
    let state = server::open_state(
        &cli.serve,
        "http://127.0.0.1:1/".into(),
        "http://127.0.0.1:2".into(),
    )
    .unwrap();
    server::apps(&state).unwrap().0
}

/// An empty sign-in form POST from `peer`: its status.
async fn sign_in_post(api: &axum::Router, peer: &str) -> StatusCode {
    let peer: SocketAddr = peer.parse().unwrap();
    let request = Request::post("/authorize")
        .header(header::HOST, "127.0.0.1:1")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::empty())
        .unwrap();
    api.clone()
        .layer(MockConnectInfo(peer))
        .oneshot(request)
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn the_sign_in_throttle_counts_each_address_apart() {
    let api = api(&["--sign-in-burst", "2", "--sign-in-rate", "1"]);
    // Refused as malformed, but counted.
    assert_eq!(
        sign_in_post(&api, "10.0.0.1:5000").await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        sign_in_post(&api, "10.0.0.1:5001").await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        sign_in_post(&api, "10.0.0.1:5002").await,
        StatusCode::TOO_MANY_REQUESTS,
        "the third within the second from one address"
    );
    assert_eq!(
        sign_in_post(&api, "10.0.0.2:5000").await,
        StatusCode::BAD_REQUEST,
        "another address has its own allowance"
    );
}

#[tokio::test]
async fn userinfo_without_a_token_is_a_code_and_message_401() {
    let api = api(&[]);
    let response = api
        .oneshot(Request::get("/userinfo").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body = axum::body::to_bytes(response.into_body(), 4096)
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["code"], "unauthorised");
    assert_eq!(body["message"], "missing bearer access token");
}
