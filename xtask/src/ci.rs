//! `cargo xtask ci`: every check CI runs, in order, stopping at the first failure.
//!
//! It needs only the stable toolchain (with rustfmt and clippy): no nightly, no hand-installed
//! tools. The fuzz corpora are replayed by `cargo test` through `fuzz/checks`; the cargo-fuzz
//! package itself is only type-checked here.

use std::fs;

use crate::cmd::{cargo_run, run_env, workspace_root};

/// Runs the CI checks. `--quick` skips the bench build and docs (for a fast local loop).
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let quick = args.iter().any(|a| a == "--quick");
    if let Some(bad) = args.iter().find(|a| a.as_str() != "--quick") {
        return Err(format!(
            "ci: unknown option `{bad}` (only --quick is known)"
        ));
    }

    cargo_run(&["fmt", "--all", "--", "--check"])?;
    let fuzz_targets = fuzz_has_targets()?;
    if fuzz_targets {
        cargo_run(&["fmt", "--manifest-path", "fuzz/Cargo.toml", "--", "--check"])?;
    }
    // The reader, the facade and the CLI must build on macOS, Windows, iOS and Android: no
    // Linux-only crate (D-Bus, BlueZ) in their trees for those targets.
    crate::platforms::check()?;
    // The reader's `simulator` feature adds only the light virtual VP3300 (no hyper, clap,
    // toml, rcgen or tokio-rustls); the emulator's command line stays behind its `serve`.
    crate::lean::check()?;
    // The declared rust-version holds for every dependency; every .crate is ready to publish.
    crate::msrv::check()?;
    crate::release::readiness::check(&workspace_root())?;
    cargo_run(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    // The README's test command: unit, integration and doc tests, and the fuzz corpora.
    cargo_run(&["test", "--workspace"])?;
    // The Node.js package from source, packed and installed in a clean folder, its tests run.
    crate::bindings::node::run(&[])?;
    // The Python package from source: wheel, clean venv, examples, pytest (exit 5 fails).
    crate::bindings::python::run(&[])?;
    // cardpointe-mobile's Kotlin bindings generated and run on the JVM (JNA from apt-get, kotlinc
    // from npm, uniffi-bindgen from crates.io), reusing the build of `cargo test --workspace`.
    crate::bindings::kotlin::run(&[])?;
    // Lean configurations that feature unification hides inside the workspace: the BLE-only
    // reader (no `simulator`, so no virtual reader), the emulator with no program parts and
    // the facade with no optional layer.
    cargo_run(&["check", "--package", "cardpointe-reader", "--lib"])?;
    // The emulator's library without `serve`/`toml` (the CLI turns them on in the workspace).
    cargo_run(&["check", "--package", "cardpointe-sim", "--lib"])?;
    cargo_run(&[
        "check",
        "--package",
        "cardpointe",
        "--lib",
        "--no-default-features",
    ])?;
    for krate in no_std_crates()? {
        cargo_run(&["build", "--package", &krate, "--no-default-features"])?;
        if crate_has_feature(&krate, "alloc")? {
            let p = [
                "build",
                "--package",
                &krate,
                "--no-default-features",
                "--features",
                "alloc",
            ];
            cargo_run(&p)?;
        }
    }
    if fuzz_targets {
        cargo_run(&["check", "--manifest-path", "fuzz/Cargo.toml", "--bins"])?;
    }
    if !quick {
        // The benches compile and link in the test profile (what `cargo test` already built):
        // the bench profile (optimised, every dependency built again) would cost minutes on a
        // fresh machine and check nothing more; `cargo xtask bench` runs them for real.
        cargo_run(&[
            "test",
            "--package",
            "cardpointe-benches",
            "--benches",
            "--no-run",
        ])?;
        run_env(
            &crate::cmd::cargo(),
            &["doc", "--workspace", "--no-deps"],
            &[("RUSTDOCFLAGS", "-D warnings")],
        )?;
    }
    println!("\nxtask ci: all checks passed");
    Ok(())
}

/// The crates under `crates/` whose root declares `no_std` (`#![no_std]` or a `cfg_attr` form).
fn no_std_crates() -> Result<Vec<String>, String> {
    let dir = workspace_root().join("crates");
    let mut found = Vec::new();
    let entries = fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let lib = entry.path().join("src").join("lib.rs");
        let Ok(text) = fs::read_to_string(&lib) else {
            continue;
        };
        if text
            .lines()
            .any(|l| l.trim_start().starts_with("#![") && l.contains("no_std"))
        {
            found.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    found.sort();
    Ok(found)
}

/// Whether `crates/<krate>/Cargo.toml` declares `feature` in its `[features]` table.
fn crate_has_feature(krate: &str, feature: &str) -> Result<bool, String> {
    let path = workspace_root()
        .join("crates")
        .join(krate)
        .join("Cargo.toml");
    let text =
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut in_features = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_features = line == "[features]";
        } else if in_features && line.split('=').next().map(str::trim) == Some(feature) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether the cargo-fuzz package declares any target yet (cargo refuses a package with none).
fn fuzz_has_targets() -> Result<bool, String> {
    let path = workspace_root().join("fuzz").join("Cargo.toml");
    let text =
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text.lines().any(|l| l.trim() == "[[bin]]"))
}
