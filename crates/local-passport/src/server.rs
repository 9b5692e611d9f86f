//! Starting the two listeners (identity provider + IMX API, and the wallet
//! origin), announcing readiness, and shutting down cleanly.

use std::net::IpAddr;
use std::sync::Arc;

use anyhow::Context;

use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{middleware, Json};
use passport_wire::magic;
use tokio::net::TcpListener;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::body_limit::Format;
use crate::cli::ServeOptions;
use crate::clients::Clients;
use crate::errors::{no_method, no_route};
use crate::jwt::SigningKey;
use crate::kek::Kek;
use crate::state::{AppState, Shared, Stores};
use crate::{body_limit, db, html, idp, imx, logging, wallet};

/// Runs the server until Ctrl-C or SIGTERM.
pub fn run(opts: ServeOptions) -> anyhow::Result<()> {
    logging::init(opts.log_format);
    keep_large_allocations_mapped();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(serve(opts))
}

/// Argon2 allocates 19 MiB for each password hash. After the first such block
/// is freed, glibc raises its mmap threshold and carves the next ones out of
/// its heaps, which fragment: under the load test the server grew to 1.7 GB.
/// A fixed threshold keeps large blocks mapped, so each is returned on free
/// and memory stays flat (about 8 MB after hundreds of sign-ups).
fn keep_large_allocations_mapped() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// Opens the data directory (database, signing key, key-encryption key) and
/// loads the clients: everything the routers share.
pub fn open_state(
    opts: &ServeOptions,
    issuer: String,
    wallet_origin: String,
) -> anyhow::Result<Shared> {
    let conn = db::open(&opts.data_dir)?;
    let kek = Kek::load_or_create(&opts.data_dir)?;
    let signing_key = SigningKey::load_or_create(&conn, &kek)?;
    let seed = match &opts.seed {
        Some(path) => Some(crate::admin::seed::load(path)?),
        None => None,
    };
    let mut clients = Clients::load(opts.clients.as_deref())?;
    if let Some(seed) = &seed {
        clients = clients.with(seed.clients.clone())?;
    }
    let device_key = idp::device::load_or_create_key(&conn)?;
    let stores = Stores {
        conn,
        signing_key,
        kek,
        clients,
        device_key,
    };
    let state = Arc::new(AppState::new(
        stores,
        opts.settings(),
        issuer,
        wallet_origin,
    ));
    if let Some(seed) = &seed {
        let created = crate::admin::seed::apply_accounts(&state, seed)?;
        tracing::info!(created, listed = seed.accounts.len(), "seed file applied");
    }
    Ok(state)
}

/// The two apps with their layers: the identity provider with the IMX API,
/// and the wallet origin. Built apart from the listeners so tests can drive
/// them in-process.
pub fn apps(state: &Shared) -> anyhow::Result<(axum::Router, axum::Router)> {
    let own = axum::Router::new()
        .route("/health/ready", get(ready))
        .route("/assets/passport.css", get(stylesheet));
    // Unknown paths and methods answer `{code, message}` too, not an empty body.
    let own = own
        .fallback(no_route)
        .method_not_allowed_fallback(no_method)
        .layer(middleware::from_fn_with_state(
            Format::Api,
            body_limit::limit,
        ));
    let imx = imx::router(state)
        .method_not_allowed_fallback(no_method)
        .layer(middleware::from_fn_with_state(
            Format::Api,
            body_limit::limit,
        ));
    // Each router's body limit sits inside CORS so that the app can read a 413.
    let api = idp::router()
        .merge(imx)
        .merge(own)
        .layer(request_timeout(state))
        .layer(cors_layer(&state.clients)?)
        .layer(middleware::from_fn(html::page_headers))
        // Outside CORS and the pages' headers: no preflight is answered there.
        .merge(crate::admin::router(state))
        .layer(middleware::from_fn_with_state(
            (state.clone(), "idp"),
            crate::admin::record_requests,
        ))
        .layer(middleware::from_fn(logging::log_requests))
        .with_state(state.clone());
    let wallet = wallet::router(state)
        .route("/health/ready", get(ready))
        .fallback(wallet::no_route)
        .method_not_allowed_fallback(wallet::no_method)
        .layer(middleware::from_fn_with_state(
            Format::Tee,
            body_limit::limit,
        ))
        .layer(request_timeout(state))
        .layer(wallet_cors_layer(&state.clients)?)
        .layer(middleware::from_fn_with_state(
            (state.clone(), "wallet"),
            crate::admin::record_requests,
        ))
        .layer(middleware::from_fn(logging::log_requests))
        .with_state(state.clone());
    Ok((api, wallet))
}

async fn serve(opts: ServeOptions) -> anyhow::Result<()> {
    let bound = bind(&opts).await?;
    // One line on stdout that scripts and tests wait for; logs go to stderr.
    println!("{}", bound.ready_line());
    // The admin token this start made up, for the operator (never logged:
    // written once here, not through the log).
    if let Some(token) = bound.state.admin.generated_token() {
        eprintln!(
            "local Passport admin: {}__admin/ (API: {}__admin/api/, Authorization: Bearer {token})",
            bound.address, bound.address
        );
    }
    tracing::info!(issuer = %bound.issuer, wallet_origin = %bound.wallet_origin,
                   data_dir = %opts.data_dir.display(), "local Passport ready");
    if let Some(tls) = &bound.tls {
        tracing::info!(certificate = %tls.cert_path.display(), sha256 = %tls.fingerprint,
                       spki_sha256 = %tls.spki_sha256, "serving HTTPS with a self-signed certificate");
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        let _ = stop_tx.send(true);
    });
    bound.run(stop_rx).await;
    Ok(())
}

/// A server with its ports bound and its state open, not yet answering.
pub struct Bound {
    api_listener: TcpListener,
    wallet_listener: TcpListener,
    api: axum::Router,
    wallet: axum::Router,
    state: Shared,
    /// The issuer it announces (its own address unless `--issuer`).
    pub issuer: String,
    /// Where the identity provider and the IMX API listen, `http://host:port/`.
    pub address: String,
    /// The wallet origin, `http://host:wallet_port`.
    pub wallet_origin: String,
    /// The identity provider's port.
    pub port: u16,
    /// The wallet origin's port.
    pub wallet_port: u16,
    /// With `--tls`: the certificate both ports serve.
    pub tls: Option<crate::tls::TlsIdentity>,
}

/// Binds both ports, opens the data directory and purges what expired.
pub async fn bind(opts: &ServeOptions) -> anyhow::Result<Bound> {
    let api_listener = TcpListener::bind((opts.bind, opts.port))
        .await
        .with_context(|| {
            format!(
                "listening on {}:{} (is another local Passport running?)",
                opts.bind, opts.port
            )
        })?;
    let wallet_listener = TcpListener::bind((opts.bind, opts.wallet_port))
        .await
        .with_context(|| format!("listening on {}:{}", opts.bind, opts.wallet_port))?;
    let host = match opts.bind {
        IpAddr::V4(ip) => ip.to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
    };
    let port = api_listener.local_addr()?.port();
    let wallet_port = wallet_listener.local_addr()?.port();
    // Where it listens, and the issuer it announces (the same unless --issuer).
    let tls = if opts.tls {
        Some(crate::tls::TlsIdentity::load_or_create(&opts.data_dir)?)
    } else {
        None
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let address = format!("{scheme}://{host}:{port}/");
    let issuer = announced_issuer(opts.issuer.as_deref(), &address)?;
    let wallet_origin = format!("{scheme}://{host}:{wallet_port}");
    let state = open_state(opts, issuer.clone(), wallet_origin.clone())?;
    // What can no longer be used goes at start, then on a schedule (`Bound::run`).
    purge(&state);
    let (api, wallet) = apps(&state)?;
    // Outermost: a request for another host name gets nothing else, not even CORS.
    let allowed = |port| {
        Arc::new(crate::hosts::AllowedHosts::new(
            &issuer,
            opts.bind,
            port,
            &opts.allowed_hosts,
        ))
    };
    let api = api.layer(middleware::from_fn_with_state(
        allowed(port),
        crate::hosts::check,
    ));
    let wallet = wallet.layer(middleware::from_fn_with_state(
        allowed(wallet_port),
        crate::hosts::check,
    ));
    Ok(Bound {
        api_listener,
        wallet_listener,
        api,
        wallet,
        state,
        issuer,
        address,
        wallet_origin,
        port,
        wallet_port,
        tls,
    })
}

impl Bound {
    /// The `ready` event: where the server listens and what it announces.
    pub fn ready_line(&self) -> serde_json::Value {
        let mut line = serde_json::json!({ "event": "ready", "issuer": self.issuer,
                            "address": self.address, "port": self.port,
                            "wallet_origin": self.wallet_origin,
                            "wallet_port": self.wallet_port });
        if let Some(tls) = &self.tls {
            line["tls"] = tls.describe();
        }
        // Only a token this start made up: one given by the operator is known.
        if let Some(token) = self.state.admin.generated_token() {
            line["admin_token"] = token.into();
        }
        line
    }

    /// Answers on both ports until `stop` turns true; in-flight requests then
    /// get a few seconds to finish.
    pub async fn run(self, stop: tokio::sync::watch::Receiver<bool>) {
        let purging = self.state.clone();
        let schedule = tokio::spawn(async move {
            let every = std::time::Duration::from_secs(purging.settings.purge_interval);
            let mut every = tokio::time::interval(every);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            every.tick().await; // the first tick is now: the start's purge is done
            loop {
                every.tick().await;
                let state = purging.clone();
                let _ = tokio::task::spawn_blocking(move || purge(&state)).await;
            }
        });
        // Each listener's accept loop, under the one cap on open connections.
        let limit = self.state.connections.clone();
        let tls = self.tls.map(|tls| tls.acceptor);
        tokio::join!(
            crate::connections::serve_with(
                self.api_listener,
                self.api,
                limit.clone(),
                stop.clone(),
                tls.clone()
            ),
            crate::connections::serve_with(
                self.wallet_listener,
                self.wallet,
                limit.clone(),
                stop,
                tls
            ),
        );
        schedule.abort();
        limit.drained(std::time::Duration::from_secs(5)).await;
    }
}

/// 408 for a request that takes longer than `--request-timeout`.
fn request_timeout(state: &Shared) -> tower_http::timeout::TimeoutLayer {
    tower_http::timeout::TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        std::time::Duration::from_secs(state.settings.request_timeout),
    )
}

/// Deletes expired codes and tokens and ended sessions; a failure is logged
/// and the next purge tries again.
fn purge(state: &AppState) {
    match db::purge(&mut state.db(), crate::now()) {
        Ok(purged) if purged != db::Purged::default() => {
            tracing::info!(?purged, "expired codes, tokens and ended sessions purged")
        }
        Ok(_) => {}
        Err(err) => tracing::warn!(%err, "purging expired codes and tokens failed"),
    }
}

/// The issuer: `--issuer` exactly as given, once it is checked to be an
/// absolute http(s) URL; otherwise the server's own address.
fn announced_issuer(given: Option<&str>, address: &str) -> anyhow::Result<String> {
    let Some(given) = given else {
        return Ok(address.to_owned());
    };
    let url = url::Url::parse(given).with_context(|| format!("--issuer {given:?} is not a URL"))?;
    anyhow::ensure!(
        matches!(url.scheme(), "http" | "https") && url.host().is_some(),
        "--issuer {given:?} must be an absolute http(s) URL, like https://auth.immutable.com/"
    );
    Ok(given.to_owned())
}

fn web_origins(clients: &Clients) -> anyhow::Result<AllowOrigin> {
    let origins = clients
        .web_origins()
        .iter()
        .map(|o| HeaderValue::from_str(o).with_context(|| format!("web origin {o}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(AllowOrigin::list(origins))
}

fn cors_layer(clients: &Clients) -> anyhow::Result<CorsLayer> {
    Ok(CorsLayer::new()
        .allow_origin(web_origins(clients)?)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            // Immutable's SDK sends its version to the IMX API.
            header::HeaderName::from_static("x-sdk-version"),
        ])
        .max_age(std::time::Duration::from_secs(600)))
}

/// The wallet service is called straight from the page, with Magic's headers.
fn wallet_cors_layer(clients: &Clients) -> anyhow::Result<CorsLayer> {
    Ok(CorsLayer::new()
        .allow_origin(web_origins(clients)?)
        .allow_methods([Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static(magic::API_KEY_HEADER),
            header::HeaderName::from_static(magic::PROVIDER_ID_HEADER),
            header::HeaderName::from_static(magic::CHAIN_HEADER),
        ])
        .max_age(std::time::Duration::from_secs(600)))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

async fn ready(State(state): State<Shared>) -> Json<serde_json::Value> {
    Json(
        serde_json::json!({ "status": "ready", "password_hashing": state.hashing.report(),
                             "connections": state.connections.report() }),
    )
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        html::STYLESHEET,
    )
}
