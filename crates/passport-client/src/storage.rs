//! Key-value storage as the protocol sees it; the browser's localStorage
//! implements it, and tests use [`MemoryStore`].

/// A string key-value store (localStorage in the browser).
pub trait KeyValueStore {
    /// The value under `key`.
    fn get(&self, key: &str) -> Option<String>;
    /// Stores `value` under `key`; false when the store refused (quota, privacy mode).
    fn set(&self, key: &str, value: &str) -> bool;
    /// Removes `key`.
    fn remove(&self, key: &str);
    /// Every key currently stored.
    fn keys(&self) -> Vec<String>;
    /// The JSON value under `key`; `Some(Err)` when what is there is not JSON.
    /// The browser's store reads it with gloo-storage's typed API.
    fn get_json(&self, key: &str) -> Option<Result<serde_json::Value, NotJson>> {
        self.get(key).map(|raw| serde_json::from_str(&raw).map_err(|_| NotJson))
    }
    /// Stores `value` as JSON under `key`; false when the store refused.
    fn set_json(&self, key: &str, value: &serde_json::Value) -> bool {
        self.set(key, &value.to_string())
    }
}

/// What a key holds is not JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotJson;

#[cfg(any(test, feature = "testing"))]
pub use memory::MemoryStore;

/// Tests' stand-in for localStorage.
#[cfg(any(test, feature = "testing"))]
mod memory {
    use super::KeyValueStore;
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    /// An in-memory store.
    #[derive(Debug, Default)]
    pub struct MemoryStore(RefCell<BTreeMap<String, String>>);

    impl KeyValueStore for MemoryStore {
        fn get(&self, key: &str) -> Option<String> {
            self.0.borrow().get(key).cloned()
        }
        fn set(&self, key: &str, value: &str) -> bool {
            self.0.borrow_mut().insert(key.to_owned(), value.to_owned());
            true
        }
        fn remove(&self, key: &str) {
            self.0.borrow_mut().remove(key);
        }
        fn keys(&self) -> Vec<String> {
            self.0.borrow().keys().cloned().collect()
        }
    }
}
