//! The on-demand engine: the Passport client's code that the first screen
//! does not need, behind the entry points `passport_client`'s front calls
//! (see `engine_wire` in that crate).

fn main() {
    #[cfg(target_arch = "wasm32")]
    passport_client::engine_host::install();
}
