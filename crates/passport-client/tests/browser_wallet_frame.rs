//! The wallet frame transport in headless Chromium: replies are matched by id
//! and accepted only from the wallet frame, with a timeout.
#![cfg(target_arch = "wasm32")]

use passport_client::browser::time;
use passport_client::browser::wallet_frame::{WalletError, WalletFrame};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A stand-in wallet: answers `echo`, answers `mismatch` with the wrong id,
/// never answers `silent`. Served from a blob: URL, so its origin is the test page's.
const FAKE_WALLET: &str = r#"<script>
parent.postMessage({type:'passport-wallet', event:'ready'}, location.origin);
addEventListener('message', (e) => {
  const r = e.data;
  if (r.method === 'echo') parent.postMessage({type:'passport-wallet', id:r.id, result:{echo:r.params.value}}, e.origin);
  if (r.method === 'mismatch') parent.postMessage({type:'passport-wallet', id:r.id + '-other', result:{echo:'wrong'}}, e.origin);
  if (r.method === 'leak-id') parent.postMessage({type:'leak', id:r.id}, e.origin);
  if (r.method === 'fail') parent.postMessage({type:'passport-wallet', id:r.id, error:{code:'nope', message:'refused'}}, e.origin);
});
</script>"#;

fn fake_wallet() -> WalletFrame {
    let parts = js_sys::Array::of1(&JsValue::from_str(FAKE_WALLET));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/html");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).unwrap();
    let url = web_sys::Url::create_object_url_with_blob(&blob).unwrap();
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    WalletFrame::new(&url, &origin)
}

#[wasm_bindgen_test]
async fn a_reply_with_the_matching_id_from_the_frame_is_accepted() {
    let frame = fake_wallet();
    let result = frame.request("echo", &[("value", "hi")]).await.unwrap();
    assert_eq!(result.string("echo").as_deref(), Some("hi"));
    let err = frame.request("fail", &[]).await.unwrap_err();
    assert_eq!(
        err,
        WalletError::Wallet {
            code: "nope".into(),
            message: "refused".into()
        }
    );
}

#[wasm_bindgen_test]
async fn unmatched_ids_are_ignored_and_the_request_times_out() {
    let frame = fake_wallet();
    frame.set_request_timeout_ms(300.0);
    let err = frame.request("mismatch", &[]).await.unwrap_err();
    assert_eq!(err, WalletError::Timeout);
    let err = frame.request("silent", &[]).await.unwrap_err();
    assert_eq!(err, WalletError::Timeout);
}

#[wasm_bindgen_test]
async fn replies_not_from_the_wallet_frame_are_ignored_even_with_the_right_id() {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let frame = fake_wallet();
    frame.set_request_timeout_ms(500.0);
    // The fake wallet leaks the request id instead of answering; this page then
    // forges a reply with that exact id, from the right origin but not from the
    // frame's window. It must not be accepted.
    let window = web_sys::window().unwrap();
    let origin = window.location().origin().unwrap();
    let forger_window = window.clone();
    let forger =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let data = event.data();
            let kind = js_sys::Reflect::get(&data, &"type".into())
                .ok()
                .and_then(|v| v.as_string());
            if kind.as_deref() == Some("leak") {
                let id = js_sys::Reflect::get(&data, &"id".into())
                    .unwrap()
                    .as_string()
                    .unwrap();
                let reply = js_sys::JSON::parse(&format!(
                    r#"{{"type":"passport-wallet","id":"{id}","result":{{"echo":"forged"}}}}"#
                ))
                .unwrap();
                forger_window.post_message(&reply, &origin).unwrap();
            }
        });
    window
        .add_event_listener_with_callback("message", forger.as_ref().unchecked_ref())
        .unwrap();
    let err = frame.request("leak-id", &[]).await.unwrap_err();
    window
        .remove_event_listener_with_callback("message", forger.as_ref().unchecked_ref())
        .unwrap();
    assert_eq!(
        err,
        WalletError::Timeout,
        "the forged reply with the right id was ignored"
    );
}

#[wasm_bindgen_test]
async fn a_removed_frame_fails_the_request_in_flight_and_comes_back_for_the_next() {
    let frame = fake_wallet();
    frame.request("echo", &[("value", "up")]).await.unwrap();
    let pending = frame.request("silent", &[]);
    let remover = frame.element().unwrap();
    gloo_timers::callback::Timeout::new(50, move || remover.remove()).forget();
    assert_eq!(pending.await.unwrap_err(), WalletError::FrameRemoved);
    time::sleep(10).await;
    let result = frame.request("echo", &[("value", "again")]).await.unwrap();
    assert_eq!(result.string("echo").as_deref(), Some("again"));
    assert!(frame.element().unwrap().is_connected());
}
