//! The engine's side of the on-demand split: the one-module client
//! ([`Passport`], [`ImxProvider`]) behind two JS entry points on a global,
//! for the app's module to call once it has loaded this one
//! (`crates/passport-engine` is the binary; `engine_wire` the contract).
//!
//! `start(startJson, onEvent)` builds the client for the page's configuration
//! and sends every session event of this tab to `onEvent` as JSON;
//! `call(callJson, window, onStep)` runs one call and resolves with the
//! reply's JSON (never rejects: a failure is a typed error in the reply).

use std::cell::RefCell;

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::browser::subscription::SessionSubscription;
use crate::engine_wire::{Answer, Call, Reply, Start, WireEvent, WireUser, ENGINE_GLOBAL};
use crate::error::PassportError;
use crate::imx::ImxProvider;
use crate::login::CallbackOutcome;
use crate::session::EventSource;
use crate::Passport;

/// The client of this page, once started.
struct Engine {
    passport: Passport,
    /// Shared by every registration call, so a second one joins the first.
    imx: ImxProvider,
    _events: SessionSubscription,
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

/// Puts `start` and `call` on the global object.
pub fn install() {
    let start = Closure::<dyn Fn(String, Function) -> Result<(), JsValue>>::new(start);
    let call = Closure::<dyn Fn(String, JsValue, JsValue) -> js_sys::Promise>::new(
        |call: String, window: JsValue, on_step: JsValue| {
            wasm_bindgen_futures::future_to_promise(async move {
                let reply = run(&call, window, on_step).await;
                let json = serde_json::to_string(&reply)
                    .unwrap_or_else(|_| r#"{"Err":{"Browser":"the engine's reply"}}"#.into());
                Ok(JsValue::from_str(&json))
            })
        },
    );
    let api = Object::new();
    let _ = Reflect::set(&api, &"start".into(), start.as_ref());
    let _ = Reflect::set(&api, &"call".into(), call.as_ref());
    // The entry points live as long as the page.
    start.forget();
    call.forget();
    let _ = Reflect::set(&js_sys::global(), &ENGINE_GLOBAL.into(), &api);
}

fn start(start: String, on_event: Function) -> Result<(), JsValue> {
    let Start { config } =
        serde_json::from_str(&start).map_err(|e| JsValue::from_str(&e.to_string()))?;
    ENGINE.with_borrow_mut(|engine| {
        if engine.is_some() {
            return;
        }
        let passport = Passport::new(config);
        // Only this tab's events: the front hears other tabs' from storage.
        let events = passport.subscribe(move |event, source| {
            if source == EventSource::ThisTab {
                if let Ok(json) = serde_json::to_string(&WireEvent::from(event)) {
                    let _ = on_event.call1(&JsValue::NULL, &json.into());
                }
            }
        });
        *engine = Some(Engine {
            imx: ImxProvider::new(passport.clone()),
            passport,
            _events: events,
        });
    });
    Ok(())
}

async fn run(call: &str, window: JsValue, on_step: JsValue) -> Reply {
    let call: Call = serde_json::from_str(call)
        // Not serde's message: it can quote the call, a user's tokens included.
        .map_err(|_| PassportError::Browser("the engine was called wrongly".into()))?;
    let (passport, imx) = ENGINE
        .with_borrow(|e| e.as_ref().map(|e| (e.passport.clone(), e.imx.clone())))
        .ok_or_else(|| PassportError::Browser("the engine was called before it started".into()))?;
    let user = |user: Option<crate::User>| Answer::User(user.as_ref().map(WireUser::from));
    match call {
        Call::LoginInWindow { options } => {
            // Another browsing context's window is no `instanceof Window`
            // here: only its presence is checked.
            if !window.is_object() {
                return Err(PassportError::PopupBlocked);
            }
            let window = window.unchecked_into::<web_sys::Window>();
            passport
                .login_in_window(window, options)
                .await
                .map(|u| user(Some(u)))
        }
        Call::LoginWithRedirect => passport.login_with_redirect().await.map(|()| Answer::Done),
        Call::Callback => passport
            .login_callback()
            .await
            .map(|outcome| match outcome {
                CallbackOutcome::Popup => Answer::Callback(None),
                CallbackOutcome::Redirect(u) => Answer::Callback(Some((&u).into())),
            }),
        Call::Restore => passport.restore().await.map(user),
        Call::Renew => passport.renew_session().await.map(user),
        Call::EndSession { user } => {
            let user = user.map(|u| u.user()).transpose()?;
            passport.end_session(user).await.map(|()| Answer::Done)
        }
        Call::Register => {
            let report = move |step| {
                if let (Some(f), Ok(json)) =
                    (on_step.dyn_ref::<Function>(), serde_json::to_string(&step))
                {
                    let _ = f.call1(&JsValue::NULL, &json.into());
                }
            };
            imx.register_offchain(report).await.map(Answer::Registered)
        }
    }
}
