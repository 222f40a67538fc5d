//! The cardpointe-rs task runner, run as `cargo xtask <task>` (an alias in `.cargo/config.toml`).
//!
//! * `ci` — exactly what CI runs (see [`ci`]).
//! * `fuzz` — the cargo-fuzz campaigns (see [`fuzz`]).
//! * `bench` — the criterion benches and one table of their figures (see [`mod@bench`]).
//! * `release` — version bump, changelog, CI, packaging, tag, publish (see [`release`]).
//! * `test-node` — the Node.js package built, packed, installed and tested (see [`bindings::node`]).
//! * `test-python` — the Python package: wheel, clean venv, examples, pytest (see
//!   [`bindings::python`]).
//! * `test-kotlin` — the Kotlin bindings of cardpointe-mobile, generated and tested (see
//!   [`bindings::kotlin`]).

mod bench;
mod bindings;
mod ci;
mod cmd;
mod fuzz;
mod lean;
mod msrv;
mod platforms;
mod release;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  ci        run every check CI runs: fmt, clippy, tests (doctests and fuzz corpora included),
            bench build, no_std builds, the non-Linux dependency trees, MSRV, publish
            readiness (licences, READMEs, docs.rs metadata in every .crate), docs
            (--quick: skip bench build and docs)
  fuzz      [TARGET] [--time SECS] [--merge]: run cargo-fuzz targets (nightly + cargo-fuzz);
            --merge folds new coverage back into fuzz/corpus/TARGET
  bench     [BENCH...] [--quick] [--report-only]: run the criterion benches, print one table,
            write benches/RESULTS.md
  release   <patch|minor|major|X.Y.Z> [--execute] [--no-publish] [--skip-ci] [--date YYYY-MM-DD]:
            bump, changelog, ci, package, commit and tag (dry run unless --execute; resumable)
  test-node build the Node.js package from source (napi CLI from npm, dev profile), check its
            index.d.ts, npm pack it, install it into a clean folder, run its tests and examples
  test-python  build the cardpointe wheel (maturin), install it in a clean venv, run its
            examples and pytest suite against the emulator
  test-kotlin
            cardpointe-mobile's Kotlin bindings: generate, compile and run the Kotlin tests
            (installs JNA with apt-get and kotlinc with npm when missing)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("release") => release::run(&args[1..]),
        Some("test-node") => bindings::node::run(&args[1..]),
        Some("test-python") => bindings::python::run(&args[1..]),
        Some("test-kotlin") => bindings::kotlin::run(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown task `{other}`\n\n{USAGE}")),
        None => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
