//! The last tokens issued to each user, kept decoded: the header and the
//! claims of the ID and access tokens, never their signature (so never a
//! usable token), and of the refresh token only that there is one.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;

/// A JWT without its signature.
#[derive(Debug, Clone, Serialize)]
pub struct Decoded {
    pub header: serde_json::Value,
    pub claims: serde_json::Value,
}

/// What a user was last issued.
#[derive(Debug, Clone, Serialize)]
pub struct Issued {
    /// Seconds since the Unix epoch.
    pub issued_at: i64,
    pub id_token: Option<Decoded>,
    pub access_token: Option<Decoded>,
    /// Whether a refresh token came with them, and when it expires.
    pub refresh_token: Option<RefreshIssued>,
}

/// A refresh token's existence, never its value.
#[derive(Debug, Clone, Serialize)]
pub struct RefreshIssued {
    pub expires_at: i64,
}

/// The header and claims of a compact JWT; its signature is dropped unread.
pub fn decode(jwt: &str) -> Option<Decoded> {
    let mut parts = jwt.split('.');
    let mut part = || -> Option<serde_json::Value> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next()?).ok()?).ok()
    };
    Some(Decoded {
        header: part()?,
        claims: part()?,
    })
}

/// By user.
#[derive(Default)]
pub struct LastTokens(Mutex<HashMap<String, Issued>>);

impl LastTokens {
    pub fn record(&self, sub: &str, id: &str, access: &str, refresh_expires_at: Option<i64>) {
        let issued = Issued {
            issued_at: crate::now(),
            id_token: decode(id),
            access_token: decode(access),
            refresh_token: refresh_expires_at.map(|expires_at| RefreshIssued { expires_at }),
        };
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(sub.to_owned(), issued);
    }

    pub fn of(&self, sub: &str) -> Option<Issued> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(sub)
            .cloned()
    }

    pub fn forget(&self, sub: &str) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(sub);
    }

    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}
