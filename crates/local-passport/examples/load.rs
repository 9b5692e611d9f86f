//! A load generator for the local Passport: many concurrent virtual users, each
//! doing a complete login (sign-up form with PKCE S256, code exchange, refresh)
//! and an IMX registration as the app does it (wallet service, signable
//! payload, both signatures, `POST /v2/passport/users`). Loopback only, bounded
//! in users and in time. It starts the release server itself on free ports with
//! a fresh data directory and stops it by process id.
//!
//!   cargo run --release -p local-passport --example load -- --users 200 --concurrency 16
//!
//! Prints a table and one `LOAD_RESULT {json}` line; exits non-zero on any
//! error or duplicate. The server's memory is sampled between rounds.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const CLIENT_ID: &str = "local-passport-app";
const REDIRECT_URI: &str = "http://localhost:8080/redirect";
const PASSWORD: &str = "load test password";
const PHASES: [&str; 4] = ["login", "refresh", "register", "check"];

struct Options {
    users: usize,
    concurrency: usize,
    rounds: usize,
    max_seconds: u64,
}

fn options() -> Options {
    let mut o = Options {
        users: 200,
        concurrency: 16,
        rounds: 4,
        max_seconds: 300,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = || {
            pair.get(1)
                .and_then(|v| v.parse().ok())
                .expect("a number after each flag")
        };
        match pair[0].as_str() {
            "--users" => o.users = value(),
            "--concurrency" => o.concurrency = value(),
            "--rounds" => o.rounds = value(),
            "--max-seconds" => o.max_seconds = value() as u64,
            other => {
                panic!("unknown flag {other}; use --users, --concurrency, --rounds, --max-seconds")
            }
        }
    }
    o
}

/// The release server next to this example (`target/release/local-passport`).
struct Server {
    child: Child,
    issuer: String,
    wallet: String,
    data_dir: PathBuf,
}

impl Server {
    fn start() -> Server {
        let exe = std::env::current_exe().unwrap();
        let bin = exe
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .join("local-passport");
        assert!(
            bin.exists(),
            "{} is missing: cargo build --release -p local-passport",
            bin.display()
        );
        let data_dir =
            std::env::temp_dir().join(format!("local-passport-load-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data_dir);
        let mut child = Command::new(&bin)
            .args([
                "serve",
                "--port",
                "0",
                "--wallet-port",
                "0",
                "--bind",
                "127.0.0.1",
                "--data-dir",
            ])
            .arg(&data_dir)
            .env("LOCAL_PASSPORT_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit()) // warnings and panics show up in the run
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ready: Value = serde_json::from_str(&line).expect("the ready line");
        Server {
            child,
            issuer: ready["issuer"]
                .as_str()
                .unwrap()
                .trim_end_matches('/')
                .to_owned(),
            wallet: ready["wallet_origin"].as_str().unwrap().to_owned(),
            data_dir,
        }
    }

    /// Resident memory in KiB.
    fn rss_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .map(str::to_owned)
            })
            .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
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

fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// One HTTP call; the body as JSON (or the redirect target) and the status.
/// Transport errors retried (see `call`), reported with the results.
static RETRIES: AtomicUsize = AtomicUsize::new(0);

fn send(request: ureq::Request, body: Option<Body>) -> Result<ureq::Response, ureq::Error> {
    match body {
        Some(Body::Form(fields)) => {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            request.send_form(&fields)
        }
        Some(Body::Json(value)) => request.send_json(value),
        None => request.call(),
    }
}

/// One HTTP call; the body as JSON (or the redirect target) and the status.
/// A transport error is retried once, as browsers do: a pooled keep-alive
/// connection can be closed just as a request goes out on it. Retries are
/// counted and reported; a retried sign-up would show up as a duplicate.
fn call(
    request: ureq::Request,
    body: Option<Body>,
) -> Result<(u16, Value, Option<String>), String> {
    let result = match send(request.clone(), body.clone()) {
        Err(ureq::Error::Transport(first)) => {
            RETRIES.fetch_add(1, Ordering::SeqCst);
            eprintln!("retrying once after a transport error: {first}");
            send(request, body)
        }
        other => other,
    };
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => return Err(format!("transport: {e}")),
    };
    let status = response.status();
    let location = response.header("location").map(str::to_owned);
    let text = response.into_string().unwrap_or_default();
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        location,
    ))
}

#[derive(Clone)]
enum Body {
    Form(Vec<(&'static str, String)>),
    Json(Value),
}

/// One virtual user: (email, eth address, phase durations) or the first error.
fn virtual_user(
    server: &Server,
    agent: &ureq::Agent,
    n: usize,
) -> Result<(String, String, [Duration; 4]), String> {
    let expect = |what: &str, got: (u16, Value, Option<String>), status: u16| {
        if got.0 == status {
            Ok(got)
        } else {
            Err(format!("{what}: HTTP {} {}", got.0, got.1))
        }
    };
    let email = format!("load-{}-{n}@example.test", random_hex(4));
    let verifier = random_hex(32);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let state = random_hex(8);
    let mut times = [Duration::ZERO; 4];

    let t = Instant::now();
    let form = vec![
        ("response_type", "code".to_owned()),
        ("client_id", CLIENT_ID.to_owned()),
        ("redirect_uri", REDIRECT_URI.to_owned()),
        ("scope", "openid offline_access email transact".to_owned()),
        ("state", state.clone()),
        ("nonce", random_hex(8)),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256".to_owned()),
        ("audience", "platform_api".to_owned()),
        ("mode", "signup".to_owned()),
        ("email", email.clone()),
        ("password", PASSWORD.to_owned()),
    ];
    let (_, _, location) = expect(
        "authorize",
        call(
            agent.post(&format!("{}/authorize", server.issuer)),
            Some(Body::Form(form)),
        )?,
        303,
    )?;
    let location = url::Url::parse(&location.ok_or("no redirect")?).map_err(|e| e.to_string())?;
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if param("state").as_deref() != Some(state.as_str()) {
        return Err("state not returned".into());
    }
    let code = param("code").ok_or("no code")?;
    let token_url = format!("{}/oauth/token", server.issuer);
    let exchange = vec![
        ("grant_type", "authorization_code".to_owned()),
        ("client_id", CLIENT_ID.to_owned()),
        ("code", code),
        ("redirect_uri", REDIRECT_URI.to_owned()),
        ("code_verifier", verifier),
    ];
    let (_, tokens, _) = expect(
        "token",
        call(agent.post(&token_url), Some(Body::Form(exchange)))?,
        200,
    )?;
    times[0] = t.elapsed();

    let t = Instant::now();
    let refresh = vec![
        ("grant_type", "refresh_token".to_owned()),
        ("client_id", CLIENT_ID.to_owned()),
        (
            "refresh_token",
            tokens["refresh_token"]
                .as_str()
                .ok_or("no refresh token")?
                .to_owned(),
        ),
    ];
    let (_, tokens, _) = expect(
        "refresh",
        call(agent.post(&token_url), Some(Body::Form(refresh)))?,
        200,
    )?;
    times[1] = t.elapsed();

    let t = Instant::now();
    let id_token = tokens["id_token"].as_str().ok_or("no id token")?.to_owned();
    let access_token = tokens["access_token"]
        .as_str()
        .ok_or("no access token")?
        .to_owned();
    let wallet = |path: &str, body: Value| -> Result<Value, String> {
        let request = agent
            .post(&format!("{}/wallet/v1/{path}", server.wallet))
            .set("Authorization", &format!("Bearer {id_token}"));
        expect(path, call(request, Some(Body::Json(body)))?, 200).map(|r| r.1)
    };
    let address = wallet("connect", json!({}))?["address"]
        .as_str()
        .ok_or("no address")?
        .to_owned();
    let stark_key = wallet("stark-key", json!({}))?["stark_key"]
        .as_str()
        .ok_or("no stark key")?
        .to_owned();
    let keys = json!({ "ether_key": address, "stark_key": stark_key });
    let (_, signable, _) = expect(
        "signable",
        call(
            agent.post(&format!(
                "{}/v1/signable-registration-offchain",
                server.issuer
            )),
            Some(Body::Json(keys)),
        )?,
        200,
    )?;
    let eth_signature = wallet(
        "personal-sign",
        json!({ "message": signable["signable_message"] }),
    )?["signature"]
        .clone();
    let stark_signature =
        wallet("stark-sign", json!({ "hash": signable["payload_hash"] }))?["signature"].clone();
    let registration = json!({ "ether_key": address, "stark_key": stark_key, "eth_signature": eth_signature, "stark_signature": stark_signature });
    let request = agent
        .post(&format!("{}/v2/passport/users", server.issuer))
        .set("Authorization", &format!("Bearer {access_token}"));
    expect(
        "register",
        call(request, Some(Body::Json(registration)))?,
        201,
    )?;
    times[2] = t.elapsed();

    let t = Instant::now();
    let (_, accounts, _) = expect(
        "check",
        call(
            agent.get(&format!("{}/v1/users/{address}", server.issuer)),
            None,
        )?,
        200,
    )?;
    if accounts["accounts"] != json!([stark_key]) {
        return Err(format!("check: {accounts}"));
    }
    times[3] = t.elapsed();
    Ok((email, address, times))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let o = options();
    let server = Server::start();
    let deadline = Instant::now() + Duration::from_secs(o.max_seconds);
    let rss_start = server.rss_kib();
    let results: Mutex<Vec<(String, String, [Duration; 4])>> = Mutex::new(Vec::new());
    let errors: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut rss_after_round = Vec::new();
    let started = Instant::now();

    let per_round = o.users.div_ceil(o.rounds);
    for round in 0..o.rounds {
        let next = AtomicUsize::new(round * per_round);
        let end = ((round + 1) * per_round).min(o.users);
        std::thread::scope(|scope| {
            for _ in 0..o.concurrency {
                scope.spawn(|| {
                    let agent = ureq::AgentBuilder::new()
                        .redirects(0)
                        .timeout(Duration::from_secs(30))
                        .build();
                    loop {
                        let n = next.fetch_add(1, Ordering::SeqCst);
                        if n >= end || Instant::now() > deadline {
                            break;
                        }
                        match virtual_user(&server, &agent, n) {
                            Ok(result) => results.lock().unwrap().push(result),
                            Err(err) => errors.lock().unwrap().push(err),
                        }
                    }
                });
            }
        });
        rss_after_round.push(server.rss_kib());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let results = results.into_inner().unwrap();
    let errors = errors.into_inner().unwrap();

    // Duplicates: every email one account, every address registered once.
    let users_json = Command::new(
        std::env::current_exe()
            .unwrap()
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .join("local-passport"),
    )
    .args(["users", "--data-dir"])
    .arg(&server.data_dir)
    .output()
    .unwrap();
    let users: Vec<Value> = serde_json::from_slice(&users_json.stdout).unwrap_or_default();
    let mut emails: Vec<&str> = users.iter().filter_map(|u| u["email"].as_str()).collect();
    let accounts = emails.len();
    emails.sort_unstable();
    emails.dedup();
    let registered = users
        .iter()
        .filter(|u| u["registered"] == json!(true))
        .count();
    let mut addresses: Vec<&str> = results.iter().map(|r| r.1.as_str()).collect();
    addresses.sort_unstable();
    addresses.dedup();
    let duplicates = (accounts - emails.len()) + (results.len() - addresses.len());
    let missing = results.len().saturating_sub(registered);

    println!(
        "{:<10} {:>9} {:>9} {:>9} {:>9}",
        "phase", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    let mut latency = serde_json::Map::new();
    for (i, phase) in PHASES.iter().enumerate() {
        let mut ms: Vec<f64> = results
            .iter()
            .map(|r| r.2[i].as_secs_f64() * 1000.0)
            .collect();
        ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let (p50, p90, p99, max) = (
            percentile(&ms, 0.5),
            percentile(&ms, 0.9),
            percentile(&ms, 0.99),
            percentile(&ms, 1.0),
        );
        println!("{phase:<10} {p50:>9.1} {p90:>9.1} {p99:>9.1} {max:>9.1}");
        latency.insert(
            phase.to_string(),
            json!({ "p50_ms": p50, "p90_ms": p90, "p99_ms": p99, "max_ms": max }),
        );
    }
    for err in errors.iter().take(5) {
        eprintln!("error: {err}");
    }
    let result = json!({
        "users": o.users, "concurrency": o.concurrency, "completed": results.len(),
        "errors": errors.len(), "transport_retries": RETRIES.load(Ordering::SeqCst), "duplicates": duplicates, "missing_registrations": missing,
        "elapsed_s": elapsed,
        "logins_per_s": results.len() as f64 / elapsed,
        "latency": latency,
        "rss_kib": { "start": rss_start, "after_each_round": rss_after_round },
    });
    println!(
        "{} users in {elapsed:.1} s: {:.1} complete logins + registrations per second; errors {}, duplicates {duplicates}, missing {missing}; server RSS {} KiB at start, {:?} KiB after each round",
        results.len(), results.len() as f64 / elapsed, errors.len(), rss_start, rss_after_round
    );
    println!("LOAD_RESULT {result}");
    if !errors.is_empty() || duplicates > 0 || missing > 0 || results.len() < o.users {
        std::process::exit(1);
    }
}
