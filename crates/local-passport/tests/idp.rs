//! The identity provider, driven over HTTP: an independent OpenID Connect
//! client, the sign-in form, and the ways a request can be wrong.

mod support;

use openidconnect::core::{CoreClient, CoreProviderMetadata, CoreResponseType};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, RefreshToken, Scope, TokenResponse,
};
use support::*;

/// openidconnect's HTTP client: ureq without redirects, over plain HTTP.
fn http_client(request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, std::io::Error> {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let mut req = agent.request(request.method().as_str(), &request.uri().to_string());
    for (name, value) in request.headers() {
        req = req.set(name.as_str(), value.to_str().unwrap());
    }
    let response = match req.send_bytes(request.body()) {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(err) => return Err(std::io::Error::other(err.to_string())),
    };
    let mut builder = http::Response::builder().status(response.status());
    for name in response.headers_names() {
        builder = builder.header(name.as_str(), response.header(&name).unwrap());
    }
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut response.into_reader(), &mut body)?;
    builder.body(body).map_err(std::io::Error::other)
}

#[test]
fn an_independent_oidc_client_signs_in_verifies_the_id_token_and_refreshes() {
    let server = Server::start(&[]);
    let metadata = CoreProviderMetadata::discover(
        &IssuerUrl::new(server.issuer.clone()).unwrap(),
        &http_client,
    )
    .expect("discovery");
    let client =
        CoreClient::from_provider_metadata(metadata, ClientId::new(CLIENT_ID.into()), None)
            .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.into()).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf, nonce) = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("offline_access".into()))
        .add_scope(Scope::new("email".into()))
        .add_extra_param("audience", "platform_api")
        .set_pkce_challenge(challenge)
        .url();

    // The browser part: the form, then the redirect back with the code.
    let page = get(auth_url.as_str(), None, None);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Sign in"), "sign-in form shown");
    let params: Vec<(String, String)> = auth_url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let back = submit_form(
        &server,
        &params,
        "signup",
        "oidc@example.test",
        "a long password",
    );
    assert_eq!(back.status, 303, "{}", back.body);
    assert_eq!(
        back.location_param("state").as_deref(),
        Some(csrf.secret().as_str())
    );
    let code = back.location_param("code").unwrap();

    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request(&http_client)
        .expect("token exchange");
    let id_token = tokens.id_token().expect("an ID token");
    // Signature against the JWKS, issuer, audience, expiry and our nonce.
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("ID token verifies");
    assert_eq!(
        claims.email().map(|e| e.as_str()),
        Some("oidc@example.test")
    );
    assert_eq!(claims.issuer().as_str(), server.issuer);
    let refresh_token = tokens
        .refresh_token()
        .expect("offline_access yields a refresh token");

    let refreshed = client
        .exchange_refresh_token(&RefreshToken::new(refresh_token.secret().clone()))
        .unwrap()
        .request(&http_client)
        .expect("refresh");
    assert_ne!(
        refreshed.refresh_token().unwrap().secret(),
        refresh_token.secret(),
        "refresh tokens rotate"
    );
    let access = claims_of(refreshed.access_token().secret());
    assert_eq!(
        access["aud"], "platform_api",
        "audience becomes the access token's aud"
    );
}

fn claims_of(jwt: &str) -> serde_json::Value {
    support::claims(jwt)
}

#[test]
fn id_token_carries_the_profile_and_nonce_and_lifetimes_follow_the_guide() {
    let server = Server::start(&[]);
    let (email, tokens) = new_user(&server);
    let id = claims(&tokens.id_token);
    assert_eq!(id["email"], email.as_str());
    assert_eq!(id["nickname"], email.split('@').next().unwrap());
    assert_eq!(id["nonce"], "n-1");
    assert_eq!(id["aud"], CLIENT_ID);
    assert!(
        id.get("passport").is_none(),
        "no passport claim before registration"
    );
    let id_life = id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap();
    assert_eq!(id_life, 10 * 3600, "ID token lasts 10 h");
    let access = claims(&tokens.access_token);
    assert_eq!(
        access["exp"].as_i64().unwrap() - access["iat"].as_i64().unwrap(),
        24 * 3600,
        "access token lasts 24 h"
    );
    let header: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            tokens.id_token.split('.').next().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "RS256");
    let jwks = get(&server.url(".well-known/jwks.json"), None, None).json();
    assert_eq!(
        jwks["keys"][0]["kid"], header["kid"],
        "the JWKS publishes the signing key"
    );

    let info = get(&server.url("userinfo"), None, Some(&tokens.access_token));
    assert_eq!(info.status, 200);
    assert_eq!(info.json()["email"], email.as_str());
}

#[test]
fn wrong_password_and_unknown_email_get_the_same_answer() {
    let server = Server::start(&[]);
    let (email, _) = new_user(&server);
    let params = authorize_params(&pkce(), "s", "n");
    let wrong_password = submit_form(&server, &params, "signin", &email, "not the password");
    let unknown_email = submit_form(
        &server,
        &params,
        "signin",
        "nobody@example.test",
        "not the password",
    );
    for reply in [&wrong_password, &unknown_email] {
        assert_eq!(reply.status, 400);
        assert!(
            reply.body.contains("Wrong email or password."),
            "{}",
            reply.body
        );
        assert!(reply.location.is_none());
    }
    // The email typed is kept, so the user only retypes the password.
    assert!(wrong_password.body.contains(&format!("value=\"{email}\"")));
}

#[test]
fn signing_up_twice_with_one_email_is_refused_and_short_passwords_too() {
    let server = Server::start(&[]);
    let (email, _) = new_user(&server);
    let params = authorize_params(&pkce(), "s", "n");
    let again = submit_form(&server, &params, "signup", &email, "another password");
    assert!(again.body.contains("already exists"), "{}", again.body);
    let short = submit_form(&server, &params, "signup", "short@example.test", "1234567");
    assert!(short.body.contains("at least 8 characters"));
    let bad_email = submit_form(&server, &params, "signup", "not-an-email", "long enough pw");
    assert!(bad_email.body.contains("valid email"));
}

#[test]
fn the_session_cookie_lets_a_second_login_skip_the_form_unless_prompt_login() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    assert!(tokens.cookie.starts_with("lp_session="));
    let pkce = pkce();
    let params = authorize_params(&pkce, "second", "n2");
    let reply = get(&authorize_url(&server, &params), Some(&tokens.cookie), None);
    assert_eq!(reply.status, 303, "no form: straight back with a code");
    let code = reply.location_param("code").unwrap();
    assert_eq!(exchange_code(&server, &code, &pkce.verifier).status, 200);

    let mut forced = params.clone();
    forced.push(("prompt".into(), "login".into()));
    let reply = get(&authorize_url(&server, &forced), Some(&tokens.cookie), None);
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains("<form"), "prompt=login shows the form");
}

#[test]
fn session_cookie_is_httponly_and_samesite_lax() {
    let server = Server::start(&[]);
    let pkce = pkce();
    let reply = submit_form(
        &server,
        &authorize_params(&pkce, "s", "n"),
        "signup",
        "c@example.test",
        "long enough pw",
    );
    let cookie = reply.set_cookie.unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

#[test]
fn prompt_none_without_session_answers_login_required() {
    let server = Server::start(&[]);
    let mut params = authorize_params(&pkce(), "quiet", "n");
    params.push(("prompt".into(), "none".into()));
    let reply = get(&authorize_url(&server, &params), None, None);
    assert_eq!(reply.status, 303);
    assert!(reply.location.as_deref().unwrap().starts_with(REDIRECT_URI));
    assert_eq!(
        reply.location_param("error").as_deref(),
        Some("login_required")
    );
    assert_eq!(reply.location_param("state").as_deref(), Some("quiet"));
}

#[test]
fn logout_ends_the_session_and_returns_only_to_registered_urls() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    let bad = get(
        &server.url("v2/logout?client_id=local-passport-app&returnTo=https://evil.test/"),
        Some(&tokens.cookie),
        None,
    );
    assert_eq!(bad.status, 400);
    assert!(
        bad.location.is_none(),
        "never redirects to an unregistered URL"
    );
    let out = get(
        &server.url("v2/logout?client_id=local-passport-app&returnTo=http://localhost:8080/"),
        Some(&tokens.cookie),
        None,
    );
    assert_eq!(out.status, 303);
    assert_eq!(out.location.as_deref(), Some("http://localhost:8080/"));
    // The old cookie no longer signs anyone in.
    let mut params = authorize_params(&pkce(), "s", "n");
    params.push(("prompt".into(), "none".into()));
    let reply = get(&authorize_url(&server, &params), Some(&tokens.cookie), None);
    assert_eq!(
        reply.location_param("error").as_deref(),
        Some("login_required")
    );
}

#[test]
fn wrong_pkce_verifier_is_refused() {
    let server = Server::start(&[]);
    let (_, code) = signup_code(&server, "p@example.test");
    let other = support::pkce();
    let refused = exchange_code(&server, &code, &other.verifier);
    assert_eq!(refused.status, 400);
    assert_eq!(refused.json()["error"], "invalid_grant");
    assert!(refused.json()["error_description"]
        .as_str()
        .unwrap()
        .contains("PKCE"));
}

#[test]
fn plain_pkce_and_missing_pkce_are_refused_back_to_the_client() {
    let server = Server::start(&[]);
    let pkce = pkce();
    let mut params = authorize_params(&pkce, "s", "n");
    params.retain(|(k, _)| k != "code_challenge_method");
    params.push(("code_challenge_method".into(), "plain".into()));
    let reply = get(&authorize_url(&server, &params), None, None);
    assert_eq!(
        reply.location_param("error").as_deref(),
        Some("invalid_request")
    );
    assert!(reply
        .location_param("error_description")
        .unwrap()
        .contains("plain"));

    let mut params = authorize_params(&pkce, "s", "n");
    params.retain(|(k, _)| !k.starts_with("code_challenge"));
    let reply = get(&authorize_url(&server, &params), None, None);
    assert_eq!(
        reply.location_param("error").as_deref(),
        Some("invalid_request")
    );
}

#[test]
fn a_replayed_code_is_refused_and_revokes_what_it_issued() {
    let server = Server::start(&[]);
    let (pkce, code) = signup_code(&server, "r@example.test");
    let first = exchange_code(&server, &code, &pkce.verifier);
    assert_eq!(first.status, 200);
    let refresh_token = first.json()["refresh_token"].as_str().unwrap().to_owned();
    let replay = exchange_code(&server, &code, &pkce.verifier);
    assert_eq!(replay.status, 400);
    assert_eq!(replay.json()["error"], "invalid_grant");
    assert_eq!(
        refresh(&server, &refresh_token).json()["error"],
        "invalid_grant",
        "tokens from the code are revoked"
    );
}

#[test]
fn an_expired_code_is_refused() {
    let server = Server::start(&["--code-ttl", "1"]);
    let (pkce, code) = signup_code(&server, "e@example.test");
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let refused = exchange_code(&server, &code, &pkce.verifier);
    assert_eq!(refused.json()["error"], "invalid_grant");
    assert!(refused.json()["error_description"]
        .as_str()
        .unwrap()
        .contains("expired"));
}

#[test]
fn an_unregistered_redirect_uri_gets_an_error_page_never_a_redirect() {
    let server = Server::start(&[]);
    let mut params = authorize_params(&pkce(), "s", "n");
    params.retain(|(k, _)| k != "redirect_uri");
    params.push(("redirect_uri".into(), "https://evil.test/steal".into()));
    let reply = get(&authorize_url(&server, &params), None, None);
    assert_eq!(reply.status, 400);
    assert!(reply.location.is_none());
    assert!(reply.body.contains("is not registered"));
    assert!(reply.content_type.starts_with("text/html"));
}

#[test]
fn a_code_exchanged_with_another_redirect_uri_is_refused() {
    let server = Server::start(&[]);
    let (pkce, code) = signup_code(&server, "m@example.test");
    let refused = post_form(
        &server.url("oauth/token"),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:8080/redirect"),
            ("code_verifier", &pkce.verifier),
        ],
        None,
    );
    assert_eq!(refused.json()["error"], "invalid_grant");
}

#[test]
fn an_unknown_client_gets_an_error_page_and_invalid_client_at_the_token_endpoint() {
    let server = Server::start(&[]);
    let mut params = authorize_params(&pkce(), "s", "n");
    params.retain(|(k, _)| k != "client_id");
    params.push(("client_id".into(), "who-knows".into()));
    let reply = get(&authorize_url(&server, &params), None, None);
    assert_eq!(reply.status, 400);
    assert!(reply.location.is_none());
    assert!(reply.body.contains("Unknown client"));
    let token = post_form(
        &server.url("oauth/token"),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "who-knows"),
        ],
        None,
    );
    assert_eq!(token.status, 401);
    assert_eq!(token.json()["error"], "invalid_client");
}

#[test]
fn reusing_a_rotated_refresh_token_revokes_the_whole_family() {
    let server = Server::start(&["--refresh-reuse-interval", "0"]);
    let (_, tokens) = new_user(&server);
    let first = tokens.refresh_token.unwrap();
    let rotated = refresh(&server, &first);
    assert_eq!(rotated.status, 200);
    let second = rotated.json()["refresh_token"].as_str().unwrap().to_owned();
    let reuse = refresh(&server, &first);
    assert_eq!(reuse.status, 400);
    assert_eq!(reuse.json()["error"], "invalid_grant");
    let after = refresh(&server, &second);
    assert_eq!(
        after.json()["error"],
        "invalid_grant",
        "the newest token of the family is revoked too"
    );
}

#[test]
fn a_rotated_refresh_token_reused_within_the_reuse_interval_gets_new_tokens() {
    // Two tabs refreshing at once: the second sends the token the first just rotated.
    let server = Server::process(&[]);
    let (_, tokens) = new_user(&server);
    let first = tokens.refresh_token.unwrap();
    let rotated = refresh(&server, &first);
    assert_eq!(rotated.status, 200);
    let again = refresh(&server, &first);
    assert_eq!(again.status, 200, "{}", again.body);
    let newest = again.json()["refresh_token"].as_str().unwrap().to_owned();
    let second = rotated.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(refresh(&server, &newest).status, 200, "the family lives on");
    assert_eq!(
        refresh(&server, &second).status,
        200,
        "and the other branch too"
    );
    assert!(server.log().contains("reused within the reuse interval"));
}

#[test]
fn revoking_a_refresh_token_ends_it() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    let token = tokens.refresh_token.unwrap();
    let reply = post_form(
        &server.url("oauth/revoke"),
        &[("token", &token), ("client_id", CLIENT_ID)],
        None,
    );
    assert_eq!(reply.status, 200);
    assert_eq!(refresh(&server, &token).json()["error"], "invalid_grant");
}

#[test]
fn without_offline_access_there_is_no_refresh_token() {
    let server = Server::start(&[]);
    let pkce = pkce();
    let mut params = authorize_params(&pkce, "s", "n");
    params.retain(|(k, _)| k != "scope");
    params.push(("scope".into(), "openid email".into()));
    let reply = submit_form(
        &server,
        &params,
        "signup",
        "o@example.test",
        "long enough pw",
    );
    let tokens = exchange_code(
        &server,
        &reply.location_param("code").unwrap(),
        &pkce.verifier,
    )
    .json();
    assert!(tokens.get("refresh_token").is_none());
}

#[test]
fn token_endpoint_errors_are_rfc6749_json() {
    let server = Server::start(&[]);
    let reply = post_raw(&server.url("oauth/token"), "text/plain", b"hello");
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], "invalid_request");
    let reply = post_form(
        &server.url("oauth/token"),
        &[("grant_type", "password"), ("client_id", CLIENT_ID)],
        None,
    );
    assert_eq!(reply.json()["error"], "unsupported_grant_type");
}

#[test]
fn cors_is_allowed_for_registered_origins_only() {
    let server = Server::start(&[]);
    let agent = ureq::AgentBuilder::new().build();
    let allowed = agent
        .get(&server.url(".well-known/openid-configuration"))
        .set("Origin", "http://localhost:8080")
        .call()
        .unwrap();
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("http://localhost:8080")
    );
    let other = agent
        .get(&server.url(".well-known/openid-configuration"))
        .set("Origin", "https://evil.test")
        .call()
        .unwrap();
    assert_eq!(other.header("access-control-allow-origin"), None);
}

#[test]
fn logs_never_contain_codes_tokens_or_passwords() {
    let server = Server::process(&[]);
    let pkce = pkce();
    let reply = submit_form(
        &server,
        &authorize_params(&pkce, "s", "n"),
        "signup",
        "log@example.test",
        "a secret password",
    );
    let code = reply.location_param("code").unwrap();
    let tokens = exchange_code(&server, &code, &pkce.verifier).json();
    let log = server.log();
    assert!(log.contains("/oauth/token"), "requests are logged");
    for secret in [
        code.as_str(),
        "a secret password",
        pkce.verifier.as_str(),
        tokens["access_token"].as_str().unwrap(),
        tokens["id_token"].as_str().unwrap(),
        tokens["refresh_token"].as_str().unwrap(),
    ] {
        assert!(!log.contains(secret), "a secret appeared in the log");
    }
}

#[test]
fn a_given_issuer_is_announced_and_signed_exactly_and_every_service_accepts_its_tokens() {
    // Standing in for Immutable's provider, trailing slash included.
    let server = Server::start(&["--issuer", "https://auth.immutable.com/"]);
    assert_eq!(server.issuer, "https://auth.immutable.com/");
    assert_ne!(
        server.address, server.issuer,
        "it still listens on its own address"
    );
    let discovery = get(&server.url(".well-known/openid-configuration"), None, None).json();
    assert_eq!(discovery["issuer"], "https://auth.immutable.com/");
    assert_eq!(
        discovery["token_endpoint"],
        "https://auth.immutable.com/oauth/token"
    );
    assert_eq!(
        discovery["jwks_uri"],
        "https://auth.immutable.com/.well-known/jwks.json"
    );

    let (_, tokens) = new_user(&server);
    assert_eq!(
        claims_of(&tokens.id_token)["iss"],
        "https://auth.immutable.com/"
    );
    assert_eq!(
        claims_of(&tokens.access_token)["iss"],
        "https://auth.immutable.com/"
    );
    // The wallet and the IMX API verify against the announced issuer.
    let request = prepare_registration(&server, &tokens);
    assert_eq!(register(&server, &tokens, &request).status, 201);
    let reply = get(&server.url("userinfo"), None, Some(&tokens.access_token));
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[test]
fn an_issuer_that_is_not_an_absolute_http_url_stops_the_server_with_a_message() {
    for bad in ["auth.immutable.com", "ftp://auth.immutable.com/"] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_local-passport"))
            .args([
                "serve",
                "--port",
                "0",
                "--wallet-port",
                "0",
                "--issuer",
                bad,
                "--data-dir",
            ])
            .arg(temp_dir())
            .output()
            .unwrap();
        assert!(!output.status.success(), "{bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--issuer"), "{bad}: {stderr}");
    }
}

#[test]
fn a_direct_login_by_email_fills_in_the_address_and_a_social_one_is_named_as_a_stand_in() {
    let server = Server::start(&[]);
    let mut params = authorize_params(&pkce(), "s", "n");
    params.extend([
        ("direct".to_owned(), "email".to_owned()),
        ("email".to_owned(), "ada@example.test".to_owned()),
        ("marketingConsent".to_owned(), "opted_in".to_owned()),
    ]);
    let page = get(&authorize_url(&server, &params), None, None);
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(r#"value="ada@example.test""#),
        "the address is filled in"
    );

    let mut params = authorize_params(&pkce(), "s", "n");
    params.push(("direct".to_owned(), "google".to_owned()));
    let page = get(&authorize_url(&server, &params), None, None);
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("continue with Google"),
        "the provider asked for is named"
    );
    assert!(
        page.body.contains("stands in"),
        "and the local account is labelled a stand-in"
    );
    assert!(
        page.body.contains(r#"id="email""#),
        "the form is there to continue"
    );

    // An address that is markup is shown as text, never as markup.
    let mut params = authorize_params(&pkce(), "s", "n");
    params.extend([
        ("direct".to_owned(), "email".to_owned()),
        ("email".to_owned(), r#""><script>x()</script>"#.to_owned()),
    ]);
    let page = get(&authorize_url(&server, &params), None, None);
    assert_eq!(page.status, 200, "the form is shown: {}", page.body);
    assert!(!page.body.contains("<script>x()"), "not as markup");
    assert!(
        page.body.contains("&lt;script&gt;x()"),
        "but as the text it is"
    );
}
