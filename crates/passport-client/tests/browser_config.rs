//! Browser-side configuration loading, in headless Chromium.
#![cfg(target_arch = "wasm32")]

use passport_client::browser::config_file::load_config;
use passport_client::browser::page::{app_url, page_location};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn page_location_is_the_window_origin_and_a_directory_base() {
    let page = page_location();
    assert_eq!(
        page.origin,
        web_sys::window().unwrap().location().origin().unwrap()
    );
    assert!(
        page.base_path.starts_with('/') && page.base_path.ends_with('/'),
        "{}",
        page.base_path
    );
    assert!(app_url("config.json").starts_with(&page.origin));
    assert!(app_url("/config.json").ends_with(&format!("{}config.json", page.base_path)));
}

#[wasm_bindgen_test]
async fn a_missing_config_file_is_a_clear_error_naming_the_file() {
    // The test runner serves no config.json, exactly like a deploy that forgot it.
    let err = load_config().await.unwrap_err();
    assert_eq!(err.file, "config.json");
    assert!(err.field.is_none());
    assert!(err.message.contains("HTTP 404"), "{}", err.message);
    assert!(
        err.message.contains("next to index.html"),
        "{}",
        err.message
    );
}
