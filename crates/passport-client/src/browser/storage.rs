//! localStorage behind the protocol's [`KeyValueStore`].

use gloo_storage::{LocalStorage, Storage};

use crate::storage::KeyValueStore;

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
}
