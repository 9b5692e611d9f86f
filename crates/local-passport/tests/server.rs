//! The server's suites as one test binary: each file is a suite of its own
//! (and starts its servers through `support`), run side by side.

// Each suite declares `mod support;` itself, as it did as a binary of its
// own: the support module is compiled once per suite.
#![allow(clippy::duplicate_mod)]

mod support;

#[path = "admin.rs"]
mod admin;
#[path = "embedded_prompt.rs"]
mod embedded_prompt;
#[path = "fuzz.rs"]
mod fuzz;
#[path = "hostile.rs"]
mod hostile;
#[path = "idp.rs"]
mod idp;
#[path = "imx.rs"]
mod imx;
#[path = "oneshot.rs"]
mod oneshot;
#[path = "persistence.rs"]
mod persistence;
#[path = "security.rs"]
mod security;
#[path = "shapes.rs"]
mod shapes;
#[path = "tee_express.rs"]
mod tee_express;
#[path = "tls.rs"]
mod tls;
