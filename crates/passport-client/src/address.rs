//! Absolute http(s) URLs: the provider, API and wallet endpoints, the redirect
//! URIs and the callback address. Parsing follows the WHATWG URL standard, by
//! the `url` crate (which oauth2 and leptos_router use too); an `Address` is a
//! parsed URL known to be http(s) with a host.

use std::fmt;

use url::{Host, Url};

/// An absolute `http:` or `https:` URL with a host, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address(Url);

/// Not an absolute http(s) URL with a host.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an absolute http(s) URL")]
pub struct InvalidAddress;

impl Address {
    /// Parses and normalises `input` (surrounding whitespace is ignored).
    pub fn parse(input: &str) -> Result<Address, InvalidAddress> {
        let url = Url::parse(input.trim()).map_err(|_| InvalidAddress)?;
        let http = matches!(url.scheme(), "http" | "https");
        let host = url.host_str().is_some_and(|h| !h.is_empty());
        (http && host).then_some(Address(url)).ok_or(InvalidAddress)
    }

    /// An address the `url` crate built from another address (same scheme and host).
    pub(crate) fn from_url(url: Url) -> Address {
        Address(url)
    }

    /// The parsed URL, for the OAuth client.
    pub(crate) fn url(&self) -> &Url {
        &self.0
    }

    /// The whole URL.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &str {
        self.0.scheme()
    }

    /// `scheme://host[:port]`, as `location.origin` writes it.
    pub fn origin(&self) -> String {
        self.0.origin().ascii_serialization()
    }

    /// Whether the host is this machine (`localhost`, 127.0.0.0/8, `[::1]`).
    pub fn is_loopback(&self) -> bool {
        match self.0.host() {
            Some(Host::Domain(name)) => name == "localhost" || name.ends_with(".localhost"),
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        }
    }

    /// The host as written in the URL (`localhost`, `127.0.0.1`, `[::1]`).
    pub fn host(&self) -> Option<&str> {
        self.0.host_str()
    }

    /// The port, when it is not the scheme's default.
    pub fn port(&self) -> Option<u16> {
        self.0.port()
    }

    /// The path, starting with `/`.
    pub fn path(&self) -> &str {
        self.0.path()
    }

    /// The query, without `?`.
    pub fn query(&self) -> Option<&str> {
        self.0.query()
    }

    /// The fragment, without `#`.
    pub fn fragment(&self) -> Option<&str> {
        self.0.fragment()
    }

    /// The first value of the query parameter `name`, decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.0
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// `path` below this address, treated as a directory even without a
    /// trailing `/`; query and fragment dropped. `path` is ASCII.
    pub fn join(&self, path: &str) -> Address {
        let mut url = self.0.clone();
        let joined = format!(
            "{}/{}",
            url.path().trim_end_matches('/'),
            path.trim_start_matches('/')
        );
        url.set_path(&joined);
        url.set_query(None);
        url.set_fragment(None);
        Address(url)
    }

    /// This address with `pairs` appended to its query, form-encoded.
    pub fn with_query_pairs(&self, pairs: &[(&str, &str)]) -> Address {
        let mut url = self.0.clone();
        url.query_pairs_mut().extend_pairs(pairs);
        Address(url)
    }
}

/// As its string: the resolved configuration crosses to the on-demand engine
/// as JSON (`engine_wire`), and is parsed (and so checked) again there.
impl serde::Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Address::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Address> for String {
    fn from(address: Address) -> String {
        address.0.into()
    }
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
