//! Test support: a local Passport on free ports with its own data directory,
//! in this process or as a separate one, and a small HTTP toolkit that drives
//! it like a browser would.
#![allow(dead_code)]

pub mod launcher;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use launcher::InProcess;

pub const CLIENT_ID: &str = "local-passport-app";
pub const REDIRECT_URI: &str = "http://localhost:8080/redirect";
pub const SCOPE: &str = "openid offline_access email transact";

/// The signing key every test server starts with: generating a 2048-bit RSA
/// key per start cost more than most tests. Test-only; it signs nothing real.
const SIGNING_KEY: &str = include_str!("signing_key.pem");

/// How a test server runs.
enum Running {
    /// A thread of this process: for everything seen through HTTP.
    InProcess(InProcess),
    /// A child process: for restarts after `kill -9`, the log, the CLI.
    Process(Child),
}

/// A running local Passport, stopped when dropped.
pub struct Server {
    running: Option<Running>,
    in_process: bool,
    /// The issuer it announces (its own address unless `--issuer`).
    pub issuer: String,
    /// Where it listens, `http://127.0.0.1:port/`.
    pub address: String,
    pub wallet_origin: String,
    /// The admin API's token (from the ready line).
    pub admin_token: String,
    pub data_dir: PathBuf,
    args: Vec<String>,
    owns_dir: bool,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty data directory. (Each suite of the one test binary has
/// its own copy of this module and of `COUNTER`: the random part keeps their
/// directories apart.)
pub fn temp_dir() -> PathBuf {
    let dir = scratch().join(format!(
        "local-passport-test-{}-{}-{:08x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        rand::random::<u32>()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Where test data directories go: memory (`/dev/shm`) where there is one,
/// so that the database's fsync at every commit (`synchronous=FULL`) costs
/// nothing; what a test sees of persistence does not depend on the disk.
fn scratch() -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() && !std::fs::metadata(shm).is_ok_and(|m| m.permissions().readonly()) {
        shm.to_owned()
    } else {
        std::env::temp_dir()
    }
}

/// A fresh data directory holding the shared test signing key.
pub fn prepared_dir() -> PathBuf {
    let dir = temp_dir();
    let conn = local_passport::db::open(&dir).unwrap();
    let kek = local_passport::kek::Kek::load_or_create(&dir).unwrap();
    local_passport::jwt::SigningKey::install(&conn, &kek, SIGNING_KEY).unwrap();
    dir
}

impl Server {
    /// Starts a server in this process with a new data directory and extra flags.
    pub fn start(extra: &[&str]) -> Server {
        Server::new(&prepared_dir(), extra, true, true)
    }

    /// Starts a server process with a new data directory and extra flags:
    /// for tests of what only a process shows (its log, `kill -9`).
    pub fn process(extra: &[&str]) -> Server {
        Server::new(&prepared_dir(), extra, true, false)
    }

    /// Starts a server in this process on an existing data directory (kept when dropped).
    pub fn start_in(data_dir: &Path, extra: &[&str]) -> Server {
        Server::new(data_dir, extra, false, true)
    }

    /// Starts a server process on an existing data directory (kept when dropped).
    pub fn process_in(data_dir: &Path, extra: &[&str]) -> Server {
        Server::new(data_dir, extra, false, false)
    }

    fn new(data_dir: &Path, extra: &[&str], owns_dir: bool, in_process: bool) -> Server {
        let mut server = Server {
            running: None,
            in_process,
            issuer: String::new(),
            address: String::new(),
            wallet_origin: String::new(),
            admin_token: String::new(),
            data_dir: data_dir.to_owned(),
            args: extra.iter().map(|s| s.to_string()).collect(),
            owns_dir,
        };
        server.launch();
        server
    }

    fn launch(&mut self) {
        let mut args: Vec<OsString> = ["--port", "0", "--wallet-port", "0", "--data-dir"]
            .map(OsString::from)
            .to_vec();
        args.push(self.data_dir.clone().into());
        args.extend(self.args.iter().map(OsString::from));
        let (running, ready) = if self.in_process {
            let (server, ready) = InProcess::start(&args).expect("the server starts");
            (Running::InProcess(server), ready)
        } else {
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.data_dir.join("server.log"))
                .unwrap();
            let mut argv = vec![OsString::from("serve")];
            argv.extend(args);
            let program = Path::new(env!("CARGO_BIN_EXE_local-passport"));
            let (child, ready) = launcher::spawn(program, &argv, &[], Stdio::from(log))
                .unwrap_or_else(|err| panic!("{err}; log: {}", self.log()));
            (Running::Process(child), ready)
        };
        self.issuer = ready.issuer;
        self.address = ready.address;
        self.wallet_origin = ready.wallet_origin;
        self.admin_token = ready.admin_token.unwrap_or_default();
        self.running = Some(running);
    }

    /// A URL below the server's address (the issuer's, unless `--issuer`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path.trim_start_matches('/'))
    }

    /// POST to the admin API (`path` below `/__admin/api/`) with the token.
    pub fn admin_post(&self, path: &str, body: &serde_json::Value) -> Reply {
        post_json(
            &self.url(&format!("__admin/api/{path}")),
            body,
            Some(&self.admin_token),
        )
    }

    /// GET from the admin API with the token.
    pub fn admin_get(&self, path: &str) -> Reply {
        get(
            &self.url(&format!("__admin/api/{path}")),
            None,
            Some(&self.admin_token),
        )
    }

    /// A URL on the wallet origin.
    pub fn wallet_url(&self, path: &str) -> String {
        format!("{}/{}", self.wallet_origin, path.trim_start_matches('/'))
    }

    /// Kills the process with SIGKILL (no clean shutdown) and waits for it.
    pub fn kill9(&mut self) {
        assert!(
            !self.in_process,
            "kill -9 needs a process: start the server with Server::process"
        );
        self.stop();
    }

    fn stop(&mut self) {
        match self.running.take() {
            Some(Running::Process(mut child)) => {
                let _ = child.kill();
                let _ = child.wait();
            }
            Some(Running::InProcess(mut server)) => server.stop(),
            None => {}
        }
    }

    /// Starts the server again on the same data directory (new ports).
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// Everything the server logged so far.
    pub fn log(&self) -> String {
        assert!(
            !self.in_process,
            "the log is a process's: start the server with Server::process"
        );
        std::fs::read_to_string(self.data_dir.join("server.log")).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        if self.owns_dir {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
    }
}

/// An HTTP response, whatever its status.
pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookie: Option<String>,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|_| panic!("JSON body, got {}: {}", self.status, self.body))
    }
    /// A query parameter of the redirect target.
    pub fn location_param(&self, name: &str) -> Option<String> {
        let location = url::Url::parse(self.location.as_ref()?).ok()?;
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .redirects(0)
        .timeout(Duration::from_secs(30))
        .build()
}

/// Any answer as a [`Reply`]: an HTTP error status is an answer too.
pub fn reply(result: Result<ureq::Response, ureq::Error>) -> Reply {
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(err) => panic!("transport error: {err}"),
    };
    Reply {
        status: response.status(),
        location: response.header("location").map(str::to_owned),
        set_cookie: response.header("set-cookie").map(str::to_owned),
        content_type: response
            .header("content-type")
            .unwrap_or_default()
            .to_owned(),
        body: response.into_string().unwrap_or_default(),
    }
}

/// GET with optional cookie and bearer token.
pub fn get(url: &str, cookie: Option<&str>, bearer: Option<&str>) -> Reply {
    let mut req = agent().get(url);
    if let Some(c) = cookie {
        req = req.set("Cookie", c);
    }
    if let Some(b) = bearer {
        req = req.set("Authorization", &format!("Bearer {b}"));
    }
    reply(req.call())
}

/// POST a form.
pub fn post_form(url: &str, fields: &[(&str, &str)], cookie: Option<&str>) -> Reply {
    let mut req = agent().post(url);
    if let Some(c) = cookie {
        req = req.set("Cookie", c);
    }
    reply(req.send_form(fields))
}

/// POST JSON with an optional bearer token.
pub fn post_json(url: &str, body: &serde_json::Value, bearer: Option<&str>) -> Reply {
    let mut req = agent().post(url).set("Content-Type", "application/json");
    if let Some(b) = bearer {
        req = req.set("Authorization", &format!("Bearer {b}"));
    }
    reply(req.send_string(&body.to_string()))
}

/// POST raw bytes with a content type.
pub fn post_raw(url: &str, content_type: &str, body: &[u8]) -> Reply {
    reply(
        agent()
            .post(url)
            .set("Content-Type", content_type)
            .send_bytes(body),
    )
}

/// POST raw bytes with a content type and a bearer token.
pub fn post_raw_bearer(url: &str, content_type: &str, body: &[u8], bearer: &str) -> Reply {
    reply(
        agent()
            .post(url)
            .set("Content-Type", content_type)
            .set("Authorization", &format!("Bearer {bearer}"))
            .send_bytes(body),
    )
}

/// POST raw bytes with a content type, a bearer token and extra headers.
pub fn post_raw_with(
    url: &str,
    content_type: &str,
    body: &[u8],
    bearer: &str,
    headers: &[(&str, &str)],
) -> Reply {
    let mut req = agent()
        .post(url)
        .set("Content-Type", content_type)
        .set("Authorization", &format!("Bearer {bearer}"));
    for (name, value) in headers {
        req = req.set(name, value);
    }
    reply(req.send_bytes(body))
}

/// A response read off a raw socket, and its header block.
pub struct RawReply {
    pub reply: Reply,
    /// The status line and headers as received.
    pub head: String,
}

impl RawReply {
    /// A header's value (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Sends a request byte for byte on a fresh connection to `origin`: the target
/// as given (HTTP clients normalise `..` away), only the headers given (they
/// add a content type), and the whole body even when the server answers
/// before reading it, which HTTP clients report as a broken pipe instead.
pub fn raw(
    origin: &str,
    method_and_target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> RawReply {
    let url = url::Url::parse(origin).unwrap();
    let host = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let mut stream = std::net::TcpStream::connect(&host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request =
        format!("{method_and_target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let _ = stream.write_all(body);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response);
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let mut raw = RawReply {
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
    };
    raw.reply.location = raw.header("location").map(str::to_owned);
    raw.reply.set_cookie = raw.header("set-cookie").map(str::to_owned);
    raw.reply.content_type = raw.header("content-type").unwrap_or_default().to_owned();
    raw
}

/// A PKCE verifier and its S256 challenge.
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

pub fn pkce() -> Pkce {
    let verifier = format!("{}{}", random_hex(), random_hex());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    Pkce {
        verifier,
        challenge,
    }
}

pub fn random_hex() -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let seed = format!(
        "{:?}{n}{}",
        std::time::SystemTime::now(),
        std::process::id()
    );
    hex::encode(&Sha256::digest(seed.as_bytes())[..16])
}

/// The parameters of a valid authorization request.
pub fn authorize_params(pkce: &Pkce, state: &str, nonce: &str) -> Vec<(String, String)> {
    [
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("scope", SCOPE),
        ("state", state),
        ("nonce", nonce),
        ("code_challenge", &pkce.challenge),
        ("code_challenge_method", "S256"),
        ("audience", "platform_api"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

pub fn authorize_url(server: &Server, params: &[(String, String)]) -> String {
    let mut url = url::Url::parse(&server.url("authorize")).unwrap();
    url.query_pairs_mut()
        .extend_pairs(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    url.to_string()
}

/// Submits the sign-in form (`mode` = `signin` or `signup`) for an authorization request.
pub fn submit_form(
    server: &Server,
    params: &[(String, String)],
    mode: &str,
    email: &str,
    password: &str,
) -> Reply {
    submit_form_with(server, params, mode, email, password, &[])
}

/// [`submit_form`] with more form fields (the create-account form's `shape`).
pub fn submit_form_with(
    server: &Server,
    params: &[(String, String)],
    mode: &str,
    email: &str,
    password: &str,
    extra: &[(&str, &str)],
) -> Reply {
    let mut fields: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fields.extend([("mode", mode), ("email", email), ("password", password)]);
    fields.extend_from_slice(extra);
    let (csrf, cookie) = form_token(server, params);
    if let Some(csrf) = &csrf {
        fields.push(("csrf", csrf));
    }
    post_form(&server.url("authorize"), &fields, cookie.as_deref())
}

/// Opens the sign-in form for `params` as a browser would: the form's CSRF
/// token and the cookie it is bound to (none when the form is not shown).
pub fn form_token(
    server: &Server,
    params: &[(String, String)],
) -> (Option<String>, Option<String>) {
    let reply = get(&authorize_url(server, params), None, None);
    let csrf = reply
        .body
        .split_once(r#"name="csrf" value=""#)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(value, _)| value.to_owned());
    let cookie = reply
        .set_cookie
        .as_deref()
        .and_then(|c| c.split(';').next())
        .map(str::to_owned);
    (csrf, cookie)
}

/// A signed-in user's tokens.
pub struct Tokens {
    pub access_token: String,
    pub id_token: String,
    pub refresh_token: Option<String>,
    pub cookie: String,
}

/// Creates an account (or signs in when `mode` says so) and exchanges the code.
pub fn login(server: &Server, mode: &str, email: &str, password: &str) -> Tokens {
    let pkce = pkce();
    let params = authorize_params(&pkce, "st-1", "n-1");
    let reply = submit_form(server, &params, mode, email, password);
    assert_eq!(reply.status, 303, "form accepted: {}", reply.body);
    assert_eq!(reply.location_param("state").as_deref(), Some("st-1"));
    let code = reply.location_param("code").expect("code in redirect");
    let cookie = reply
        .set_cookie
        .expect("session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let tokens = exchange_code(server, &code, &pkce.verifier);
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    let json = tokens.json();
    Tokens {
        access_token: json["access_token"].as_str().unwrap().to_owned(),
        id_token: json["id_token"].as_str().unwrap().to_owned(),
        refresh_token: json["refresh_token"].as_str().map(str::to_owned),
        cookie,
    }
}

/// Creates a fresh account and returns its tokens.
pub fn new_user(server: &Server) -> (String, Tokens) {
    let email = format!("user-{}@example.test", random_hex());
    let tokens = login(server, "signup", &email, "correct horse battery");
    (email, tokens)
}

pub fn exchange_code(server: &Server, code: &str, verifier: &str) -> Reply {
    post_form(
        &server.url("oauth/token"),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", verifier),
        ],
        None,
    )
}

pub fn refresh(server: &Server, refresh_token: &str) -> Reply {
    post_form(
        &server.url("oauth/token"),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("refresh_token", refresh_token),
        ],
        None,
    )
}

/// The claims of a JWT, without verifying it (the IdP tests verify separately).
pub fn claims(jwt: &str) -> serde_json::Value {
    let payload = jwt.split('.').nth(1).expect("JWT payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Everything a registration needs, gathered from the wallet and the IMX API.
pub struct RegistrationRequest {
    pub ether_key: String,
    pub stark_key: String,
    pub signable_message: String,
    pub payload_hash: String,
    pub eth_signature: String,
    pub stark_signature: String,
}

impl RegistrationRequest {
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({
            "ether_key": self.ether_key, "stark_key": self.stark_key,
            "eth_signature": self.eth_signature, "stark_signature": self.stark_signature,
        })
    }
}

/// The headers every TEE Express call carries (the SDK's constants).
pub const TEE_HEADERS: [(&str, &str); 3] = [
    ("X-Magic-API-Key", "pk_live_10F423798A540ED7"),
    ("X-OIDC-Provider-ID", "aa80b860-8869-4f13-9000-6a6ad3d20017"),
    ("X-Magic-Chain", "ETH"),
];

/// A TEE Express call on the wallet origin with Magic's headers, the ID
/// token as bearer (when given) and a JSON body (when given).
pub fn tee_post(
    server: &Server,
    path: &str,
    id_token: Option<&str>,
    body: Option<&serde_json::Value>,
) -> Reply {
    let mut req = agent()
        .post(&server.wallet_url(path))
        .set("Content-Type", "application/json");
    for (name, value) in TEE_HEADERS {
        req = req.set(name, value);
    }
    if let Some(token) = id_token {
        req = req.set("Authorization", &format!("Bearer {token}"));
    }
    reply(match body {
        Some(body) => req.send_string(&body.to_string()),
        None => req.call(),
    })
}

/// The status of `POST /v1/wallet` with this ID token.
pub fn wallet_status(server: &Server, id_token: &str) -> u16 {
    tee_post(server, "v1/wallet", Some(id_token), None).status
}

/// `POST /v1/wallet`: the user's wallet address.
pub fn wallet_address(server: &Server, tokens: &Tokens) -> String {
    let reply = tee_post(server, "v1/wallet", Some(&tokens.id_token), None);
    assert_eq!(reply.status, 200, "v1/wallet: {}", reply.body);
    reply.json()["public_address"].as_str().unwrap().to_owned()
}

/// `POST /v1/wallet/sign/message` of a text message: the signature.
pub fn tee_sign(server: &Server, tokens: &Tokens, message: &str) -> String {
    let body = serde_json::json!({
        "message_base64": base64::engine::general_purpose::STANDARD.encode(message),
    });
    let reply = tee_post(
        server,
        "v1/wallet/sign/message",
        Some(&tokens.id_token),
        Some(&body),
    );
    assert_eq!(reply.status, 200, "sign/message: {}", reply.body);
    reply.json()["signature"].as_str().unwrap().to_owned()
}

/// The user's Stark private key, derived as the SDK does: the wallet signs
/// the seed message (bytes, sent as their `0x…` text), its `s` seeds the key.
pub fn stark_private_key(
    server: &Server,
    tokens: &Tokens,
    address: &str,
) -> imx_crypto::StarkPrivateKey {
    let seed_message = format!("0x{}", hex::encode(imx_crypto::STARK_DERIVATION_MESSAGE));
    let signature: imx_crypto::EthSignature =
        tee_sign(server, tokens, &seed_message).parse().unwrap();
    imx_crypto::stark_private_key_from_seed(&signature.s, &address.parse().unwrap())
}

/// The user's wallet address, Stark private key and Stark public key.
pub fn wallet_keys(
    server: &Server,
    tokens: &Tokens,
) -> (String, imx_crypto::StarkPrivateKey, String) {
    let ether_key = wallet_address(server, tokens);
    let stark = stark_private_key(server, tokens, &ether_key);
    let stark_key = stark.public_key().to_string();
    (ether_key, stark, stark_key)
}

/// Creates an account through the form; returns the PKCE pair and the code the redirect carried.
pub fn signup_code(server: &Server, email: &str) -> (Pkce, String) {
    let pkce = pkce();
    let reply = submit_form(
        server,
        &authorize_params(&pkce, "s", "n"),
        "signup",
        email,
        "long enough pw",
    );
    let code = reply.location_param("code").expect("code in redirect");
    (pkce, code)
}

/// Connects the wallet and collects the keys and both signatures, as the app does.
pub fn prepare_registration(server: &Server, tokens: &Tokens) -> RegistrationRequest {
    let (ether_key, stark, stark_key) = wallet_keys(server, tokens);
    let signable = post_json(
        &server.url("v1/signable-registration-offchain"),
        &serde_json::json!({ "ether_key": ether_key, "stark_key": stark_key }),
        None,
    );
    assert_eq!(signable.status, 200, "{}", signable.body);
    let signable = signable.json();
    let signable_message = signable["signable_message"].as_str().unwrap().to_owned();
    let payload_hash = signable["payload_hash"].as_str().unwrap().to_owned();
    let eth_signature = tee_sign(server, tokens, &signable_message);
    let stark_signature = stark.sign(&payload_hash.parse().unwrap()).to_hex();
    RegistrationRequest {
        ether_key,
        stark_key,
        signable_message,
        payload_hash,
        eth_signature,
        stark_signature,
    }
}

pub fn register(server: &Server, tokens: &Tokens, request: &RegistrationRequest) -> Reply {
    post_json(
        &server.url("v2/passport/users"),
        &request.body(),
        Some(&tokens.access_token),
    )
}

/// `local-passport users …` with these arguments (on no server of its own).
pub fn users_cmd(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_local-passport"))
        .arg("users")
        .args(args)
        // The error alone, not a backtrace that may happen to hold the
        // words of a password under test.
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .output()
        .expect("run local-passport users")
}

/// `users add` in `data_dir`: the account it printed, or the failure's stderr.
pub fn users_add(
    data_dir: &Path,
    email: &str,
    password: &str,
    extra: &[&str],
) -> Result<serde_json::Value, String> {
    let dir = data_dir.to_str().unwrap();
    let mut args = vec![
        "add",
        "--email",
        email,
        "--password",
        password,
        "--data-dir",
        dir,
    ];
    args.extend_from_slice(extra);
    let output = users_cmd(&args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !stdout.contains(password) && !stderr.contains(password),
        "the password was printed"
    );
    if !output.status.success() {
        assert!(stdout.is_empty(), "a failure prints no account: {stdout}");
        return Err(stderr);
    }
    assert_eq!(stdout.lines().count(), 1, "one JSON line: {stdout}");
    Ok(serde_json::from_str(&stdout).expect("a JSON line"))
}

/// `users` in `data_dir`: every account, as listed.
pub fn users_list(data_dir: &Path) -> Vec<serde_json::Value> {
    let output = users_cmd(&["--data-dir", data_dir.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice::<serde_json::Value>(&output.stdout)
        .expect("a JSON array")
        .as_array()
        .expect("a JSON array")
        .clone()
}

/// `GET /userinfo` with the access token: the profile.
pub fn userinfo(server: &Server, tokens: &Tokens) -> serde_json::Value {
    let reply = get(&server.url("userinfo"), None, Some(&tokens.access_token));
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}
