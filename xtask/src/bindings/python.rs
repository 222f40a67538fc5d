//! `cargo xtask test-python`: builds the `cardpointe` wheel from source and tests it as a user
//! gets it.
//!
//! 1. A build venv under the target directory (`python/venv-build`) with maturin and pytest
//!    from PyPI (`pip install`; nothing is installed by hand).
//! 2. `maturin build --profile dev`: the workspace's debug build of the dependencies is reused,
//!    so only pyo3 and the binding crate compile on a machine that has run `cargo test`.
//! 3. A **clean** venv (`python/venv-test`, made anew each run) that gets only the wheel and
//!    pytest: the package must work without the source tree.
//! 4. The Rust reference flow (`cargo run -p cardpointe --example ledger_flow`) writes the
//!    emulator ledger the Python flow must reproduce (`CARDPOINTE_LEDGER_REFERENCE`).
//! 5. Every example in `crates/cardpointe-python/examples/` runs against the in-process
//!    emulator (the `CARDPOINTE_*` connection variables are removed), then pytest runs; its
//!    exit status 5 (no test collected) fails the step like any other failure.
//!
//! Needs `python3` (3.9 or later) with `venv`; on a CI machine (`CI` set) whose Python lacks
//! `ensurepip`, `python3-venv` is installed with apt-get first.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::cmd::{cargo, run_env, workspace_root};

/// The `CARDPOINTE_*` variables that would point the examples at a real site.
const CONNECTION_VARIABLES: &[&str] = &[
    "CARDPOINTE_SITE",
    "CARDPOINTE_BASE_URL",
    "CARDPOINTE_MERCHID",
    "CARDPOINTE_USERNAME",
    "CARDPOINTE_PASSWORD",
    "CARDPOINTE_CA_CERT",
    "CARDPOINTE_ALLOW_PLAIN_HTTP",
];

/// The crate of the Python package, relative to the workspace root.
const CRATE: &str = "crates/cardpointe-python";

/// Runs the steps above.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    if let Some(bad) = args.first() {
        return Err(format!(
            "test-python: unknown option `{bad}` (it takes none)"
        ));
    }
    let started = Instant::now();
    let root = workspace_root();
    let out = target_dir(&root).join("python");
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;

    let build_venv = out.join("venv-build");
    if !python_in(&build_venv).is_file() {
        make_venv(&build_venv)?;
    }
    let build_python = path_str(&python_in(&build_venv))?;
    run_env(
        &build_python,
        &[
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "maturin>=1.9.4,<2",
            "pytest",
        ],
        &[],
    )?;

    let wheels = out.join("wheels");
    let _ = std::fs::remove_dir_all(&wheels);
    let maturin = path_str(&build_venv.join("bin").join("maturin"))?;
    let manifest = format!("{CRATE}/Cargo.toml");
    let wheels_arg = path_str(&wheels)?;
    run_env(
        &maturin,
        &[
            "build",
            "--profile",
            "dev",
            "--manifest-path",
            &manifest,
            "--out",
            &wheels_arg,
        ],
        &[],
    )?;
    let wheel = only_wheel(&wheels)?;

    let test_venv = out.join("venv-test");
    let _ = std::fs::remove_dir_all(&test_venv);
    make_venv(&test_venv)?;
    let python = path_str(&python_in(&test_venv))?;
    let wheel_arg = path_str(&wheel)?;
    run_env(
        &python,
        &[
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &wheel_arg,
            "pytest",
        ],
        &[],
    )?;

    let reference = out.join("ledger_reference.json");
    write_ledger_reference(&root, &reference)?;

    for example in examples(&root.join(CRATE).join("examples"))? {
        let example = path_str(&example)?;
        run_without_connection(&python, &[&example], &[])?;
    }
    let reference_arg = path_str(&reference)?;
    let tests = format!("{CRATE}/tests");
    let status = pytest(&python, &tests, &reference_arg)?;
    match status {
        0 => {}
        5 => return Err("pytest collected no test (exit status 5): the suite must run".to_owned()),
        other => return Err(format!("pytest failed (exit status {other})")),
    }
    println!(
        "\ntest-python: wheel {} built, installed in a clean venv, examples and pytest passed in {:.0} s",
        wheel
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `CARGO_TARGET_DIR`, or the workspace's `target/`.
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

fn python_in(venv: &Path) -> PathBuf {
    venv.join("bin").join("python")
}

fn path_str(path: &Path) -> Result<String, String> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{} is not UTF-8", path.display()))
}

/// `python3 -m venv DIR`; on CI, installs `python3-venv` with apt-get when the interpreter
/// lacks `ensurepip` (Debian's Python), then tries again.
fn make_venv(dir: &Path) -> Result<(), String> {
    let dir_arg = path_str(dir)?;
    let first = run_env("python3", &["-m", "venv", "--clear", &dir_arg], &[]);
    if first.is_ok() {
        return Ok(());
    }
    if std::env::var_os("CI").is_none() {
        return first.map_err(|e| {
            format!("{e}\nPython's venv module is missing: install it (Debian: apt-get install python3-venv)")
        });
    }
    run_env("apt-get", &["update", "-q"], &[])?;
    run_env(
        "apt-get",
        &["install", "-y", "-q", "python3-venv"],
        &[("DEBIAN_FRONTEND", "noninteractive")],
    )?;
    run_env("python3", &["-m", "venv", "--clear", &dir_arg], &[])
}

/// The one wheel maturin wrote.
fn only_wheel(dir: &Path) -> Result<PathBuf, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let wheels: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "whl"))
        .collect();
    match wheels.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(format!(
            "expected one wheel in {}, found {}",
            dir.display(),
            wheels.len()
        )),
    }
}

/// The Rust reference flow's canonical ledger, written to `path`.
fn write_ledger_reference(root: &Path, path: &Path) -> Result<(), String> {
    println!(
        "\n==> cargo run --quiet -p cardpointe --example ledger_flow > {}",
        path.display()
    );
    let output = Command::new(cargo())
        .args([
            "run",
            "--quiet",
            "-p",
            "cardpointe",
            "--example",
            "ledger_flow",
        ])
        .current_dir(root)
        .envs(CONNECTION_VARIABLES.iter().map(|v| (*v, "")))
        .output()
        .map_err(|e| format!("could not start cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "the ledger_flow example failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    std::fs::write(path, &output.stdout)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The `*.py` files of the examples folder, sorted.
fn examples(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "py") && !p.ends_with("_support.py"))
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(format!("no examples in {}", dir.display()));
    }
    Ok(found)
}

/// Runs `program args…` with the connection variables removed (so examples use the emulator).
fn run_without_connection(
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<(), String> {
    println!("\n==> {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .env_remove("CARDPOINTE_SITE")
        .env_remove("CARDPOINTE_BASE_URL")
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("could not start `{program}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

/// pytest's exit status.
fn pytest(python: &str, tests: &str, reference: &str) -> Result<i32, String> {
    println!("\n==> CARDPOINTE_LEDGER_REFERENCE={reference} {python} -m pytest {tests}");
    let mut command = Command::new(python);
    command
        .args(["-m", "pytest", tests, "-q", "-p", "no:cacheprovider"])
        .env("CARDPOINTE_LEDGER_REFERENCE", reference)
        .current_dir(workspace_root());
    for variable in CONNECTION_VARIABLES {
        command.env_remove(variable);
    }
    let status = command
        .status()
        .map_err(|e| format!("could not start pytest: {e}"))?;
    Ok(status.code().unwrap_or(-1))
}
