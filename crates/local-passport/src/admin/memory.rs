//! What the admin side keeps in memory, held by the server's state: its
//! token, the request log and the last tokens issued. Below the state (it
//! knows nothing of it), so the state can hold it.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{log, tokens};

/// The admin side of the state: its token, the request log and the last
/// tokens issued.
pub struct Admin {
    token: String,
    generated: bool,
    pub(super) requests: log::RequestLog,
    pub(super) tokens: tokens::LastTokens,
}

impl Admin {
    /// With the operator's token, or a random one.
    pub fn new(given: Option<String>) -> Self {
        let generated = given.as_deref().is_none_or(str::is_empty);
        Admin {
            token: match given {
                Some(token) if !token.is_empty() => token,
                _ => crate::secrets::random_token(),
            },
            generated,
            requests: log::RequestLog::default(),
            tokens: tokens::LastTokens::default(),
        }
    }

    /// The token when this start made it up (to print it once); `None`
    /// when the operator gave it, who knows it already.
    pub fn generated_token(&self) -> Option<&str> {
        self.generated.then_some(self.token.as_str())
    }

    /// The token, for in-process tests.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Whether `presented` is the token, in constant time (both hashed first,
    /// so not even the length is compared in the open).
    pub(super) fn accepts(&self, presented: &str) -> bool {
        let want = Sha256::digest(self.token.as_bytes());
        let got = Sha256::digest(presented.as_bytes());
        bool::from(want.ct_eq(&got))
    }

    /// Keeps the decoded header and claims of the tokens just issued to `sub`.
    pub fn record_issued(
        &self,
        sub: &str,
        id_token: &str,
        access_token: &str,
        refresh_expires_at: Option<i64>,
    ) {
        self.tokens
            .record(sub, id_token, access_token, refresh_expires_at);
    }

    /// Forgets everything kept in memory (the reset).
    pub(super) fn clear(&self) {
        self.requests.clear();
        self.tokens.clear();
    }
}
