//! Starting a local Passport: as a child process that announces itself on
//! stdout (for what needs a process: restarts, `kill -9`, the log, the CLI,
//! memory figures), or in this process on a runtime of its own, with real
//! listeners, which starts in milliseconds. Shared by the tests and the load
//! example.
#![allow(dead_code)]

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Where a started server listens, from its `ready` line.
pub struct Ready {
    /// The issuer it announces (its own address unless `--issuer`).
    pub issuer: String,
    /// Where it listens, `http://127.0.0.1:port/`.
    pub address: String,
    /// The wallet origin, `http://127.0.0.1:port`.
    pub wallet_origin: String,
    /// The admin API's token, when the server made it up.
    #[allow(dead_code)]
    pub admin_token: Option<String>,
}

impl Ready {
    fn from_line(line: &str) -> Result<Ready, String> {
        let ready: serde_json::Value =
            serde_json::from_str(line).map_err(|_| format!("no ready line, got {line:?}"))?;
        let text = |key: &str| ready[key].as_str().map(str::to_owned);
        match (
            ready["event"].as_str(),
            text("issuer"),
            text("address"),
            text("wallet_origin"),
        ) {
            (Some("ready"), Some(issuer), Some(address), Some(wallet_origin)) => Ok(Ready {
                issuer,
                address,
                wallet_origin,
                admin_token: text("admin_token"),
            }),
            _ => Err(format!("not a ready line: {line:?}")),
        }
    }
}

/// Runs `program args…`, waits (up to a minute) for its ready line and
/// answers the child with where it listens.
pub fn spawn(
    program: &Path,
    args: &[OsString],
    env: &[(&str, &str)],
    stderr: Stdio,
) -> Result<(Child, Ready), String> {
    let mut child = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("starting {}: {e}", program.display()))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let ready = rx
        .recv_timeout(Duration::from_secs(60))
        .map_err(|_| "no ready line within a minute".to_owned())
        .and_then(|line| Ready::from_line(&line));
    match ready {
        Ok(ready) => Ok((child, ready)),
        Err(err) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(err)
        }
    }
}

/// A server in this process, stopped (and waited for) when dropped.
pub struct InProcess {
    stop: Option<tokio::sync::watch::Sender<bool>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl InProcess {
    /// Starts `local-passport serve args…` in this process: the same
    /// listeners, routers and state as the binary, without its log.
    pub fn start(args: &[OsString]) -> Result<(InProcess, Ready), String> {
        use clap::Parser;
        use local_passport::cli::{Cli, Command};

        let argv = [OsString::from("local-passport"), OsString::from("serve")]
            .into_iter()
            .chain(args.iter().cloned());
        let opts = match Cli::try_parse_from(argv)
            .map_err(|e| e.to_string())?
            .command
        {
            Some(Command::Serve(opts)) => *opts,
            _ => unreachable!("parsed as serve"),
        };
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                match local_passport::server::bind(&opts).await {
                    Ok(bound) => {
                        let _ = ready_tx.send(Ok(bound.ready_line().to_string()));
                        bound.run(stopped).await;
                    }
                    Err(err) => {
                        let _ = ready_tx.send(Err(format!("{err:#}")));
                    }
                }
            });
        });
        let line = ready_rx
            .recv_timeout(Duration::from_secs(60))
            .map_err(|_| "the server did not start within a minute".to_owned())??;
        let server = InProcess {
            stop: Some(stop),
            thread: Some(thread),
        };
        Ok((server, Ready::from_line(&line)?))
    }

    /// Stops accepting, lets in-flight requests finish and waits for the end.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        self.stop();
    }
}
