//! # cardpointe-node — the Node.js server toolkit of cardpointe-rs
//!
//! The npm package `@cardpointe-rs/cardpointe`: the CardPointe Gateway client of the
//! `cardpointe` facade (typed results, declines as values, payment-safe `auth` with recovery of
//! lost answers, redacted errors, verified TLS) and the `cardpointe-sim` emulator, as a
//! napi-rs addon with Promise-based methods and generated TypeScript definitions.
//!
//! The bindings convert values and nothing more: requests are built by the Rust models'
//! constructors and parsers, sent by the facade through the transport's one send path, and
//! answers come back through the models' serde form. See `README.md` beside this crate for
//! the JavaScript API, and `__test__/` for its `node --test` suite.
//!
//! - [`Gateway`](gateway::Gateway): every facade operation as a Promise.
//! - [`Emulator`](emulator::Emulator): the emulator in process, for test suites.
//! - Failures reject with an `Error` carrying a stable `code` and `kind` ([`error`]).
//!
//! The addon loads Node-API's symbols at run time (`dyn-symbols`), so the workspace builds
//! and lints it without Node headers; `cargo xtask test-node` builds it with the napi CLI and
//! runs the JavaScript tests.

pub mod emulator;
pub mod error;
pub mod gateway;
pub mod input;
pub mod results;
