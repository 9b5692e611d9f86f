//! Absolute http(s) URLs: the provider, API and wallet endpoints, the redirect
//! URIs and the callback address. Parsing follows the WHATWG URL standard, by
//! the `url` crate (which oauth2 and leptos_router use too). An `Address`
//! holds the normalised `href`; its parts are read from that.

use std::fmt;

/// An absolute `http:` or `https:` URL with a host, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address(String);

/// Not an absolute http(s) URL with a host.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an absolute http(s) URL")]
pub struct InvalidAddress;

impl Address {
    /// Parses and normalises `input` (surrounding whitespace is ignored).
    pub fn parse(input: &str) -> Result<Address, InvalidAddress> {
        let href = normalise(input.trim()).ok_or(InvalidAddress)?;
        let address = Address(href);
        let http = matches!(address.scheme(), "http" | "https");
        (http && !address.host().is_empty())
            .then_some(address)
            .ok_or(InvalidAddress)
    }

    /// An address the `url` crate built from another address (same scheme and host).
    pub(crate) fn from_url(url: url::Url) -> Address {
        Address(url.into())
    }

    /// The whole URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &str {
        self.0.split_once(':').map_or("", |(scheme, _)| scheme)
    }

    /// `user@host:port`: everything between `//` and the path.
    fn authority(&self) -> &str {
        let rest = self.0.split_once("://").map_or("", |(_, rest)| rest);
        rest.split(['/', '?', '#']).next().unwrap_or("")
    }

    /// The host and port, without any user info.
    fn host(&self) -> &str {
        let authority = self.authority();
        authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host)
    }

    /// `scheme://host[:port]`, as `location.origin` writes it.
    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme(), self.host())
    }

    /// Whether the host is this machine (`localhost`, 127.0.0.0/8, `[::1]`).
    pub fn is_loopback(&self) -> bool {
        let host = self.host();
        let name = match host.rsplit_once(':') {
            Some((name, port)) if !port.contains(']') => name,
            _ => host,
        };
        is_loopback_host(name)
    }

    /// The path, starting with `/`.
    pub fn path(&self) -> &str {
        let after = &self.0[self.0.find("://").map_or(0, |i| i + 3) + self.authority().len()..];
        let end = after.find(['?', '#']).unwrap_or(after.len());
        &after[..end]
    }

    /// The query, without `?`.
    pub fn query(&self) -> Option<&str> {
        let before_fragment = self.0.split('#').next().unwrap_or("");
        before_fragment.split_once('?').map(|(_, query)| query)
    }

    /// The fragment, without `#`.
    pub fn fragment(&self) -> Option<&str> {
        self.0.split_once('#').map(|(_, fragment)| fragment)
    }

    /// The first value of the query parameter `name`, decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query()?.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// `path` below this address, treated as a directory even without a
    /// trailing `/`; query and fragment dropped. `path` is ASCII.
    pub fn join(&self, path: &str) -> Address {
        let prefix = self.path().trim_end_matches('/');
        Address(format!(
            "{}{prefix}/{}",
            self.origin_with_user_info(),
            path.trim_start_matches('/')
        ))
    }

    fn origin_with_user_info(&self) -> String {
        format!("{}://{}", self.scheme(), self.authority())
    }

    /// This address with `pairs` appended to its query, form-encoded.
    pub fn with_query_pairs(&self, pairs: &[(&str, &str)]) -> Address {
        let (base, fragment) = match self.0.split_once('#') {
            Some((base, fragment)) => (base, Some(fragment)),
            None => (self.0.as_str(), None),
        };
        let mut encoded = form_urlencoded::Serializer::new(String::new());
        encoded.extend_pairs(pairs);
        let separator = match self.query() {
            None => "?",
            Some("") => "",
            Some(_) => "&",
        };
        let mut href = format!("{base}{separator}{}", encoded.finish());
        if let Some(fragment) = fragment {
            href = format!("{href}#{fragment}");
        }
        Address(href)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Address> for String {
    fn from(address: Address) -> String {
        address.0
    }
}

fn normalise(input: &str) -> Option<String> {
    url::Url::parse(input).ok().map(String::from)
}

/// Whether `host` (as a URL writes it) names this machine.
fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_of_a_normalised_address() {
        let a = Address::parse(" HTTPS://User@Example.TEST:443/a/b/?x=1&y=%20z#frag ").unwrap();
        assert_eq!(a.as_str(), "https://User@example.test/a/b/?x=1&y=%20z#frag");
        assert_eq!(a.scheme(), "https");
        assert_eq!(a.origin(), "https://example.test");
        assert_eq!(a.path(), "/a/b/");
        assert_eq!(a.query(), Some("x=1&y=%20z"));
        assert_eq!(a.query_param("y").as_deref(), Some(" z"));
        assert_eq!(a.fragment(), Some("frag"));
        let local = Address::parse("http://127.0.0.1:8081").unwrap();
        assert_eq!(local.as_str(), "http://127.0.0.1:8081/");
        assert_eq!(local.origin(), "http://127.0.0.1:8081");
        assert_eq!(local.path(), "/");
        assert_eq!(local.query(), None);
    }

    #[test]
    fn only_absolute_http_urls_with_a_host() {
        for bad in [
            "",
            "/relative",
            "javascript:alert(1)",
            "data:,x",
            "ftp://h/",
            "http://",
            "not a url",
            "file:///etc/passwd",
        ] {
            assert_eq!(Address::parse(bad), Err(InvalidAddress), "{bad:?}");
        }
    }

    #[test]
    fn loopback_hosts_are_this_machine_only() {
        for local in [
            "http://localhost:8081/",
            "http://127.0.0.1:8081/x",
            "http://[::1]:9/",
            "http://127.9.0.1/",
        ] {
            assert!(Address::parse(local).unwrap().is_loopback(), "{local}");
        }
        for remote in [
            "https://auth.immutable.com/",
            "http://localhost.evil.test/",
            "http://10.0.0.1/",
            "http://user@127.0.0.1.evil.test/",
        ] {
            assert!(!Address::parse(remote).unwrap().is_loopback(), "{remote}");
        }
    }

    #[test]
    fn join_treats_the_base_as_a_directory() {
        let base = Address::parse("https://auth.example.test/tenant?q=1#f").unwrap();
        assert_eq!(
            base.join("oauth/token").as_str(),
            "https://auth.example.test/tenant/oauth/token"
        );
        let root = Address::parse("http://127.0.0.1:8081/").unwrap();
        assert_eq!(
            root.join("/authorize").as_str(),
            "http://127.0.0.1:8081/authorize"
        );
    }

    #[test]
    fn query_pairs_are_appended_form_encoded() {
        let a = Address::parse("https://h.test/p").unwrap();
        let b = a.with_query_pairs(&[("a", "1 2"), ("b", "x/y&z")]);
        assert_eq!(b.as_str(), "https://h.test/p?a=1+2&b=x%2Fy%26z");
        let c = b.with_query_pairs(&[("c", "3")]);
        assert_eq!(c.query_param("c").as_deref(), Some("3"));
        assert_eq!(c.query_param("b").as_deref(), Some("x/y&z"));
    }
}
