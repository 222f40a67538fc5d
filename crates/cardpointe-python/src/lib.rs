//! # cardpointe-python — the `cardpointe` Python package's native module
//!
//! PyO3 bindings over the `cardpointe` facade and the `cardpointe-sim` emulator, built into the
//! wheel `cardpointe` by maturin (`pyproject.toml` beside this crate; the Python half — the
//! exceptions, the asyncio gateway, the stubs — lives in `python/cardpointe`).
//!
//! Nothing here sends, parses or validates on its own: arguments become the Rust layers'
//! validated values ([`input`]), calls go through `cardpointe::Gateway` and
//! `cardpointe::cardsecure::CardSecure`, answers are the response models' own serialization
//! ([`results`]), errors are mapped onto one Python hierarchy ([`errors`]), and the layers'
//! redacted `tracing` events go to Python's `logging` ([`logging`]).
//!
//! It is tested from Python (pytest, against the in-process emulator over HTTPS) by
//! `cargo xtask test-python`.

// docs.rs (`--cfg docsrs`, nightly) marks each feature-gated item with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod emulator;
pub mod errors;
pub mod gateway;
pub mod input;
pub mod logging;
pub mod outcome;
pub mod results;
mod runtime;

use pyo3::prelude::*;

/// The `cardpointe._native` module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::install();
    m.add_class::<gateway::Gateway>()?;
    m.add_class::<emulator::Emulator>()?;
    m.add_class::<outcome::AuthOutcome>()?;
    m.add_class::<outcome::TokenizeResult>()?;
    m.add_class::<results::AuthResponse>()?;
    m.add_class::<results::CaptureResponse>()?;
    m.add_class::<results::VoidResponse>()?;
    m.add_class::<results::RefundResponse>()?;
    m.add_class::<results::InquireResponse>()?;
    m.add_class::<results::ProfileResponse>()?;
    m.add_class::<results::SigcapResponse>()?;
    m.add_class::<results::FundingResponse>()?;
    m.add_class::<results::SettlementBatch>()?;
    m.add_class::<results::BinInfo>()?;
    Ok(())
}
