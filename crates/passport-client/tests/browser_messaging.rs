//! Hostile messages to the app's sign-in listener: from another origin, too
//! large, or of the wrong shape. Each is ignored, and the genuine result still
//! gets through afterwards.
#![cfg(target_arch = "wasm32")]

use passport_client::browser::{messaging, time};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn post_own_origin(json: &str) {
    let window = web_sys::window().unwrap();
    let origin = window.location().origin().unwrap();
    window
        .post_message(&js_sys::JSON::parse(json).unwrap(), &origin)
        .unwrap();
}

fn genuine(state: &str) -> String {
    format!(
        r#"{{"type":"{}","state":"{state}","error":null}}"#,
        messaging::MESSAGE_TYPE
    )
}

/// The genuine result still arrives: the listener ignored, rather than died on, what came before.
async fn assert_still_listening(listener: &messaging::ResultListener, state: &str) {
    post_own_origin(&genuine(state));
    time::sleep(50).await;
    assert_eq!(
        listener.take().expect("the genuine result arrives").state,
        state
    );
}

#[wasm_bindgen_test]
async fn a_result_from_another_origin_is_ignored() {
    let listener = messaging::ResultListener::new("cross-origin");
    // A sandboxed frame has an opaque origin ("null"), like any foreign page.
    let document = web_sys::window().unwrap().document().unwrap();
    let frame = document.create_element("iframe").unwrap();
    frame.set_attribute("sandbox", "allow-scripts").unwrap();
    frame
        .set_attribute(
            "srcdoc",
            &format!(
                "<script>parent.postMessage({}, '*')</script>",
                genuine("cross-origin")
            ),
        )
        .unwrap();
    document.body().unwrap().append_child(&frame).unwrap();
    time::sleep(300).await;
    frame.unchecked_ref::<web_sys::Element>().remove();
    assert!(
        listener.take().is_none(),
        "a foreign origin cannot finish our sign-in"
    );
    assert_still_listening(&listener, "cross-origin").await;
}

#[wasm_bindgen_test]
async fn an_oversized_result_is_ignored() {
    let listener = messaging::ResultListener::new("oversized");
    let error = "x".repeat(20 * 1024);
    post_own_origin(&format!(
        r#"{{"type":"{}","state":"oversized","error":"{error}"}}"#,
        messaging::MESSAGE_TYPE
    ));
    time::sleep(50).await;
    assert!(listener.take().is_none());
    assert_still_listening(&listener, "oversized").await;
}

#[wasm_bindgen_test]
async fn results_of_the_wrong_shape_are_ignored() {
    let listener = messaging::ResultListener::new("shape");
    let kind = messaging::MESSAGE_TYPE;
    for bad in [
        format!(r#"{{"type":"{kind}","state":42,"error":null}}"#),
        format!(r#"{{"type":"{kind}","error":null}}"#),
        format!(r#"{{"type":"{kind}","state":"shape","error":{{"nested":true}}}}"#),
        r#"["passport-login","shape"]"#.to_owned(),
        r#""shape""#.to_owned(),
        "null".to_owned(),
    ] {
        post_own_origin(&bad);
    }
    time::sleep(50).await;
    assert!(listener.take().is_none());
    assert_still_listening(&listener, "shape").await;
}
