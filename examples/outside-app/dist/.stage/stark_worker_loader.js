// Starts the registration worker (crates/stark-worker). The page creates it
// with `new Worker("stark_worker_loader.js")` only when registration starts.
// Trunk builds the worker's glue and wasm without a content hash, next to
// this file; the object form of the init call is wasm-bindgen's current one.
importScripts("./stark_worker.js");
wasm_bindgen({ module_or_path: "./stark_worker_bg.wasm" });
