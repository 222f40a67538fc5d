//! `cargo xtask test-kotlin`: the Kotlin bindings of `cardpointe-mobile`, generated and tested
//! on the JVM, as an Android app loads them (JNA) — and the Swift bindings generated.
//!
//! 1. Tools, each installed when missing and kept for the next run: JNA (Debian `libjna-java`,
//!    with apt-get), `kotlinc` (npm `kotlin-compiler`, into `<target>/kotlin-tools`; its `lib/`
//!    also ships the `kotlinx-coroutines-core-jvm` jar the generated `suspend` functions need)
//!    and `uniffi-bindgen` (`cargo install uniffi --features cli --locked --debug`, at the version of
//!    uniffi in `Cargo.lock`, into `<target>/uniffi-bindgen` with its own build directory). A
//!    JDK (`java`) and npm must be on PATH.
//! 2. The library (`libcardpointe_mobile.so`, with `test-emulator`) in the dev profile, in a
//!    build that selects what `cargo test --workspace` selects, so feature unification is the
//!    same and its build of every dependency is reused: only cardpointe-mobile is compiled again.
//! 3. Kotlin bindings generated and compiled with `crates/cardpointe-mobile/tests/kotlin/*.kt`
//!    (skipped when the sources and the compiler are those of the jar already built), then run:
//!    the tests print one `N passed, M failed` line. Swift bindings are generated too; they are
//!    type-checked only where a Swift toolchain (`swiftc`) exists.
//!
//! Each step's time is printed at the end.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::cmd::{cargo, cargo_run, run_env, workspace_root};

/// The `kotlin-compiler` release on npm the tests are compiled with (its `lib/` ships
/// kotlinx-coroutines 1.8).
const KOTLIN_COMPILER: &str = "kotlin-compiler@2.4.20";

/// Where Debian's `libjna-java` puts JNA.
const JNA_JAR: &str = "/usr/share/java/jna.jar";

/// The tests' main class (`CardPointeMobileTest.kt`).
const MAIN_CLASS: &str = "CardPointeMobileTestKt";

/// The Kotlin tests' sources.
const TESTS_DIR: &str = "crates/cardpointe-mobile/tests/kotlin";

/// Runs the Kotlin tests; fails when a step or a test fails.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    if let Some(bad) = args.first() {
        return Err(format!(
            "test-kotlin: unknown option `{bad}` (it takes none)"
        ));
    }
    let started = Instant::now();
    let root = workspace_root();
    let target = target_dir(&root);
    let tools = ensure_tools(&root, &target)?;
    let tools_took = started.elapsed();

    // `--workspace --tests` selects the packages and targets `cargo test --workspace` does (dev-
    // dependencies included), so every dependency resolves to the same features and its build
    // is reused; `--lib` makes the library a requested unit, copied to <target>/debug.
    let step = Instant::now();
    cargo_run(&[
        "build",
        "--workspace",
        "--lib",
        "--tests",
        "--features",
        "cardpointe-mobile/test-emulator",
    ])?;
    let build_took = step.elapsed();

    let step = Instant::now();
    let debug = target.join("debug");
    let library = debug.join(library_file());
    let kotlin_out = target.join("bindings").join("kotlin");
    let swift_out = target.join("bindings").join("swift");
    for (language, out) in [("kotlin", &kotlin_out), ("swift", &swift_out)] {
        let _ = fs::remove_dir_all(out);
        run_env(
            &path_str(&tools.bindgen)?,
            &[
                "generate",
                "--no-format",
                "--library",
                &path_str(&library)?,
                "--language",
                language,
                "--out-dir",
                &path_str(out)?,
            ],
            &[],
        )?;
    }
    let swift = check_swift(&swift_out)?;
    let generate_took = step.elapsed();

    let step = Instant::now();
    let mut sources = kotlin_files(&kotlin_out)?;
    sources.extend(kotlin_files(&root.join(TESTS_DIR))?);
    let jar = compile(&tools, &sources, &target.join("kotlin-tests"))?;
    let compile_took = step.elapsed();

    let step = Instant::now();
    let run_classpath = join_paths(&[
        jar,
        PathBuf::from(JNA_JAR),
        tools.coroutines.clone(),
        tools.stdlib.clone(),
    ])?;
    let jna_path = format!("-Djna.library.path={}", path_str(&debug)?);
    println!("\n==> java {jna_path} -cp {run_classpath} {MAIN_CLASS}");
    let output = Command::new("java")
        .args([jna_path.as_str(), "-cp", &run_classpath, MAIN_CLASS])
        .current_dir(&root)
        .output()
        .map_err(|e| format!("could not start java: {e}"))?;
    print!("{}", String::from_utf8_lossy(&output.stdout));
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    let tests_took = step.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary = stdout
        .lines()
        .rev()
        .find(|line| line.ends_with(" failed") && line.contains(" passed, "))
        .map(str::to_owned);

    println!("\ntest-kotlin: {swift}");
    println!(
        "test-kotlin: tools {}, library build {}, bindings {}, kotlinc {}, tests {}; total {}",
        secs(tools_took),
        secs(build_took),
        secs(generate_took),
        secs(compile_took),
        secs(tests_took),
        secs(started.elapsed())
    );
    match (output.status.success(), summary) {
        (true, Some(summary)) => {
            println!("test-kotlin: {summary}");
            Ok(())
        }
        (_, summary) => Err(format!(
            "the Kotlin tests failed ({}): {}",
            output.status,
            summary.unwrap_or_else(|| "no summary line".to_owned())
        )),
    }
}

/// A duration as seconds with one decimal (`12.3s`).
fn secs(duration: Duration) -> String {
    format!("{:.1}s", duration.as_secs_f64())
}

/// The tools the Kotlin step needs.
struct Tools {
    kotlinc: PathBuf,
    coroutines: PathBuf,
    stdlib: PathBuf,
    bindgen: PathBuf,
}

/// Finds or installs the tools (see the module docs).
fn ensure_tools(root: &Path, target: &Path) -> Result<Tools, String> {
    for (tool, hint) in [
        ("java", "a JDK (apt-get install openjdk-17-jdk-headless)"),
        ("npm", "Node.js and npm (apt-get install nodejs npm)"),
    ] {
        if which(tool).is_none() {
            return Err(format!("test-kotlin needs {hint}: `{tool}` is not on PATH"));
        }
    }
    if !Path::new(JNA_JAR).exists() {
        apt_install(&["libjna-java"])?;
    }

    let prefix = target.join("kotlin-tools");
    let compiler = prefix.join("node_modules").join("kotlin-compiler");
    let kotlinc = compiler.join("bin").join("kotlinc");
    if !kotlinc.exists() {
        run_env(
            "npm",
            &[
                "install",
                "--no-audit",
                "--no-fund",
                "--no-save",
                "--prefix",
                &path_str(&prefix)?,
                KOTLIN_COMPILER,
            ],
            &[],
        )?;
    }
    let lib = compiler.join("lib");
    let coroutines = lib.join("kotlinx-coroutines-core-jvm.jar");
    let stdlib = lib.join("kotlin-stdlib.jar");
    for path in [&kotlinc, &coroutines, &stdlib] {
        if !path.exists() {
            return Err(format!(
                "{} is missing after `npm install {KOTLIN_COMPILER}`",
                path.display()
            ));
        }
    }

    let bindgen = ensure_bindgen(root, target)?;
    Ok(Tools {
        kotlinc,
        coroutines,
        stdlib,
        bindgen,
    })
}

/// `uniffi-bindgen` at the version of uniffi the library is built with (the bindings and the
/// scaffolding must agree), installed from crates.io with uniffi's own `Cargo.lock`.
fn ensure_bindgen(root: &Path, target: &Path) -> Result<PathBuf, String> {
    let version = locked_version(root, "uniffi")?;
    let install_root = target.join("uniffi-bindgen");
    let bindgen = install_root
        .join("bin")
        .join(format!("uniffi-bindgen{}", std::env::consts::EXE_SUFFIX));
    let installed = Command::new(&bindgen)
        .arg("--version")
        .output()
        .is_ok_and(|out| {
            String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .last()
                == Some(&version)
        });
    if !installed {
        run_env(
            &cargo(),
            &[
                "install",
                "uniffi",
                "--version",
                &format!("={version}"),
                "--features",
                "cli",
                "--bin",
                "uniffi-bindgen",
                "--locked",
                // The dev profile: compiled in a fraction of release's time; generating the
                // bindings takes a second either way.
                "--debug",
                "--force",
                "--root",
                &path_str(&install_root)?,
                "--target-dir",
                &path_str(&install_root.join("build"))?,
            ],
            &[],
        )?;
    }
    Ok(bindgen)
}

/// The version of `package` in the workspace's `Cargo.lock`.
fn locked_version(root: &Path, package: &str) -> Result<String, String> {
    let path = root.join("Cargo.lock");
    let lock =
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let name_line = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == name_line
            && let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|l| l.strip_suffix('"'))
        {
            return Ok(version.to_owned());
        }
    }
    Err(format!("{package} is not in {}", path.display()))
}

/// `apt-get update` then `apt-get install -y packages` (through sudo when not root).
fn apt_install(packages: &[&str]) -> Result<(), String> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0");
    let (program, prefix): (&str, &[&str]) = if root {
        ("apt-get", &[])
    } else {
        ("sudo", &["apt-get"])
    };
    let env = [("DEBIAN_FRONTEND", "noninteractive")];
    let update: Vec<&str> = prefix.iter().copied().chain(["update", "-qq"]).collect();
    run_env(program, &update, &env)?;
    let install: Vec<&str> = prefix
        .iter()
        .copied()
        .chain(["install", "-y", "-qq", "--no-install-recommends"])
        .chain(packages.iter().copied())
        .collect();
    run_env(program, &install, &env)
}

/// Compiles `sources` into `<dir>/tests.jar`, unless the jar there was built from the same
/// sources by the same compiler (its stamp file holds both).
fn compile(tools: &Tools, sources: &[PathBuf], dir: &Path) -> Result<PathBuf, String> {
    let jar = dir.join("tests.jar");
    let stamp_path = dir.join("sources.stamp");
    let mut stamp = format!("{KOTLIN_COMPILER}\n");
    for source in sources {
        let text = fs::read_to_string(source)
            .map_err(|e| format!("cannot read {}: {e}", source.display()))?;
        stamp.push_str(&format!("// {}\n{text}\n", source.display()));
    }
    if jar.exists() && fs::read_to_string(&stamp_path).is_ok_and(|old| old == stamp) {
        println!(
            "\ntest-kotlin: {} is up to date (same sources, same compiler)",
            jar.display()
        );
        return Ok(jar);
    }
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let classpath = join_paths(&[PathBuf::from(JNA_JAR), tools.coroutines.clone()])?;
    let mut args: Vec<String> = vec![
        "-nowarn".into(),
        "-cp".into(),
        classpath,
        "-d".into(),
        path_str(&jar)?,
    ];
    for source in sources {
        args.push(path_str(source)?);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_env(&path_str(&tools.kotlinc)?, &args, &[])?;
    fs::write(&stamp_path, stamp)
        .map_err(|e| format!("cannot write {}: {e}", stamp_path.display()))?;
    Ok(jar)
}

/// Type-checks the Swift bindings where `swiftc` exists; says so where it does not.
fn check_swift(swift_out: &Path) -> Result<String, String> {
    let swift = swift_out.join("CardPointeMobile.swift");
    if !swift.exists() {
        return Err(format!("{} was not generated", swift.display()));
    }
    if which("swiftc").is_none() {
        return Ok(format!(
            "Swift bindings generated in {} (no Swift toolchain on this machine: not compiled)",
            swift_out.display()
        ));
    }
    let module = swift_out.join("CardPointeMobileFFI.modulemap");
    let module_flag = format!("-fmodule-map-file={}", path_str(&module)?);
    run_env(
        "swiftc",
        &[
            "-parse-as-library",
            "-typecheck",
            "-Xcc",
            &module_flag,
            "-I",
            &path_str(swift_out)?,
            &path_str(&swift)?,
        ],
        &[],
    )?;
    Ok("Swift bindings generated and type-checked with swiftc".to_owned())
}

/// The target directory cargo builds into (`CARGO_TARGET_DIR`, relative to the workspace root,
/// or `target/`).
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// The cdylib's file name on this host.
fn library_file() -> String {
    format!(
        "{}cardpointe_mobile{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// The `.kt` files under `dir`, sorted; an error when there are none.
fn kotlin_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries =
            fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "kt") {
                found.push(path);
            }
        }
    }
    found.sort();
    if found.is_empty() {
        return Err(format!("no .kt files in {}", dir.display()));
    }
    Ok(found)
}

/// `tool`'s path on PATH, if it is there.
fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(tool))
            .find(|path| path.is_file())
    })
}

fn path_str(path: &Path) -> Result<String, String> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{} is not valid UTF-8", path.display()))
}

fn join_paths(paths: &[PathBuf]) -> Result<String, String> {
    std::env::join_paths(paths)
        .map_err(|e| format!("cannot build a classpath: {e}"))?
        .into_string()
        .map_err(|_| "the classpath is not valid UTF-8".to_owned())
}

#[cfg(test)]
mod tests {
    use super::locked_version;

    #[test]
    fn the_bindgen_version_is_the_one_the_library_is_built_with() {
        let root = crate::cmd::workspace_root();
        let version = locked_version(&root, "uniffi").expect("uniffi is locked");
        assert!(version.starts_with("0."), "{version}");
        assert!(locked_version(&root, "no-such-package-here").is_err());
    }
}
