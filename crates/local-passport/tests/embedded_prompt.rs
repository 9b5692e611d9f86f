//! The SDK's embedded login prompt, driven in process (`server::apps` and
//! `oneshot`): framed only by the client's web origins, refused for an
//! unknown client, its script a file of this origin speaking the SDK's
//! messages; the trace id it hands the SDK is accepted by `/authorize`.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use clap::Parser;
use local_passport::cli::Cli;
use local_passport::server;
use tower::ServiceExt;

use crate::support::{pkce, temp_dir, CLIENT_ID, REDIRECT_URI, SCOPE};

fn api() -> axum::Router {
    let dir = temp_dir();
    let cli = Cli::parse_from(["local-passport", "--data-dir", dir.to_str().unwrap()]);
    let state = server::open_state(
        &cli.serve,
        "https://127.0.0.1:1/".into(),
        "https://127.0.0.1:2".into(),
    )
    .unwrap();
    server::apps(&state).unwrap().0
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn get(api: &axum::Router, uri: &str) -> Answer {
    let request = Request::get(uri)
        .header(header::HOST, "127.0.0.1:1")
        .body(Body::empty())
        .unwrap();
    let response = api.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn header(answer: &Answer, name: header::HeaderName) -> &str {
    answer
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn the_prompt_is_framable_by_the_clients_origins_only() {
    let api = api();
    let page = get(
        &api,
        &format!("/im-embedded-login-prompt?client_id={CLIENT_ID}&rid=abc"),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = header(&page, header::CONTENT_SECURITY_POLICY);
    let client = local_passport::clients::Clients::load(None).unwrap();
    let origins = client.get(CLIENT_ID).unwrap().web_origins.join(" ");
    assert!(!origins.is_empty());
    assert!(
        csp.ends_with(&format!("frame-ancestors {origins}")),
        "{csp}"
    );
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(
        page.headers.get(header::X_FRAME_OPTIONS).is_none(),
        "X-Frame-Options would forbid every frame"
    );
    // Its script is a file of this origin, and no script is inline.
    assert!(page
        .body
        .contains(r#"<script src="/assets/embedded-login-prompt.js" defer></script>"#));
    assert_eq!(page.body.matches("<script").count(), 1);
    // Accessible controls: a labelled email field, the stand-ins named as such, a named close.
    for part in [
        r#"<label for="email">Email</label>"#,
        "Google (local stand-in)",
        "Apple (local stand-in)",
        "Facebook (local stand-in)",
        r#"<label for="marketing-consent">"#,
        r#"aria-label="Close sign-in""#,
    ] {
        assert!(page.body.contains(part), "{part}");
    }

    let script = get(&api, "/assets/embedded-login-prompt.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(header(&script, header::CONTENT_TYPE).starts_with("text/javascript"));
    for shape in [
        "im_passport_embedded_login_prompt",
        "login_method_selected",
        "login_prompt_closed",
        "login_prompt_error",
        "directLoginMethod",
        "marketingConsentStatus",
        "imPassportTraceId",
    ] {
        assert!(script.body.contains(shape), "{shape}");
    }
}

#[tokio::test]
async fn an_unknown_client_gets_an_error_page_that_is_never_framed() {
    let api = api();
    for uri in [
        "/im-embedded-login-prompt?client_id=someone-else&rid=1",
        "/im-embedded-login-prompt",
    ] {
        let page = get(&api, uri).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(page.body.contains("Unknown client"), "{uri}");
        assert!(header(&page, header::CONTENT_SECURITY_POLICY).contains("frame-ancestors 'none'"));
        assert_eq!(header(&page, header::X_FRAME_OPTIONS), "DENY");
    }
}

#[tokio::test]
async fn authorize_accepts_the_prompts_choice_and_trace_id() {
    let api = api();
    let pkce = pkce();
    let mut url = url::Url::parse("http://x/authorize").unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", CLIENT_ID)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("scope", SCOPE)
        .append_pair("state", "s")
        .append_pair("nonce", "n")
        .append_pair("code_challenge", &pkce.challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("audience", "platform_api")
        .append_pair("rid", "runtime")
        .append_pair("direct", "email")
        .append_pair("email", "prompt@example.com")
        .append_pair("marketingConsent", "opted_in")
        .append_pair(
            "im_passport_trace_id",
            "0b6c3c1e-8f3a-4c53-9b1e-2f4a9f0f7d11",
        );
    let page = get(&api, &format!("/authorize?{}", url.query().unwrap())).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains(r#"value="prompt@example.com""#),
        "the address is filled in"
    );
}
