//! Loads the on-demand engine (`crates/passport-engine`): its script and
//! wasm, named with a content hash in `<script data-engine>` (the build's
//! `scripts/hash-engine.sh` writes it), so a page only ever loads the engine
//! built with it. Loaded once per page, when first needed or at idle time
//! after the first screen; a failed load is forgotten, so the next call
//! tries again.

use std::cell::RefCell;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::once::Once;
use super::page::app_url;
use crate::engine_wire::ENGINE_GLOBAL;

type Loaded = Result<JsValue, String>;

/// boot.js's `import()`, as a function the engine's loader can call.
const IMPORT: &str = "__passportImport";

enum State {
    Idle,
    /// Loading; the callers waiting for it.
    Loading(Vec<Once<Loaded>>),
    /// The engine's entry points.
    Ready(JsValue),
}

thread_local! {
    static STATE: RefCell<State> = const { RefCell::new(State::Idle) };
}

/// Whether the engine is loaded.
pub fn is_ready() -> bool {
    STATE.with_borrow(|s| matches!(s, State::Ready(_)))
}

/// The engine's entry points (`start`, `call`), loading them first if needed.
/// The error says what failed, for the user.
pub async fn api() -> Loaded {
    let waiter = STATE.with_borrow_mut(|state| match state {
        State::Ready(api) => Err(api.clone()),
        State::Loading(waiting) => {
            let once = Once::new();
            waiting.push(once.clone());
            Ok(Some(once))
        }
        State::Idle => {
            *state = State::Loading(Vec::new());
            Ok(None)
        }
    });
    match waiter {
        Err(api) => Ok(api),
        Ok(Some(once)) => once.wait().await,
        Ok(None) => {
            let loaded = load().await;
            let waiting = STATE.with_borrow_mut(|state| {
                let next = match &loaded {
                    Ok(api) => State::Ready(api.clone()),
                    Err(_) => State::Idle,
                };
                match std::mem::replace(state, next) {
                    State::Loading(waiting) => waiting,
                    _ => Vec::new(),
                }
            });
            for once in waiting {
                once.fill(loaded.clone());
            }
            loaded
        }
    }
}

/// Loads the engine when the browser is idle (`requestIdleCallback`, or a
/// second from now where there is none), so that a click rarely waits for
/// it. A failure here is silent: the click tries again and says so.
pub fn prefetch() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let run = Closure::once_into_js(|| {
        wasm_bindgen_futures::spawn_local(async {
            let _ = api().await;
        })
    });
    let idle = Reflect::get(&window, &"requestIdleCallback".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok());
    match idle {
        Some(idle) => {
            let options = Object::new();
            let _ = Reflect::set(&options, &"timeout".into(), &5_000.into());
            let _ = idle.call2(&window, &run, &options);
        }
        None => {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                run.unchecked_ref(),
                1_000,
            );
        }
    }
}

async fn load() -> Loaded {
    let global = js_sys::global();
    if let Some(api) = entry_points(&global) {
        return Ok(api);
    }
    let name = engine_name().ok_or(
        "this page does not name the Passport engine (index.html needs the engine's \
         trunk link and scripts/hash-engine.sh as a post-build hook)",
    )?;
    // `import()` is syntax, not a function: boot.js (a module) lends it.
    let import = Reflect::get(&global, &IMPORT.into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or("boot.js did not provide import()")?;
    let script = app_url(&format!("{name}.js"));
    let module = call_promise(&import, &script.clone().into())
        .await
        .map_err(|()| {
            format!(
                "its file {script} did not load (offline, missing, or refused by the \
                 page's Content-Security-Policy)"
            )
        })?;
    let init = Reflect::get(&module, &"default".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| format!("{script} is not the Passport engine"))?;
    let wasm = app_url(&format!("{name}_bg.wasm"));
    let options = Object::new();
    let _ = Reflect::set(&options, &"module_or_path".into(), &wasm.clone().into());
    call_promise(&init, &options)
        .await
        .map_err(|()| format!("its file {wasm} did not load or compile"))?;
    entry_points(&global).ok_or_else(|| "the engine started without its entry points".into())
}

/// Calls `f(arg)` and waits for the promise it returns.
async fn call_promise(f: &Function, arg: &JsValue) -> Result<JsValue, ()> {
    let promise = f
        .call1(&JsValue::NULL, arg)
        .ok()
        .and_then(|p| p.dyn_into::<Promise>().ok())
        .ok_or(())?;
    JsFuture::from(promise).await.map_err(|_| ())
}

fn entry_points(global: &Object) -> Option<JsValue> {
    Reflect::get(global, &ENGINE_GLOBAL.into())
        .ok()
        .filter(|api| api.is_object())
}

/// The engine's file name without extension, e.g. `passport_engine-1a2b…`.
fn engine_name() -> Option<String> {
    let document = web_sys::window()?.document()?;
    let tag = document.query_selector("script[data-engine]").ok()??;
    tag.get_attribute("data-engine").filter(|n| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    })
}
