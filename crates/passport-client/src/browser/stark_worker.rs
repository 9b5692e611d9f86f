//! The registration worker (crate `stark-worker`): a Web Worker started only
//! when registration starts (loading while the wallet is reached), that derives the Stark key from the wallet's
//! signature and signs the payload with it. The private key never leaves the
//! worker; dropping this handle terminates the worker and the key with it.
//!
//! Requests are plain objects matched to their replies by id; each wait
//! wakes on the reply, the worker's own error, or a timeout.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::{Object, Reflect};
use passport_wire::worker;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::once::{self, Once};

/// The worker's loader, next to `index.html` (resolved against `<base href>`).
pub const LOADER: &str = "stark_worker_loader.js";
/// Loading and compiling the worker's wasm.
const START_TIMEOUT_MS: f64 = 20_000.0;
/// One derivation or signature (the key grinding is milliseconds).
const REQUEST_TIMEOUT_MS: f64 = 20_000.0;

use crate::registration::WorkerError;

type Reply = Result<JsValue, String>;
type Listener = Closure<dyn FnMut(web_sys::MessageEvent)>;
type ErrorListener = Closure<dyn FnMut(web_sys::Event)>;

/// A running registration worker.
pub struct StarkWorker {
    worker: web_sys::Worker,
    pending: Rc<RefCell<HashMap<u32, Once<Reply>>>>,
    next_id: Cell<u32>,
    _on_message: Listener,
    _on_error: ErrorListener,
}

/// A worker whose files are loading: [`LoadingWorker::ready`] waits for it.
pub struct LoadingWorker {
    worker: StarkWorker,
    ready: Once<Result<(), String>>,
}

impl LoadingWorker {
    /// Waits until the worker takes requests (at most [`START_TIMEOUT_MS`]
    /// from this call; at once if it loaded meanwhile).
    pub async fn ready(self) -> Result<StarkWorker, WorkerError> {
        let _timer = once::fill_after(
            &self.ready,
            START_TIMEOUT_MS,
            Err("the registration worker did not start in time".into()),
        );
        self.ready.wait().await.map_err(WorkerError)?;
        Ok(self.worker)
    }
}

impl StarkWorker {
    /// Starts the worker: the browser loads and compiles it from now on, while
    /// the caller does other work.
    pub fn spawn() -> Result<LoadingWorker, WorkerError> {
        Self::spawn_inner().map_err(WorkerError)
    }

    fn spawn_inner() -> Result<LoadingWorker, String> {
        let url = loader_url()?;
        let worker = web_sys::Worker::new(&url)
            .map_err(|_| "the registration worker could not be started".to_owned())?;
        let pending: Rc<RefCell<HashMap<u32, Once<Reply>>>> = Rc::default();
        let ready: Once<Result<(), String>> = Once::new();

        let (replies, started) = (pending.clone(), ready.clone());
        let on_message = Listener::new(move |event: web_sys::MessageEvent| {
            let data = event.data();
            if Reflect::get(&data, &worker::READY.into()).is_ok_and(|v| v.is_truthy()) {
                started.fill(Ok(()));
                return;
            }
            let Some(id) = Reflect::get(&data, &worker::ID.into())
                .ok()
                .and_then(|v| v.as_f64())
            else {
                return;
            };
            let Some(slot) = replies.borrow_mut().remove(&(id as u32)) else {
                return;
            };
            match Reflect::get(&data, &worker::ERROR.into())
                .ok()
                .and_then(|v| v.as_string())
            {
                Some(error) => slot.fill(Err(error)),
                None => slot.fill(Ok(data)),
            }
        });
        // A worker that fails to load or panics fails every wait at once.
        let (failed, not_started) = (pending.clone(), ready.clone());
        let on_error = ErrorListener::new(move |_event: web_sys::Event| {
            let message = "the registration worker stopped".to_owned();
            not_started.fill(Err(message.clone()));
            for (_, slot) in failed.borrow_mut().drain() {
                slot.fill(Err(message.clone()));
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let worker = StarkWorker {
            worker,
            pending,
            next_id: Cell::new(0),
            _on_message: on_message,
            _on_error: on_error,
        };
        Ok(LoadingWorker { worker, ready })
    }

    /// Derives the Stark key from the wallet's signature of the seed message
    /// and keeps it in the worker; answers the public key.
    pub async fn derive(&self, signature: &str, address: &str) -> Result<String, WorkerError> {
        let reply = self
            .request(&[
                (worker::OP, worker::DERIVE),
                (worker::SIGNATURE, signature),
                (worker::ADDRESS, address),
            ])
            .await
            .map_err(WorkerError)?;
        field(&reply, worker::STARK_KEY).map_err(WorkerError)
    }

    /// Signs a payload hash with the derived key.
    pub async fn sign(&self, hash: &str) -> Result<String, WorkerError> {
        let reply = self
            .request(&[(worker::OP, worker::SIGN), (worker::HASH, hash)])
            .await
            .map_err(WorkerError)?;
        field(&reply, worker::SIGNATURE).map_err(WorkerError)
    }

    async fn request(&self, fields: &[(&str, &str)]) -> Reply {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let message = Object::new();
        let _ = Reflect::set(&message, &worker::ID.into(), &JsValue::from(id));
        for (name, value) in fields {
            let _ = Reflect::set(&message, &(*name).into(), &(*value).into());
        }
        let slot = Once::new();
        self.pending.borrow_mut().insert(id, slot.clone());
        self.worker
            .post_message(&message)
            .map_err(|_| "the registration worker did not take the request".to_owned())?;
        let _timer = once::fill_after(
            &slot,
            REQUEST_TIMEOUT_MS,
            Err("the registration worker did not answer in time".into()),
        );
        let reply = slot.wait().await;
        self.pending.borrow_mut().remove(&id);
        reply
    }
}

impl Drop for StarkWorker {
    fn drop(&mut self) {
        // Ends the worker and the Stark key it holds.
        self.worker.terminate();
    }
}

fn field(reply: &JsValue, name: &str) -> Result<String, String> {
    Reflect::get(reply, &name.into())
        .ok()
        .and_then(|v| v.as_string())
        .ok_or_else(|| format!("the registration worker's answer has no {name}"))
}

/// The loader's URL against the document's base, so a sub-path deploy works.
fn loader_url() -> Result<String, String> {
    let base = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .ok_or_else(|| "the page has no base address".to_owned())?;
    web_sys::Url::new_with_base(LOADER, &base)
        .map(|u| u.href())
        .map_err(|_| "the page's base address is not a URL".to_owned())
}
