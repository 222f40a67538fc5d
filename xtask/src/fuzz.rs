//! `cargo xtask fuzz [TARGET] [--time SECS] [--merge]`: runs the cargo-fuzz targets.
//!
//! Fuzzing needs a nightly toolchain and `cargo-fuzz` (`cargo install cargo-fuzz`). Each target
//! fuzzes into a scratch corpus `fuzz/corpus-work/NAME` (ignored by git), seeded from the committed
//! `fuzz/corpus/NAME`; with `--merge`, the inputs that add coverage are merged back into the
//! committed corpus afterwards (libFuzzer's `-merge=1`), so `cargo test` replays them from then on.
//! Without nightly, it says so and replays the committed corpora on stable instead.

use std::fs;
use std::process::Command;

use crate::cmd::{cargo_run, run_env, workspace_root};

/// Options of `cargo xtask fuzz`.
struct Options {
    target: Option<String>,
    seconds: u64,
    merge: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        target: None,
        seconds: 60,
        merge: false,
    };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--time" => {
                let value = iter
                    .next()
                    .ok_or("fuzz: --time needs a number of seconds")?;
                options.seconds = value
                    .parse()
                    .map_err(|_| format!("fuzz: --time takes whole seconds, not `{value}`"))?;
            }
            "--merge" => options.merge = true,
            flag if flag.starts_with('-') => {
                return Err(format!(
                    "fuzz: unknown option `{flag}` (known: --time SECS, --merge)"
                ));
            }
            name => options.target = Some(name.to_owned()),
        }
    }
    Ok(options)
}

/// The targets declared in `fuzz/Cargo.toml` (`[[bin]]` names), in file order.
pub(crate) fn targets() -> Result<Vec<String>, String> {
    let path = workspace_root().join("fuzz").join("Cargo.toml");
    let text =
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut names = Vec::new();
    let mut in_bin = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if let Some(value) = in_bin
            .then(|| line.strip_prefix("name"))
            .flatten()
            .and_then(|v| v.trim_start().strip_prefix('='))
        {
            names.push(value.trim().trim_matches('"').to_owned());
        }
    }
    Ok(names)
}

fn nightly_fuzz_available() -> bool {
    let ok = |args: &[&str]| {
        Command::new("cargo")
            .args(args)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    ok(&["+nightly", "--version"]) && ok(&["+nightly", "fuzz", "--version"])
}

/// Runs the fuzz task.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    let all = targets()?;
    let chosen: Vec<String> = match &options.target {
        Some(name) if all.contains(name) => vec![name.clone()],
        Some(name) => {
            return Err(format!(
                "fuzz: no target `{name}`; the targets are: {}",
                all.join(", ")
            ));
        }
        None => all,
    };
    if !nightly_fuzz_available() {
        println!(
            "fuzz: nightly toolchain or cargo-fuzz not found (`rustup toolchain install nightly`, \
             `cargo install cargo-fuzz`); replaying the committed corpora on stable instead"
        );
        return cargo_run(&["test", "--package", "cardpointe-fuzz-checks"]);
    }
    let root = workspace_root();
    for name in &chosen {
        let work = format!("fuzz/corpus-work/{name}");
        let seeds = format!("fuzz/corpus/{name}");
        fs::create_dir_all(root.join(&work)).map_err(|e| format!("cannot create {work}: {e}"))?;
        let time = format!("-max_total_time={}", options.seconds);
        run_env(
            "cargo",
            &[
                "+nightly",
                "fuzz",
                "run",
                name,
                &work,
                &seeds,
                "--",
                &time,
                "-print_final_stats=1",
            ],
            &[],
        )?;
        if options.merge {
            run_env(
                "cargo",
                &[
                    "+nightly", "fuzz", "run", name, &seeds, &work, "--", "-merge=1",
                ],
                &[],
            )?;
        }
    }
    Ok(())
}
