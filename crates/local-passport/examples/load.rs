//! A load generator for the local Passport: concurrent virtual users, each
//! doing a complete login as the app does it (the sign-up form with PKCE S256,
//! state and nonce; code exchange; a refresh) and an IMX registration (wallet
//! address and Stark key from the wallet service, the signable payload, both
//! signatures, `POST /v2/passport/users`), then checking it is registered.
//!
//!   cargo run --release -p local-passport --example load -- --users 200 --concurrency 16
//!     [--rounds 4] [--max-seconds 120]
//!
//! It starts its own server on 127.0.0.1 (free ports, a fresh data directory)
//! and stops it by process id at the end. Bounded in users and in time: no
//! request outlives `--max-seconds`. Measures the time per phase, throughput,
//! errors, duplicates in the database afterwards (each email one account, each
//! address registered once) and the server's memory (VmRSS) before, during and
//! after each round. Prints a table and one `LOAD_RESULT {json}` line; exits
//! non-zero on any error, duplicate or missing registration.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Child, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The tests' launcher: a server process and its ready line.
#[path = "../tests/support/launcher.rs"]
mod launcher;

use clap::Parser;
use local_passport::cli::{Cli, Command as ServerCommand};
use local_passport::db;
use local_passport::secrets::{pkce_s256, random_id, random_token};
use serde_json::{json, Value};

const CLIENT_ID: &str = "local-passport-app";
const REDIRECT_URI: &str = "http://localhost:8080/redirect";
const SCOPE: &str = "openid offline_access email transact";
const PASSWORD: &str = "load test password";
/// The phases of a virtual user, timed apart.
const PHASES: [&str; 5] = ["authorize", "token", "refresh", "register", "check"];
/// No single request waits longer, deadline or not.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

struct Options {
    users: usize,
    concurrency: usize,
    rounds: usize,
    max_seconds: u64,
}

const USAGE: &str = "usage: load [--users N] [--concurrency N] [--rounds N] [--max-seconds N]";

fn options() -> Result<Options, String> {
    let mut o = Options {
        users: 200,
        concurrency: 16,
        rounds: 4,
        max_seconds: 120,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = || -> Result<usize, String> {
            pair.get(1)
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .ok_or(format!("{} takes a positive number", pair[0]))
        };
        match pair[0].as_str() {
            "--users" => o.users = value()?,
            "--concurrency" => o.concurrency = value()?,
            "--rounds" => o.rounds = value()?,
            "--max-seconds" => o.max_seconds = value()? as u64,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(o)
}

/// The server under load: this very program run again as `load serve …`, so
/// the server is built from the same sources and profile as the load (a
/// separate `local-passport` binary could be stale), and has its own process
/// for the memory figures.
struct Server {
    child: Child,
    issuer: String,
    wallet: String,
    data_dir: PathBuf,
}

impl Server {
    fn start() -> Server {
        let data_dir =
            std::env::temp_dir().join(format!("local-passport-load-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data_dir);
        let mut args: Vec<OsString> = [
            "serve",
            "--port",
            "0",
            "--wallet-port",
            "0",
            "--bind",
            "127.0.0.1",
            // Every virtual user signs in from this one address: the
            // per-IP throttle would rightly stop a real flood like this.
            "--sign-in-rate",
            "100000",
            "--sign-in-burst",
            "100000",
            "--data-dir",
        ]
        .map(OsString::from)
        .to_vec();
        args.push(data_dir.clone().into());
        let program = std::env::current_exe().unwrap();
        // Warnings and panics show up in the run.
        let (child, ready) = launcher::spawn(
            &program,
            &args,
            &[("LOCAL_PASSPORT_LOG", "warn")],
            Stdio::inherit(),
        )
        .unwrap_or_else(|err| panic!("the server did not start: {err}"));
        Server {
            child,
            issuer: ready.issuer.trim_end_matches('/').to_owned(),
            wallet: ready.wallet_origin,
            data_dir,
        }
    }

    /// Resident memory in KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()));
        status
            .ok()
            .and_then(|s| {
                let line = s.lines().find(|l| l.starts_with("VmRSS:"))?.to_owned();
                line.split_whitespace().nth(1)?.parse().ok()
            })
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// A request body.
enum Body {
    Form(Vec<(&'static str, String)>),
    Json(Value),
}

/// A response: status, JSON body (`null` if none) and redirect target.
struct Answer {
    status: u16,
    json: Value,
    location: Option<String>,
    /// The body as text (the sign-in page's CSRF token is read from it).
    text: String,
    /// The `Set-Cookie` name=value, if any.
    cookie: Option<String>,
}

/// One worker's HTTP client, whose requests all end by the deadline.
struct Client {
    agent: ureq::Agent,
    deadline: Instant,
}

/// Transport errors retried, reported with the results.
static RETRIES: AtomicUsize = AtomicUsize::new(0);

impl Client {
    fn new(deadline: Instant) -> Client {
        let agent = ureq::AgentBuilder::new().redirects(0).build();
        Client { agent, deadline }
    }

    /// Sends a request and expects `status`. A transport error is retried
    /// once, as browsers do: a pooled keep-alive connection can close just as
    /// a request goes out on it. Errors name the step and the error code the
    /// server gave, never a body (which could hold a token).
    fn expect(
        &self,
        step: &str,
        request: ureq::Request,
        body: Option<Body>,
        status: u16,
    ) -> Result<Answer, String> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!("{step}: not sent, past the deadline"));
        }
        let request = request.timeout(left.min(REQUEST_TIMEOUT));
        // Boxed: ureq's error is large.
        let send = |request: ureq::Request| -> Result<ureq::Response, Box<ureq::Error>> {
            match &body {
                Some(Body::Form(fields)) => {
                    let fields: Vec<(&str, &str)> =
                        fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    request.send_form(&fields)
                }
                Some(Body::Json(value)) => request.send_json(value),
                None => request.call(),
            }
            .map_err(Box::new)
        };
        let mut result = send(request.clone());
        if let Err(first) = &result {
            if matches!(**first, ureq::Error::Transport(_)) && Instant::now() < self.deadline {
                RETRIES.fetch_add(1, Ordering::SeqCst);
                eprintln!("{step}: retrying once after a transport error: {first}");
                result = send(request);
            }
        }
        let response = match result.map_err(|e| *e) {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(_) if Instant::now() >= self.deadline => {
                return Err(format!("{step}: cut off at the deadline"))
            }
            Err(e) => return Err(format!("{step}: {e}")),
        };
        let got = response.status();
        let location = response.header("location").map(str::to_owned);
        let cookie = response
            .header("set-cookie")
            .and_then(|c| c.split(';').next())
            .map(str::to_owned);
        let text = response.into_string().unwrap_or_default();
        let answer = Answer {
            status: got,
            location,
            json: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
            cookie,
        };
        if answer.status != status {
            // The API's `code`, OAuth's `error`, or the wallet's `detail`.
            let code = ["code", "error", "detail"]
                .iter()
                .map(|field| &answer.json[field])
                .find(|value| !value.is_null())
                .unwrap_or(&Value::Null);
            return Err(format!("{step}: HTTP {} {code}", answer.status));
        }
        Ok(answer)
    }
}

/// What one virtual user got done: the time of each phase finished, in order.
struct Trip {
    email: String,
    address: Option<String>,
    times: Vec<Duration>,
    error: Option<String>,
}

impl Trip {
    fn signed_up(&self) -> bool {
        !self.times.is_empty()
    }
    fn logged_in(&self) -> bool {
        self.times.len() >= 2
    }
    fn registered(&self) -> bool {
        self.times.len() >= 4
    }
}

/// One virtual user, start to end.
fn virtual_user(server: &Server, client: &Client, n: usize) -> Trip {
    let mut trip = Trip {
        email: format!("load-{}-{n}@example.test", random_id()),
        address: None,
        times: Vec::new(),
        error: None,
    };
    if let Err(error) = phases(server, client, &mut trip) {
        trip.error = Some(error);
    }
    trip
}

fn phases(server: &Server, client: &Client, trip: &mut Trip) -> Result<(), String> {
    let agent = &client.agent;
    let issuer = |path: &str| format!("{}/{path}", server.issuer);
    let verifier = random_token();
    let state = random_id();
    let params = vec![
        ("response_type", "code".to_owned()),
        ("client_id", CLIENT_ID.to_owned()),
        ("redirect_uri", REDIRECT_URI.to_owned()),
        ("scope", SCOPE.to_owned()),
        ("state", state.clone()),
        ("nonce", random_id()),
        ("code_challenge", pkce_s256(&verifier)),
        ("code_challenge_method", "S256".to_owned()),
        ("audience", "platform_api".to_owned()),
    ];

    // The sign-up form, as a browser shows and submits it.
    let t = Instant::now();
    let mut page = agent.get(&issuer("authorize"));
    for (name, value) in &params {
        page = page.query(name, value);
    }
    let shown = client.expect(
        "authorize page",
        page.query("screen_hint", "signup"),
        None,
        200,
    )?;
    // The form's CSRF token and the cookie it is bound to.
    let csrf = shown
        .text
        .split_once(r#"name="csrf" value=""#)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(value, _)| value.to_owned())
        .ok_or("authorize page: no CSRF token")?;
    let cookie = shown.cookie.ok_or("authorize page: no CSRF cookie")?;
    let mut form = params;
    form.extend([
        ("mode", "signup".to_owned()),
        ("email", trip.email.clone()),
        ("password", PASSWORD.to_owned()),
        ("csrf", csrf),
    ]);
    let redirect = client.expect(
        "authorize",
        agent.post(&issuer("authorize")).set("Cookie", &cookie),
        Some(Body::Form(form)),
        303,
    )?;
    let location = url::Url::parse(&redirect.location.ok_or("authorize: no redirect")?)
        .map_err(|e| format!("authorize: {e}"))?;
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if param("state").as_deref() != Some(state.as_str()) {
        return Err("authorize: state not returned".into());
    }
    let code = param("code").ok_or("authorize: no code")?;
    trip.times.push(t.elapsed());

    let t = Instant::now();
    let exchange = vec![
        ("grant_type", "authorization_code".to_owned()),
        ("client_id", CLIENT_ID.to_owned()),
        ("code", code),
        ("redirect_uri", REDIRECT_URI.to_owned()),
        ("code_verifier", verifier),
    ];
    let tokens = client
        .expect(
            "token",
            agent.post(&issuer("oauth/token")),
            Some(Body::Form(exchange)),
            200,
        )?
        .json;
    trip.times.push(t.elapsed());

    let t = Instant::now();
    let refresh_token = tokens["refresh_token"]
        .as_str()
        .ok_or("token: no refresh token")?;
    let refresh = vec![
        ("grant_type", "refresh_token".to_owned()),
        ("client_id", CLIENT_ID.to_owned()),
        ("refresh_token", refresh_token.to_owned()),
    ];
    let tokens = client
        .expect(
            "refresh",
            agent.post(&issuer("oauth/token")),
            Some(Body::Form(refresh)),
            200,
        )?
        .json;
    trip.times.push(t.elapsed());

    let t = Instant::now();
    let id_token = tokens["id_token"].as_str().ok_or("refresh: no ID token")?;
    let access_token = tokens["access_token"]
        .as_str()
        .ok_or("refresh: no access token")?;
    // TEE Express, as the SDK calls it: Magic's headers and the ID token.
    let wallet = |step: &str, path: &str, body: Value| -> Result<Value, String> {
        let request = agent
            .post(&format!("{}/{path}", server.wallet))
            .set("Authorization", &format!("Bearer {id_token}"))
            .set("X-Magic-API-Key", passport_wire::magic::PUBLISHABLE_API_KEY)
            .set("X-OIDC-Provider-ID", passport_wire::magic::PROVIDER_ID)
            .set("X-Magic-Chain", "ETH");
        Ok(client
            .expect(step, request, Some(Body::Json(body)), 200)?
            .json)
    };
    let sign = |step: &str, message: &str| -> Result<String, String> {
        use base64::Engine;
        let body = json!({
            "message_base64": base64::engine::general_purpose::STANDARD.encode(message),
        });
        let reply = wallet(step, "v1/wallet/sign/message", body)?;
        reply["signature"]
            .as_str()
            .map(str::to_owned)
            .ok_or(format!("{step}: no signature"))
    };
    let field = |value: &Value, name: &str| {
        value[name]
            .as_str()
            .map(str::to_owned)
            .ok_or(format!("no {name}"))
    };
    let address = field(&wallet("wallet", "v1/wallet", json!({}))?, "public_address")?;
    trip.address = Some(address.clone());
    // The Stark key is derived on the client from one signature, as the SDK does.
    let seed_message = format!("0x{}", hex::encode(imx_crypto::STARK_DERIVATION_MESSAGE));
    let seed: imx_crypto::EthSignature = sign("stark-seed", &seed_message)?
        .parse()
        .map_err(|e| format!("stark-seed: {e}"))?;
    let eth_address = address.parse().map_err(|e| format!("address: {e}"))?;
    let stark = imx_crypto::stark_private_key_from_seed(&seed.s, &eth_address);
    let stark_key = stark.public_key().to_string();
    let keys = json!({ "ether_key": address, "stark_key": stark_key });
    let request = agent.post(&issuer("v1/signable-registration-offchain"));
    let signable = client
        .expect("signable", request, Some(Body::Json(keys)), 200)?
        .json;
    let message = field(&signable, "signable_message")?;
    let eth_signature = sign("eth-sign", &message)?;
    let hash: imx_crypto::StarkHash = field(&signable, "payload_hash")?
        .parse()
        .map_err(|e| format!("payload_hash: {e}"))?;
    let stark_signature = stark.sign(&hash).to_hex();
    let registration = json!({
        "ether_key": address, "stark_key": stark_key,
        "eth_signature": eth_signature, "stark_signature": stark_signature,
    });
    let request = agent
        .post(&issuer("v2/passport/users"))
        .set("Authorization", &format!("Bearer {access_token}"));
    client.expect("register", request, Some(Body::Json(registration)), 201)?;
    trip.times.push(t.elapsed());

    let t = Instant::now();
    let request = agent.get(&issuer(&format!("v1/users/{address}")));
    let accounts = client.expect("check", request, None, 200)?.json;
    if accounts["accounts"] != json!([stark_key]) {
        return Err("check: another Stark key registered".into());
    }
    trip.times.push(t.elapsed());
    Ok(())
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.max(1) - 1).copied().unwrap_or(0.0)
}

/// What the database holds afterwards, against what the users did.
struct Audit {
    accounts: usize,
    registrations: usize,
    duplicates: usize,
    missing: usize,
}

fn audit(server: &Server, trips: &[Trip]) -> Audit {
    let conn = db::open(&server.data_dir).expect("the database");
    let users = db::list_users(&conn).expect("the accounts");
    let mut per_email: BTreeMap<&str, usize> = BTreeMap::new();
    let mut per_address: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (user, _, registration) in &users {
        *per_email.entry(&user.email).or_default() += 1;
        if let Some(registration) = registration {
            per_address
                .entry(&registration.ether_key)
                .or_default()
                .push(&user.email);
        }
    }
    let registrations = per_address.values().map(Vec::len).sum();
    // The unique indexes should make both impossible; this checks they do.
    let mut duplicates: usize = per_email.values().map(|n| n - 1).sum::<usize>()
        + per_address
            .values()
            .map(|emails| emails.len() - 1)
            .sum::<usize>();
    // Two users given one wallet would be a duplicate too.
    let mut addresses: Vec<&str> = trips.iter().filter_map(|t| t.address.as_deref()).collect();
    let given = addresses.len();
    addresses.sort_unstable();
    addresses.dedup();
    duplicates += given - addresses.len();
    let missing = trips
        .iter()
        .filter(|t| {
            let account = t.signed_up() && !per_email.contains_key(t.email.as_str());
            let registration = t.registered()
                && per_address.get(t.address.as_deref().unwrap_or_default())
                    != Some(&vec![t.email.as_str()]);
            account || registration
        })
        .count();
    Audit {
        accounts: users.len(),
        registrations,
        duplicates,
        missing,
    }
}

fn main() -> ExitCode {
    // The server half (see `Server`): exactly what `local-passport serve` runs.
    if std::env::args().nth(1).as_deref() == Some("serve") {
        let Some(ServerCommand::Serve(opts)) = Cli::parse().command else {
            unreachable!("`serve` parses as the serve command")
        };
        return match local_passport::server::run(*opts) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("{err:#}");
                ExitCode::FAILURE
            }
        };
    }
    let o = match options() {
        Ok(o) => o,
        Err(err) => {
            eprintln!("{err}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let server = Server::start();
    let rss_before = server.rss_kib();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(o.max_seconds);
    let trips: Mutex<Vec<Trip>> = Mutex::new(Vec::new());
    let (mut rss_peak_during, mut rss_after) = (Vec::new(), Vec::new());

    let per_round = o.users.div_ceil(o.rounds);
    for round in 0..o.rounds {
        let next = AtomicUsize::new(round * per_round);
        let end = ((round + 1) * per_round).min(o.users);
        let mut peak = 0;
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..o.concurrency)
                .map(|_| {
                    scope.spawn(|| {
                        let client = Client::new(deadline);
                        loop {
                            let n = next.fetch_add(1, Ordering::SeqCst);
                            if n >= end || Instant::now() >= deadline {
                                break;
                            }
                            let trip = virtual_user(&server, &client, n);
                            trips.lock().unwrap().push(trip);
                        }
                    })
                })
                .collect();
            // Memory during the round, until every worker is done.
            while !workers.iter().all(|w| w.is_finished()) {
                peak = peak.max(server.rss_kib());
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        rss_peak_during.push(peak);
        rss_after.push(server.rss_kib());
    }
    let elapsed = started.elapsed().as_secs_f64();
    // A quiet second: what the server keeps once the load is gone.
    std::thread::sleep(Duration::from_secs(1));
    let rss_idle = server.rss_kib();
    let trips = trips.into_inner().unwrap();
    let audit = audit(&server, &trips);

    let completed = trips.iter().filter(|t| t.error.is_none()).count();
    let not_started = o.users - trips.len();
    let logins = trips.iter().filter(|t| t.logged_in()).count();
    let registrations = trips.iter().filter(|t| t.registered()).count();
    let errors: Vec<&str> = trips.iter().filter_map(|t| t.error.as_deref()).collect();
    let mut latency = serde_json::Map::new();
    println!(
        "{:<10} {:>6} {:>9} {:>9} {:>9} {:>9}",
        "phase", "n", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    for (i, phase) in PHASES.iter().enumerate() {
        let mut ms: Vec<f64> = trips
            .iter()
            .filter_map(|t| t.times.get(i))
            .map(|d| d.as_secs_f64() * 1000.0)
            .collect();
        ms.sort_by(f64::total_cmp);
        let [p50, p90, p99, max] = [0.5, 0.9, 0.99, 1.0].map(|p| percentile(&ms, p));
        println!(
            "{phase:<10} {:>6} {p50:>9.1} {p90:>9.1} {p99:>9.1} {max:>9.1}",
            ms.len()
        );
        latency.insert(
            phase.to_string(),
            json!({ "n": ms.len(), "p50_ms": p50, "p90_ms": p90, "p99_ms": p99, "max_ms": max }),
        );
    }
    println!(
        "{completed} of {} users in {elapsed:.1} s (concurrency {}): {:.1} logins/s, {:.1} registrations/s",
        o.users,
        o.concurrency,
        logins as f64 / elapsed,
        registrations as f64 / elapsed,
    );
    println!(
        "errors {}, not started by the deadline {not_started}, transport retries {}, duplicates {}, missing {}; in the database: {} accounts, {} registrations",
        errors.len(),
        RETRIES.load(Ordering::SeqCst),
        audit.duplicates,
        audit.missing,
        audit.accounts,
        audit.registrations,
    );
    println!(
        "server RSS (KiB): {rss_before} before; peak during each round {rss_peak_during:?}; after each round {rss_after:?}; {rss_idle} after a quiet second"
    );
    // The database with its write-ahead log: what the purge keeps bounded.
    let db_bytes: u64 = std::fs::read_dir(&server.data_dir)
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().contains(".sqlite3"))
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    println!("database on disk: {} KiB", db_bytes / 1024);
    for error in errors.iter().take(5) {
        eprintln!("error: {error}");
    }
    let result = json!({
        "users": o.users, "concurrency": o.concurrency, "rounds": o.rounds,
        "completed": completed, "errors": errors.len(), "not_started": not_started,
        "transport_retries": RETRIES.load(Ordering::SeqCst),
        "duplicates": audit.duplicates, "missing": audit.missing,
        "accounts_in_db": audit.accounts, "registrations_in_db": audit.registrations,
        "elapsed_s": elapsed,
        "logins_per_s": logins as f64 / elapsed,
        "registrations_per_s": registrations as f64 / elapsed,
        "latency": latency,
        "database_bytes": db_bytes,
        "rss_kib": {
            "before": rss_before, "peak_during_each_round": rss_peak_during,
            "after_each_round": rss_after, "after_idle": rss_idle,
        },
    });
    println!("LOAD_RESULT {result}");
    let failed =
        !errors.is_empty() || audit.duplicates > 0 || audit.missing > 0 || completed < o.users;
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
