use std::cell::RefCell;
use std::rc::Rc;

use imx_crypto::{
    stark_private_key_from_seed, EthAddress, EthSignature, StarkHash, StarkPrivateKey,
};
use js_sys::{Object, Reflect};
use passport_wire::worker;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

/// Installs the message handler and tells the page the worker is ready.
pub fn start() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    // The key of this registration; the worker dies with it.
    let key: Rc<RefCell<Option<StarkPrivateKey>>> = Rc::default();
    let reply_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let data = event.data();
        let id = Reflect::get(&data, &worker::ID.into()).unwrap_or(JsValue::NULL);
        let reply = match handle(&data, &key) {
            Ok((field, value)) => object(&[(worker::ID, id), (field, value.into())]),
            Err(message) => object(&[(worker::ID, id), (worker::ERROR, message.into())]),
        };
        let _ = reply_scope.post_message(&reply);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let _ = scope.post_message(&object(&[(worker::READY, JsValue::TRUE)]));
}

fn text(data: &JsValue, field: &str) -> Result<String, String> {
    Reflect::get(data, &field.into())
        .ok()
        .and_then(|v| v.as_string())
        .ok_or_else(|| format!("the request has no {field}"))
}

fn handle(
    data: &JsValue,
    key: &RefCell<Option<StarkPrivateKey>>,
) -> Result<(&'static str, String), String> {
    match text(data, worker::OP)?.as_str() {
        worker::DERIVE => {
            let signature: EthSignature = text(data, worker::SIGNATURE)?
                .parse()
                .map_err(|e| format!("the wallet's signature is malformed: {e}"))?;
            let address: EthAddress = text(data, worker::ADDRESS)?
                .parse()
                .map_err(|e| format!("the wallet address is malformed: {e}"))?;
            // The SDK's legacy derivation: the signature's s seeds BIP32 on
            // the address's account path, then the key is ground.
            let private = stark_private_key_from_seed(&signature.s, &address);
            let public = private.public_key().to_string();
            *key.borrow_mut() = Some(private);
            Ok((worker::STARK_KEY, public))
        }
        worker::SIGN => {
            let hash: StarkHash = text(data, worker::HASH)?
                .parse()
                .map_err(|e| format!("the payload hash is not a Stark field element: {e}"))?;
            let guard = key.borrow();
            let private = guard.as_ref().ok_or("no Stark key was derived yet")?;
            Ok((worker::SIGNATURE, private.sign(&hash).to_hex()))
        }
        other => Err(format!("unknown operation {other:?}")),
    }
}

fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (name, value) in fields {
        let _ = Reflect::set(&object, &(*name).into(), value);
    }
    object.into()
}
