//! Registered OAuth clients: public clients with exact redirect and logout URLs.

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// The built-in registration of the app at port 8080.
pub const DEFAULT_CLIENTS: &str = include_str!("../clients.default.json");

/// One registered (public) client.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    /// The client id the app sends.
    pub client_id: String,
    /// A name shown on the sign-in page.
    #[serde(default)]
    pub name: Option<String>,
    /// Redirect URIs, compared exactly.
    pub redirect_uris: Vec<String>,
    /// Where logout may return to, compared exactly.
    #[serde(default)]
    pub logout_urls: Vec<String>,
    /// Origins allowed to call the API and the wallet service (CORS).
    #[serde(default)]
    pub web_origins: Vec<String>,
    /// APIs the client may ask tokens for (`audience`), as Auth0 grants a
    /// client access to APIs. Default: Immutable's platform API.
    #[serde(default = "default_audiences")]
    pub audiences: Vec<String>,
    /// Scopes the client may be granted; others asked for are left out of the
    /// grant. Default: what the Passport SDK asks for, and `profile`.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
}

fn default_audiences() -> Vec<String> {
    vec!["platform_api".into()]
}

fn default_scopes() -> Vec<String> {
    ["openid", "profile", "email", "offline_access", "transact"]
        .map(str::to_owned)
        .to_vec()
}

/// All registered clients.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clients {
    /// The clients, by id.
    pub clients: Vec<Client>,
}

impl Clients {
    /// Loads the clients file, or the built-in default when none is given.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let text = match path {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("reading clients file {}", path.display()))?,
            None => DEFAULT_CLIENTS.to_owned(),
        };
        let clients: Clients = serde_json::from_str(&text).context("parsing the clients file")?;
        clients.checked()
    }

    /// These clients and those of `more` whose ids are not registered yet
    /// (a seed file's), checked as a clients file is.
    pub fn with(mut self, more: Vec<Client>) -> anyhow::Result<Self> {
        for client in more {
            if self.get(&client.client_id).is_none() {
                self.clients.push(client);
            }
        }
        self.checked()
    }

    fn checked(self) -> anyhow::Result<Self> {
        let clients = self;
        anyhow::ensure!(
            !clients.clients.is_empty(),
            "the clients file registers no client"
        );
        // Checked once here, so a redirect built from them can never fail later.
        for client in &clients.clients {
            for url in client.redirect_uris.iter().chain(&client.logout_urls) {
                let parsed = url::Url::parse(url)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
                anyhow::ensure!(
                    parsed.is_some() && !url.chars().any(char::is_control),
                    "client `{}`: `{url}` is not an absolute http(s) URL",
                    client.client_id
                );
            }
        }
        Ok(clients)
    }

    /// The client with this id.
    pub fn get(&self, client_id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }

    /// Every allowed web origin of every client.
    pub fn web_origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = self
            .clients
            .iter()
            .flat_map(|c| c.web_origins.iter().cloned())
            .collect();
        origins.sort();
        origins.dedup();
        origins
    }

    /// Every client id (the audiences an ID token may carry).
    pub fn ids(&self) -> Vec<String> {
        self.clients.iter().map(|c| c.client_id.clone()).collect()
    }
}

impl Client {
    /// Whether `uri` is one of the registered redirect URIs, exactly.
    pub fn allows_redirect(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r == uri)
    }

    /// Whether logout may return to `uri`, exactly.
    pub fn allows_logout_return(&self, uri: &str) -> bool {
        self.logout_urls.iter().any(|r| r == uri)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> anyhow::Result<Clients> {
        let path = std::env::temp_dir().join(format!("clients-{}.json", std::process::id()));
        std::fs::write(&path, text)?;
        let loaded = Clients::load(Some(&path));
        let _ = std::fs::remove_file(&path);
        loaded
    }

    #[test]
    fn a_redirect_or_logout_url_that_is_not_an_http_url_is_refused_at_start() {
        for bad in [
            "not a url",
            "javascript:alert(1)",
            "http://ok.test/\nSet-Cookie: x",
        ] {
            let text = serde_json::json!({ "clients": [{
                "client_id": "c", "redirect_uris": ["http://ok.test/redirect"],
                "logout_urls": [bad], "web_origins": []
            }]});
            let Err(err) = load_text(&text.to_string()) else {
                panic!("{bad:?} was accepted")
            };
            assert!(
                err.to_string().contains("not an absolute http(s) URL"),
                "{err}"
            );
        }
        assert!(Clients::load(None).is_ok(), "the built-in client is valid");
    }
}
