//! Idle and slow connections: a server started with a 1,024-file limit,
//! held by 1,100 idle and 300 trickling sockets, still signs a user in and
//! refreshes a token within 2 s, and closes the idle and half-sent
//! connections within its header-read timeout. Its own test binary, because
//! it changes the process's file limit while it starts the server.
#![cfg(all(target_os = "linux", target_env = "gnu"))]

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use support::*;

const IDLE: usize = 1100;
const TRICKLING: usize = 300;
/// The header-read timeout (also the keep-alive idle timeout) the server is
/// started with: shorter than the default 10 s, so the closing is seen sooner.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(2);
/// What the closing may take beyond it.
const SLACK: Duration = Duration::from_secs(3);

fn set_nofile(soft: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain system calls on a local struct.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        limit.rlim_cur = soft.min(limit.rlim_max);
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
    }
}

/// Whether the server closed this socket (EOF or reset), without waiting.
fn closed(mut stream: &TcpStream) -> bool {
    let mut byte = [0u8; 1024];
    match stream.read(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(err) => err.kind() != ErrorKind::WouldBlock,
    }
}

#[test]
fn idle_and_trickling_connections_neither_starve_sign_in_nor_stay_open() {
    // The server inherits a 1,024-file limit; this process takes more back
    // for its own 1,400 sockets.
    set_nofile(1024);
    let server = Server::process(&["--header-read-timeout", "2"]);
    set_nofile(8192);
    let email = format!("steady-{}@example.test", random_hex());
    let _ = login(&server, "signup", &email, "correct horse battery");
    let origin = url::Url::parse(&server.address).unwrap();
    let address: std::net::SocketAddr = format!("127.0.0.1:{}", origin.port().unwrap())
        .parse()
        .unwrap();
    let connect = || TcpStream::connect_timeout(&address, Duration::from_secs(5));

    let idle: Vec<TcpStream> = (0..IDLE)
        .map(|_| connect().expect("connect an idle socket"))
        .collect();
    let trickling: Vec<TcpStream> = (0..TRICKLING)
        .map(|_| {
            let mut s = connect().expect("connect a trickling socket");
            let _ = s.write_all(b"GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            s
        })
        .collect();
    let held = Instant::now();
    // The trickle goes on in the background: a header line every 300 ms.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let trickle = {
        let mut streams: Vec<TcpStream> =
            trickling.iter().map(|s| s.try_clone().unwrap()).collect();
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                for s in &mut streams {
                    let _ = s.write_all(b"X-Trickle: 1\r\n");
                }
                std::thread::sleep(Duration::from_millis(300));
            }
        })
    };

    // A normal sign-in (form, code, token) and a refresh, each within 2 s.
    let started = Instant::now();
    let tokens = login(&server, "signin", &email, "correct horse battery");
    let sign_in = started.elapsed();
    let started = Instant::now();
    let refreshed = refresh(&server, tokens.refresh_token.as_deref().unwrap());
    let refresh_took = started.elapsed();
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    println!("under {IDLE} idle and {TRICKLING} trickling sockets: sign-in {sign_in:?}, refresh {refresh_took:?}");
    assert!(sign_in < Duration::from_secs(2), "sign-in took {sign_in:?}");
    assert!(
        refresh_took < Duration::from_secs(2),
        "refresh took {refresh_took:?}"
    );

    // Every idle and half-sent connection is closed by the server in time.
    for s in idle.iter().chain(trickling.iter()) {
        s.set_nonblocking(true).unwrap();
    }
    let deadline = held + HEADER_READ_TIMEOUT + SLACK;
    let mut open = (IDLE, TRICKLING);
    while Instant::now() < deadline {
        open = (
            idle.iter().filter(|s| !closed(s)).count(),
            trickling.iter().filter(|s| !closed(s)).count(),
        );
        if open == (0, 0) {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let all_closed_after = held.elapsed();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    trickle.join().unwrap();
    println!("idle and trickling sockets all closed {all_closed_after:?} after they were opened");
    assert_eq!(
        open,
        (0, 0),
        "(idle, trickling) still open {:?} after they were opened",
        HEADER_READ_TIMEOUT + SLACK
    );
    // And the server is still itself.
    let ready = get(&server.url("health/ready"), None, None);
    assert_eq!(ready.status, 200);
    let connections = &ready.json()["connections"];
    println!("connections: {connections}");
    let limit = connections["limit"].as_u64().unwrap();
    assert!(
        limit < 1024,
        "the cap is below the file limit: {connections}"
    );
}
