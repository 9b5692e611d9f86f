//! `Passport::subscribe`: this tab's session events from the client's
//! listeners, and other tabs' changes from the `storage` event.

use std::sync::{Arc, Mutex};

use wasm_bindgen::JsCast;

use crate::session::{self, EventSource, SessionEvent};

/// A listener of `Passport::subscribe`.
pub type Listener = Arc<dyn Fn(&SessionEvent, EventSource) + Send + Sync>;

/// The listeners of one client, by subscription id.
#[derive(Default)]
pub struct Listeners {
    next_id: u64,
    all: Vec<(u64, Listener)>,
}

/// Tells this tab's listeners of `event` (other tabs hear it from storage).
pub fn emit(listeners: &Mutex<Listeners>, event: &SessionEvent) {
    // Called outside the lock: a listener may subscribe or unsubscribe.
    let all: Vec<Listener> = match listeners.lock() {
        Ok(l) => l.all.iter().map(|(_, f)| f.clone()).collect(),
        Err(_) => return,
    };
    for listener in all {
        listener(event, EventSource::ThisTab);
    }
}

type StorageListener = wasm_bindgen::closure::Closure<dyn FnMut(web_sys::StorageEvent)>;

/// A subscription to session events; dropping it ends it.
pub struct SessionSubscription {
    id: u64,
    listeners: Arc<Mutex<Listeners>>,
    // Other tabs' changes arrive as `storage` events on the window.
    storage: Option<(web_sys::Window, StorageListener)>,
}

impl SessionSubscription {
    /// Adds `listener` to `listeners`, and to the `storage` events of `key`
    /// (the stored user's key) as another tab's changes.
    pub(crate) fn new(listeners: &Arc<Mutex<Listeners>>, key: &str, listener: Listener) -> Self {
        let id = {
            let mut all = listeners.lock().unwrap_or_else(|e| e.into_inner());
            all.next_id += 1;
            let id = all.next_id;
            all.all.push((id, listener.clone()));
            id
        };
        let key = key.to_owned();
        let closure = StorageListener::new(move |event: web_sys::StorageEvent| {
            if event.key().as_deref() == Some(&key) {
                let change = session::from_storage_change(
                    event.old_value().as_deref(),
                    event.new_value().as_deref(),
                );
                listener(&change, EventSource::OtherTab);
            }
        });
        let storage = web_sys::window().and_then(|window| {
            window
                .add_event_listener_with_callback("storage", closure.as_ref().unchecked_ref())
                .ok()
                .map(|_| (window, closure))
        });
        SessionSubscription {
            id,
            listeners: listeners.clone(),
            storage,
        }
    }
}

impl Drop for SessionSubscription {
    fn drop(&mut self) {
        if let Ok(mut listeners) = self.listeners.lock() {
            listeners.all.retain(|(id, _)| *id != self.id);
        }
        if let Some((window, closure)) = self.storage.take() {
            let _ = window
                .remove_event_listener_with_callback("storage", closure.as_ref().unchecked_ref());
        }
    }
}
