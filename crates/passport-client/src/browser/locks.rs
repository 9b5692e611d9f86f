//! Web Locks: one refresh at a time across every tab of this origin.
//!
//! web-sys exposes `LockManager` only behind unstable APIs, so the one call we
//! need is bound here. Where Web Locks are missing, the work runs unlocked.

use std::future::Future;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    type LockManager;

    #[wasm_bindgen(method, catch)]
    fn request(this: &LockManager, name: &str, callback: &Function) -> Result<Promise, JsValue>;
}

fn lock_manager() -> Option<LockManager> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &"locks".into()).ok()?;
    (!locks.is_undefined() && !locks.is_null()).then(|| locks.unchecked_into())
}

/// A promise and the function that resolves it.
fn deferred() -> (Promise, Function) {
    let mut resolve_fn = None;
    let promise = Promise::new(&mut |resolve, _reject| resolve_fn = Some(resolve));
    (
        promise,
        resolve_fn.expect("the Promise executor runs synchronously"),
    )
}

/// Runs `work` while holding the exclusive lock `name`.
pub async fn with_lock<F, T>(name: &str, work: F) -> T
where
    F: Future<Output = T>,
{
    let Some(locks) = lock_manager() else {
        return work.await;
    };
    let (acquired, signal_acquired) = deferred();
    let (released, release) = deferred();
    // The lock is held until the promise the callback returns settles.
    let callback = Closure::once_into_js(move |_lock: JsValue| -> Promise {
        let _ = signal_acquired.call0(&JsValue::NULL);
        released
    });
    let request = match locks.request(name, callback.unchecked_ref()) {
        Ok(promise) => promise,
        Err(_) => return work.await,
    };
    let _ = JsFuture::from(acquired).await;
    let result = work.await;
    let _ = release.call0(&JsValue::NULL);
    let _ = JsFuture::from(request).await;
    result
}
