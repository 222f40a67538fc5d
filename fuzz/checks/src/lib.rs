//! The invariants behind every cardpointe-rs fuzz target.
//!
//! Each cargo-fuzz target in `fuzz/fuzz_targets/NAME.rs` is one line that calls a check from
//! this crate, and `tests/corpora.rs` replays every file of `fuzz/corpus/NAME/` through the same
//! check under plain `cargo test` (stable toolchain, no libFuzzer). A check panics only when an
//! invariant is broken: that panic is the finding.
//!
//! To add a target: write the check in the module of the crate it exercises, list it in
//! [`TARGETS`], add `fuzz/fuzz_targets/NAME.rs` and its `[[bin]]` in `fuzz/Cargo.toml`, and
//! commit a seed corpus in `fuzz/corpus/NAME/`.

pub mod cardsecure;
pub mod emv;
pub mod sim;
pub mod types;
pub mod virtual_reader;
pub mod vp3300;

/// One fuzz target: the name of its binary and corpus directory, and its check.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Target {
    /// The cargo-fuzz binary and the directory under `fuzz/corpus/`.
    pub name: &'static str,
    /// The invariant: returns normally for every input, panics on a finding.
    pub check: fn(&[u8]),
}

/// Every fuzz target of the project.
pub const TARGETS: &[Target] = &[
    Target {
        name: "tlv_walk",
        check: emv::tlv_walk,
    },
    Target {
        name: "tlv_roundtrip",
        check: emv::tlv_roundtrip,
    },
    Target {
        name: "dol",
        check: emv::dol,
    },
    Target {
        name: "frame_stream",
        check: vp3300::frame_stream,
    },
    Target {
        name: "msr_record",
        check: vp3300::msr_record,
    },
    Target {
        name: "transaction",
        check: vp3300::transaction,
    },
    Target {
        name: "connection",
        check: vp3300::connection::connection,
    },
    Target {
        name: "gateway_json",
        check: types::gateway_json,
    },
    Target {
        name: "card_input",
        check: cardsecure::card_input,
    },
    Target {
        name: "body_excerpt",
        check: cardsecure::body_excerpt,
    },
    Target {
        name: "sim_request",
        check: sim::sim_request,
    },
    Target {
        name: "virtual_reader",
        check: virtual_reader::virtual_reader,
    },
];
