//! The sign-in popup window.

use crate::error::PassportError;

/// Popup size, as the Passport SDK uses.
pub const POPUP_WIDTH: i32 = 410;
/// Popup height.
pub const POPUP_HEIGHT: i32 = 450;

/// Opens `url` in a centred popup. Call it synchronously inside the click
/// handler: after an `.await` the browser no longer sees a user gesture.
pub fn open(url: &str) -> Result<web_sys::Window, PassportError> {
    let window = web_sys::window().ok_or_else(|| PassportError::Browser("no window".into()))?;
    let outer =
        |v: Result<wasm_bindgen::JsValue, _>| v.ok().and_then(|v| v.as_f64()).unwrap_or(0.0) as i32;
    let left = outer(window.screen_x()) + (outer(window.outer_width()) - POPUP_WIDTH).max(0) / 2;
    let top = outer(window.screen_y()) + (outer(window.outer_height()) - POPUP_HEIGHT).max(0) / 2;
    let features =
        format!("popup=yes,width={POPUP_WIDTH},height={POPUP_HEIGHT},left={left},top={top}");
    match window.open_with_url_and_target_and_features(url, "passport-sign-in", &features) {
        Ok(Some(popup)) => Ok(popup),
        _ => Err(PassportError::PopupBlocked),
    }
}

/// Opens an empty centred popup, to be navigated once the sign-in URL is
/// built: inside the click, before the on-demand engine has loaded.
#[cfg(feature = "on-demand-engine")]
pub fn open_blank() -> Result<web_sys::Window, PassportError> {
    open("")
}

/// Sends `popup` (opened by [`open_blank`]) to `url`; a popup the user has
/// closed meanwhile counts as closed.
pub fn navigate(popup: web_sys::Window, url: &str) -> Result<web_sys::Window, PassportError> {
    if is_closed(&popup) {
        return Err(PassportError::PopupClosed);
    }
    popup
        .location()
        .set_href(url)
        .map_err(|_| PassportError::Browser("could not open the sign-in page".into()))?;
    Ok(popup)
}

/// Whether the popup was closed (by the user or by itself).
pub fn is_closed(popup: &web_sys::Window) -> bool {
    popup.closed().unwrap_or(true)
}
