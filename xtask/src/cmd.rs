//! Running cargo and friends from the workspace root, echoing each command first.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (the parent of `xtask/`).
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The cargo that runs us (so `cargo +nightly xtask` stays on nightly).
pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Runs `program args…` in the workspace root with extra environment, failing on a non-zero exit.
pub(crate) fn run_env(program: &str, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    run_in(&workspace_root(), program, args, env)
}

/// Runs `program args…` in `dir` with extra environment, failing on a non-zero exit.
pub(crate) fn run_in(
    dir: &Path,
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<(), String> {
    let shown: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let prefix = if shown.is_empty() {
        String::new()
    } else {
        format!("{} ", shown.join(" "))
    };
    println!("\n==> {prefix}{program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .status()
        .map_err(|e| format!("could not start `{program}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{prefix}{program} {}` failed ({status})",
            args.join(" ")
        ))
    }
}

/// Runs cargo with `args` in the workspace root.
pub(crate) fn cargo_run(args: &[&str]) -> Result<(), String> {
    run_env(&cargo(), args, &[])
}
