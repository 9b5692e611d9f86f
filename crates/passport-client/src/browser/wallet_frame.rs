//! The wallet iframe and its request/reply transport.
//!
//! Requests go to the wallet origin only; replies are accepted only from that
//! origin and from our frame's window, matched to their request by id, with a
//! timeout. If something removes the frame, a MutationObserver notices: a
//! request in flight fails with a retryable error and the next request
//! re-creates the frame. Waits wake on the event that ends them (the reply,
//! the frame's `ready`, the timeout or the removal), never on a polling timer.
//! Messages stay JavaScript objects (what `postMessage` carries); the few
//! string fields are read directly, with no JSON round trip through Rust.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::once::{self, Once};

/// The `type` of wallet messages.
pub const WALLET_MESSAGE_TYPE: &str = "passport-wallet";
/// How long the frame may take to start.
pub const READY_TIMEOUT_MS: f64 = 10_000.0;
/// How long one request may take.
pub const REQUEST_TIMEOUT_MS: f64 = 15_000.0;
/// Larger replies are ignored.
pub const MAX_REPLY_BYTES: usize = 64 * 1024;

/// Why a wallet request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalletError {
    /// The frame did not start in time.
    #[error("the wallet did not start; check your network connection and try again")]
    NotStarted,
    /// No reply in time.
    #[error("the wallet did not answer in time")]
    Timeout,
    /// The frame was removed from the page while the request was in flight.
    #[error("the wallet frame was removed from the page; try again")]
    FrameRemoved,
    /// The wallet answered with an error.
    #[error("{message}")]
    Wallet {
        /// The wallet's code.
        code: String,
        /// The wallet's message.
        message: String,
    },
    /// The page cannot host the frame.
    #[error("the wallet frame could not be created: {0}")]
    Unavailable(String),
}

type Slot = Once<Result<WalletResult, WalletError>>;
type Started = Once<Result<(), WalletError>>;
type MessageListener = Closure<dyn FnMut(web_sys::MessageEvent)>;
type RemovalWatch = (web_sys::MutationObserver, Closure<dyn FnMut()>);

struct Inner {
    frame_url: String,
    origin: String,
    frame: RefCell<Option<web_sys::HtmlIFrameElement>>,
    ready: Cell<bool>,
    /// Requests waiting for the frame to announce it is ready.
    starting: RefCell<Vec<Started>>,
    pending: RefCell<HashMap<String, Slot>>,
    next_id: Cell<u64>,
    request_timeout_ms: Cell<f64>,
    on_message: RefCell<Option<MessageListener>>,
    observer: RefCell<Option<RemovalWatch>>,
}

/// A wallet's answer: the `result` object of its reply.
#[derive(Debug, Clone)]
pub struct WalletResult(JsValue);

impl WalletResult {
    /// The string field `name` of the result, if it has one.
    pub fn string(&self, name: &str) -> Option<String> {
        string_field(&self.0, name)
    }
}

fn string_field(object: &JsValue, name: &str) -> Option<String> {
    if !object.is_object() {
        return None;
    }
    js_sys::Reflect::get(object, &JsValue::from_str(name))
        .ok()?
        .as_string()
}

/// The wallet frame. Cheap to clone.
#[derive(Clone)]
pub struct WalletFrame {
    inner: Rc<Inner>,
}

impl WalletFrame {
    /// Appends the (hidden) frame now, without waiting for it to start.
    pub fn new(frame_url: &str, origin: &str) -> Self {
        let frame = WalletFrame {
            inner: Rc::new(Inner {
                frame_url: frame_url.to_owned(),
                origin: origin.to_owned(),
                frame: RefCell::new(None),
                ready: Cell::new(false),
                starting: RefCell::new(Vec::new()),
                pending: RefCell::new(HashMap::new()),
                next_id: Cell::new(0),
                request_timeout_ms: Cell::new(REQUEST_TIMEOUT_MS),
                on_message: RefCell::new(None),
                observer: RefCell::new(None),
            }),
        };
        frame.listen();
        let _ = frame.ensure_frame();
        frame
    }

    /// Changes how long one request may take (the default is [`REQUEST_TIMEOUT_MS`]).
    pub fn set_request_timeout_ms(&self, ms: f64) {
        self.inner.request_timeout_ms.set(ms);
    }

    /// The frame element, if it is on the page.
    pub fn element(&self) -> Option<web_sys::HtmlIFrameElement> {
        self.inner.frame.borrow().clone()
    }

    fn listen(&self) {
        let weak = Rc::downgrade(&self.inner);
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                if let Some(inner) = weak.upgrade() {
                    handle_message(&inner, &event);
                }
            },
        );
        if let Some(window) = web_sys::window() {
            let _ = window
                .add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
        }
        *self.inner.on_message.borrow_mut() = Some(on_message);

        let weak = Rc::downgrade(&self.inner);
        let on_mutation = Closure::<dyn FnMut()>::new(move || {
            if let Some(inner) = weak.upgrade() {
                check_removed(&inner);
            }
        });
        if let (Ok(observer), Some(body)) = (
            web_sys::MutationObserver::new(on_mutation.as_ref().unchecked_ref()),
            web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.body()),
        ) {
            let options = web_sys::MutationObserverInit::new();
            options.set_child_list(true);
            options.set_subtree(true);
            let _ = observer.observe_with_options(&body, &options);
            *self.inner.observer.borrow_mut() = Some((observer, on_mutation));
        }
    }

    fn ensure_frame(&self) -> Result<web_sys::HtmlIFrameElement, WalletError> {
        if let Some(frame) = self
            .inner
            .frame
            .borrow()
            .as_ref()
            .filter(|f| f.is_connected())
        {
            return Ok(frame.clone());
        }
        let document = web_sys::window()
            .and_then(|w| w.document())
            .ok_or_else(|| WalletError::Unavailable("no document".into()))?;
        let frame: web_sys::HtmlIFrameElement = document
            .create_element("iframe")
            .map_err(|_| WalletError::Unavailable("no iframe".into()))?
            .unchecked_into();
        frame.set_src(&self.inner.frame_url);
        frame.set_title("Passport wallet");
        let _ = frame.set_attribute("hidden", "");
        let _ = frame.set_attribute("aria-hidden", "true");
        let _ = frame.set_attribute("data-passport-wallet", "");
        self.inner.ready.set(false);
        let body = document
            .body()
            .ok_or_else(|| WalletError::Unavailable("no body".into()))?;
        body.append_child(&frame)
            .map_err(|_| WalletError::Unavailable("could not append".into()))?;
        *self.inner.frame.borrow_mut() = Some(frame.clone());
        Ok(frame)
    }

    /// Sends one request, `params` being its string fields, and waits for its reply.
    pub async fn request(
        &self,
        method: &str,
        params: &[(&str, &str)],
    ) -> Result<WalletResult, WalletError> {
        let frame = self.ensure_frame()?;
        if !self.inner.ready.get() {
            let started = Started::new();
            self.inner.starting.borrow_mut().push(started.clone());
            let _timeout =
                once::fill_after(&started, READY_TIMEOUT_MS, Err(WalletError::NotStarted));
            started.wait().await?;
        }
        let id = format!(
            "{}-{}",
            self.inner.next_id.get(),
            js_sys::Math::random().to_bits()
        );
        self.inner.next_id.set(self.inner.next_id.get() + 1);
        let reply = Slot::new();
        self.inner
            .pending
            .borrow_mut()
            .insert(id.clone(), reply.clone());
        let value = object(&[
            ("type", WALLET_MESSAGE_TYPE),
            ("id", &id),
            ("method", method),
        ]);
        set(&value, "params", &object(params));
        let Some(target) = frame.content_window() else {
            self.inner.pending.borrow_mut().remove(&id);
            return Err(WalletError::FrameRemoved);
        };
        // Only the wallet origin may read the request.
        if target.post_message(&value, &self.inner.origin).is_err() {
            self.inner.pending.borrow_mut().remove(&id);
            return Err(WalletError::Unavailable("postMessage failed".into()));
        }
        let _timeout = once::fill_after(
            &reply,
            self.inner.request_timeout_ms.get(),
            Err(WalletError::Timeout),
        );
        let result = reply.wait().await;
        self.inner.pending.borrow_mut().remove(&id);
        result
    }
}

fn handle_message(inner: &Inner, event: &web_sys::MessageEvent) {
    if event.origin() != inner.origin {
        return;
    }
    let from_our_frame = match (
        event.source(),
        inner
            .frame
            .borrow()
            .as_ref()
            .and_then(|f| f.content_window()),
    ) {
        (Some(source), Some(window)) => js_sys::Object::is(&source, &window),
        _ => false,
    };
    if !from_our_frame {
        return;
    }
    let reply = event.data();
    let too_large = js_sys::JSON::stringify(&reply)
        .ok()
        .and_then(|s| s.as_string())
        .is_none_or(|json| json.len() > MAX_REPLY_BYTES);
    if too_large || string_field(&reply, "type").as_deref() != Some(WALLET_MESSAGE_TYPE) {
        return;
    }
    if string_field(&reply, "event").as_deref() == Some("ready") {
        inner.ready.set(true);
        let starting: Vec<Started> = inner.starting.borrow_mut().drain(..).collect();
        for started in starting {
            started.fill(Ok(()));
        }
        return;
    }
    let Some(id) = string_field(&reply, "id") else {
        return;
    };
    let Some(slot) = inner.pending.borrow().get(&id).cloned() else {
        return;
    };
    let field = |name: &str| js_sys::Reflect::get(&reply, &JsValue::from_str(name)).ok();
    let error = field("error").filter(|e| !e.is_null() && !e.is_undefined());
    let result = match error {
        Some(error) => Err(WalletError::Wallet {
            code: string_field(&error, "code").unwrap_or_else(|| "wallet_error".into()),
            message: string_field(&error, "message")
                .unwrap_or_else(|| "the wallet reported an error".into()),
        }),
        None => Ok(WalletResult(field("result").unwrap_or(JsValue::NULL))),
    };
    slot.fill(result);
}

/// A plain object of string fields.
fn object(fields: &[(&str, &str)]) -> JsValue {
    let object = js_sys::Object::new();
    for (name, value) in fields {
        set(&object, name, &JsValue::from_str(value));
    }
    object.into()
}

fn set(object: &JsValue, name: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(object, &JsValue::from_str(name), value);
}

fn check_removed(inner: &Inner) {
    let removed = inner
        .frame
        .borrow()
        .as_ref()
        .is_some_and(|f| !f.is_connected());
    if removed {
        inner.ready.set(false);
        *inner.frame.borrow_mut() = None;
        let starting: Vec<Started> = inner.starting.borrow_mut().drain(..).collect();
        for started in starting {
            started.fill(Err(WalletError::FrameRemoved));
        }
        let pending: Vec<Slot> = inner.pending.borrow().values().cloned().collect();
        for slot in pending {
            slot.fill(Err(WalletError::FrameRemoved));
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let (Some(window), Some(listener)) =
            (web_sys::window(), self.on_message.borrow().as_ref())
        {
            let _ = window
                .remove_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
        }
        if let Some((observer, _)) = self.observer.borrow().as_ref() {
            observer.disconnect();
        }
        if let Some(frame) = self.frame.borrow().as_ref() {
            frame.remove();
        }
    }
}
