//! How the callback in the popup tells the opener that sign-in finished:
//! `postMessage` to the opener's origin (our own), and a `BroadcastChannel`
//! keyed by state as the fallback when the opener reference is lost.

use std::cell::RefCell;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::once::Once;

/// The `type` of our messages, so other messages on the window are ignored.
pub const MESSAGE_TYPE: &str = "passport-login";

/// The result the popup sends.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginMessage {
    /// Always [`MESSAGE_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The sign-in's state.
    pub state: String,
    /// `None` on success (the user is in storage), otherwise what went wrong.
    pub error: Option<String>,
}

fn channel_name(state: &str) -> String {
    format!("{MESSAGE_TYPE}:{state}")
}

/// Sends the result to the opener (own origin only) and on the broadcast channel.
pub fn send(message: &LoginMessage) {
    let Ok(value) = serde_wasm(message) else {
        return;
    };
    if let Some(window) = web_sys::window() {
        let origin = window.location().origin().unwrap_or_default();
        if let Ok(opener) = window.opener() {
            if let Some(opener) = opener.dyn_ref::<web_sys::Window>() {
                let _ = opener.post_message(&value, &origin);
            }
        }
    }
    if let Ok(channel) = web_sys::BroadcastChannel::new(&channel_name(&message.state)) {
        let _ = channel.post_message(&value);
        channel.close();
    }
}

fn serde_wasm(message: &LoginMessage) -> Result<JsValue, ()> {
    let json = serde_json::to_string(message).map_err(|_| ())?;
    js_sys::JSON::parse(&json).map_err(|_| ())
}

fn parse(value: &JsValue) -> Option<LoginMessage> {
    let json = js_sys::JSON::stringify(value).ok()?.as_string()?;
    if json.len() > 16 * 1024 {
        return None;
    }
    serde_json::from_str::<LoginMessage>(&json)
        .ok()
        .filter(|m| m.kind == MESSAGE_TYPE)
}

/// Listens for the result of one sign-in until dropped.
pub struct ResultListener {
    received: Rc<RefCell<Option<LoginMessage>>>,
    arrived: Once<()>,
    on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    channel: Option<web_sys::BroadcastChannel>,
}

impl ResultListener {
    /// Starts listening for `state`. Messages from other origins or for other
    /// sign-ins are ignored.
    pub fn new(state: &str) -> Self {
        let received = Rc::new(RefCell::new(None));
        let own_origin = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        let expected = state.to_owned();
        let slot = received.clone();
        let arrived = Once::new();
        let notify = arrived.clone();
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                // A BroadcastChannel event has an empty origin and can only come from our origin.
                if !event.origin().is_empty() && event.origin() != own_origin {
                    return;
                }
                if let Some(message) = parse(&event.data()).filter(|m| m.state == expected) {
                    slot.borrow_mut().get_or_insert(message);
                    notify.fill(());
                }
            },
        );
        if let Some(window) = web_sys::window() {
            let _ = window
                .add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
        }
        let channel = web_sys::BroadcastChannel::new(&channel_name(state)).ok();
        if let Some(channel) = &channel {
            channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        }
        ResultListener {
            received,
            arrived,
            on_message,
            channel,
        }
    }

    /// The result, once it arrived.
    pub fn take(&self) -> Option<LoginMessage> {
        self.received.borrow_mut().take()
    }

    /// Filled when the result arrives. Others may fill it too (the popup
    /// closing), to wake the same waiter, which then looks at [`Self::take`].
    pub fn arrived(&self) -> Once<()> {
        self.arrived.clone()
    }
}

impl Drop for ResultListener {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = window.remove_event_listener_with_callback(
                "message",
                self.on_message.as_ref().unchecked_ref(),
            );
        }
        if let Some(channel) = &self.channel {
            channel.set_onmessage(None);
            channel.close();
        }
    }
}
