//! localStorage behind the protocol's [`KeyValueStore`].

use gloo_storage::errors::StorageError;
use gloo_storage::{LocalStorage, Storage};
use serde_json::Value;

use crate::storage::{KeyValueStore, NotJson};

/// The browser's localStorage.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalStore;

impl KeyValueStore for LocalStore {
    fn get(&self, key: &str) -> Option<String> {
        LocalStorage::raw().get_item(key).ok().flatten()
    }
    fn set(&self, key: &str, value: &str) -> bool {
        LocalStorage::raw().set_item(key, value).is_ok()
    }
    fn remove(&self, key: &str) {
        let _ = LocalStorage::raw().remove_item(key);
    }
    fn keys(&self) -> Vec<String> {
        let storage = LocalStorage::raw();
        let len = storage.length().unwrap_or(0);
        (0..len)
            .filter_map(|i| storage.key(i).ok().flatten())
            .collect()
    }
    /// The stored session through gloo-storage's typed API.
    fn get_json(&self, key: &str) -> Option<Result<Value, NotJson>> {
        match LocalStorage::get::<Value>(key) {
            Ok(value) => Some(Ok(value)),
            Err(StorageError::KeyNotFound(_)) => None,
            Err(StorageError::SerdeError(_)) => Some(Err(NotJson)),
            // The store itself failed (disabled, private mode): nothing to read.
            Err(StorageError::JsError(_)) => None,
        }
    }
    fn set_json(&self, key: &str, value: &Value) -> bool {
        LocalStorage::set(key, value).is_ok()
    }
}
