//! The host names the server answers for (a defence against DNS rebinding).
//!
//! A page on `attacker.example` whose name is made to resolve to 127.0.0.1
//! reaches a loopback server as a same-origin page of its own: it could read
//! the discovery document, post the sign-in form, call the IMX API. Its
//! requests carry `Host: attacker.example`, so the server answers only the
//! names it announces and refuses the rest with 421 Misdirected Request:
//!
//! - its issuer's host, `127.0.0.1`, `localhost`, `[::1]` and the address it
//!   binds, with the listening port, the issuer's port or none;
//! - the hosts it stands in for when routed there (Immutable's identity
//!   provider and IMX APIs, Magic's TEE Express): nobody but their owners can
//!   make those names resolve to this machine;
//! - every name given with `--allowed-host` (a container's service name, a
//!   LAN name), with those ports or none, or exactly as given with a port.
//!
//! A request without a `Host` (HTTP/1.0, in-process tests) names no other
//! host and is answered.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::errors::ApiError;

/// The public hosts the local Passport stands in for, when requests for them
/// are routed to it (the SDK presets' identity provider, IMX APIs and TEE
/// Express).
pub const STAND_IN_HOSTS: [&str; 4] = [
    "auth.immutable.com",
    "api.x.immutable.com",
    "api.sandbox.x.immutable.com",
    "tee.express.magiclabs.com",
];

/// The names one listener answers for.
#[derive(Debug, Clone)]
pub struct AllowedHosts {
    /// Lower-case names, IPv6 addresses in brackets.
    names: Vec<String>,
    /// The ports a name may carry (none is always allowed).
    ports: Vec<u16>,
    /// `--allowed-host name:port` values, matched exactly.
    exact: Vec<(String, u16)>,
}

impl AllowedHosts {
    /// The names of a listener on `port`, announcing `issuer`, bound to
    /// `bind`, with the `--allowed-host` values `extra`.
    pub fn new(issuer: &str, bind: IpAddr, port: u16, extra: &[String]) -> Self {
        let mut hosts = AllowedHosts {
            names: ["127.0.0.1", "localhost", "[::1]"]
                .into_iter()
                .chain(STAND_IN_HOSTS)
                .map(str::to_owned)
                .collect(),
            ports: vec![port],
            exact: Vec::new(),
        };
        if let Ok(url) = url::Url::parse(issuer) {
            if let Some(host) = url.host_str() {
                hosts.names.push(host.to_ascii_lowercase());
            }
            if let Some(port) = url.port_or_known_default() {
                hosts.ports.push(port);
            }
        }
        if !bind.is_unspecified() {
            hosts.names.push(match bind {
                IpAddr::V4(ip) => ip.to_string(),
                IpAddr::V6(ip) => format!("[{ip}]"),
            });
        }
        for given in extra {
            match split(given) {
                Some((name, Some(port))) => hosts.exact.push((name, port)),
                Some((name, None)) => hosts.names.push(name),
                None => {}
            }
        }
        hosts
    }

    /// Whether a `Host` header value names this listener.
    pub fn allows(&self, host: &str) -> bool {
        let Some((name, port)) = split(host) else {
            return false;
        };
        match port {
            None => self.names.contains(&name),
            Some(port) => {
                (self.names.contains(&name) && self.ports.contains(&port))
                    || self.exact.contains(&(name, port))
            }
        }
    }

    /// The names, for the refusal's message.
    fn describe(&self) -> String {
        let mut names: Vec<&str> = self.names.iter().map(String::as_str).collect();
        names.dedup();
        names.join(", ")
    }
}

/// `name[:port]` as (lower-case name without a trailing dot, port); `None`
/// when it is not a host.
fn split(host: &str) -> Option<(String, Option<u16>)> {
    let host = host.trim();
    let (name, port) = if host.starts_with('[') {
        let end = host.find(']')?;
        let rest = &host[end + 1..];
        let port = match rest {
            "" => None,
            _ => Some(rest.strip_prefix(':')?),
        };
        (&host[..=end], port)
    } else {
        match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        }
    };
    let port = match port {
        Some(port) => Some(port.parse::<u16>().ok()?),
        None => None,
    };
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    (!name.is_empty()).then_some((name, port))
}

/// Middleware: 421 for a request naming a host this listener does not answer for.
pub async fn check(
    State(hosts): State<Arc<AllowedHosts>>,
    request: Request,
    next: Next,
) -> Response {
    let named = match request.headers().get(header::HOST) {
        Some(value) => Some(value.to_str().unwrap_or("").to_owned()),
        None => request.uri().authority().map(|a| a.as_str().to_owned()),
    };
    match named {
        Some(host) if !hosts.allows(&host) => {
            let shown: String = host.chars().take(100).collect();
            tracing::warn!(host = %shown, "request for a host this server does not answer for refused (421)");
            ApiError::new(
                StatusCode::MISDIRECTED_REQUEST,
                "misdirected_request",
                format!(
                    "This local Passport does not answer for the host “{shown}” (a defence \
                     against DNS rebinding). It answers for {}. To reach it under another name \
                     (a container's service name, a LAN name), start it with --allowed-host NAME.",
                    hosts.describe()
                ),
            )
            .into_response()
        }
        _ => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ports() {
        let hosts = AllowedHosts::new(
            "http://127.0.0.1:8081/",
            "127.0.0.1".parse().unwrap(),
            8081,
            &["dev.lan".into(), "box:9000".into()],
        );
        for ok in [
            "127.0.0.1:8081",
            "localhost",
            "LocalHost:8081",
            "localhost.:8081",
            "[::1]:8081",
            "dev.lan",
            "dev.lan:8081",
            "box:9000",
            "auth.immutable.com",
        ] {
            assert!(hosts.allows(ok), "{ok}");
        }
        for refused in [
            "attacker.example",
            "127.0.0.1:8082",
            "localhost:80",
            "box",
            "box:8081",
            "dev.lan:1",
            "localhost:x",
            "[::1",
            "",
            "127.0.0.1.nip.io",
        ] {
            assert!(!hosts.allows(refused), "{refused}");
        }
        let stand_in = AllowedHosts::new(
            "https://auth.immutable.com/",
            "127.0.0.1".parse().unwrap(),
            5000,
            &[],
        );
        assert!(stand_in.allows("auth.immutable.com:443"));
        assert!(stand_in.allows("127.0.0.1:5000"));
    }
}
