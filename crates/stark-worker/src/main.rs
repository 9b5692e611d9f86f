//! The registration worker: derives the user's IMX Stark key from the wallet's
//! signature of the seed message and signs the registration payload with it.
//!
//! It runs in its own Web Worker, loaded only when registration starts: the
//! curve maths stays out of the bundle every visitor downloads, and the key
//! grinding does not block the page. The private key exists only in this
//! worker's memory, from `derive` until the page terminates the worker at the
//! end of the registration; it is never posted back, stored or logged.
//!
//! Messages (plain objects): `{id, op: "derive", signature, address}` answers
//! `{id, stark_key}`; `{id, op: "sign", hash}` answers `{id, signature}`; any
//! failure answers `{id, error}`. The worker posts `{ready: true}` once its
//! handler is installed, since messages sent before that would be lost.

#[cfg(target_arch = "wasm32")]
mod worker;

fn main() {
    #[cfg(target_arch = "wasm32")]
    worker::start();
}
