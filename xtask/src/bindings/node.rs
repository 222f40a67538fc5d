//! `cargo xtask test-node`: the Node.js package (`crates/cardpointe-node`, npm
//! `@cardpointe-rs/cardpointe`) built from source and tested as its users install it.
//!
//! 1. `npm install` the napi CLI at the version `package.json` pins, into a folder of the
//!    target directory (never globally).
//! 2. `cargo build -p cardpointe-node` in the dev profile, so the addon reuses the debug
//!    dependencies `cargo test --workspace` already built (`napi build` would pass `--target`
//!    and rebuild them all in another directory); napi-derive writes its type definitions.
//! 3. The napi CLI turns them into `index.d.ts`, which must equal the checked-in one (the
//!    TypeScript API is reviewed with the Rust change that makes it).
//! 4. The library is copied in as the `.node` file the checked-in `index.js` loads, the
//!    package is `npm pack`ed and the `.tgz` installed into a clean folder.
//! 5. The `node --test` suite and every example run against the installed package (the
//!    examples on the emulator: `CARDPOINTE_*` removed from their environment). When the Rust
//!    `ledger_flow` example exists, its ledger is written to a file named by
//!    `CARDPOINTE_LEDGER_REFERENCE` for the cross-language test.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::cmd::{cargo, run_in, workspace_root};
use crate::release::output;

/// The npm package's directory.
const PACKAGE_DIR: &str = "crates/cardpointe-node";
/// The npm package's name (`package.json`).
const PACKAGE_NAME: &str = "@cardpointe-rs/cardpointe";
/// The addon's file stem (`napi.binaryName` in `package.json`).
const BINARY_NAME: &str = "cardpointe";
/// The examples, each run against the installed package.
const EXAMPLES: &[&str] = &[
    "auth",
    "capture",
    "void",
    "refund",
    "funding",
    "profile",
    "sigcap",
    "checkout_keyed",
    "recover_timeout",
];

/// Runs the task.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    if let Some(bad) = args.first() {
        return Err(format!(
            "test-node: unknown argument `{bad}` (it takes none)"
        ));
    }
    let started = Instant::now();
    let root = workspace_root();
    let package = root.join(PACKAGE_DIR);
    let target = target_dir(&root);
    let node_version = output(&root, "node", &["--version"]).map_err(|e| {
        format!("{e}\ntest-node needs Node.js ≥ 18.17 and npm on PATH (apt-get install nodejs npm)")
    })?;
    println!("test-node: node {}", node_version.trim());

    let cli = napi_cli(&root, &package, &target)?;

    let typedefs = target.join("napi-typedef");
    reset_dir(&typedefs)?;
    let typedefs_text = path_text(&typedefs)?;
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .to_string();
    run_in(
        &root,
        &cargo(),
        &["build", "--package", "cardpointe-node"],
        &[
            ("NAPI_TYPE_DEF_TMP_FOLDER", typedefs_text),
            ("NAPI_FORCE_BUILD_CARDPOINTE_NODE", &stamp),
        ],
    )?;
    check_type_definitions(&package, &cli, &typedefs, &target)?;

    let platform = output(
        &root,
        "node",
        &[
            "-p",
            "const r = process.report.getReport().header; process.platform + '-' + process.arch + \
             (process.platform === 'linux' ? (r.glibcVersionRuntime ? '-gnu' : '-musl') : \
             process.platform === 'win32' ? '-msvc' : '')",
        ],
    )?;
    let library = target.join("debug").join(format!(
        "{}cardpointe_node{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    let addon = package.join(format!("{BINARY_NAME}.{}.node", platform.trim()));
    fs::copy(&library, &addon).map_err(|e| {
        format!(
            "cannot copy {} to {}: {e}",
            library.display(),
            addon.display()
        )
    })?;

    let packs = target.join("node-pack");
    reset_dir(&packs)?;
    run_in(
        &package,
        "npm",
        &["pack", "--silent", "--pack-destination", path_text(&packs)?],
        &[],
    )?;
    let tarball = only_file(&packs, ".tgz")?;

    let clean = target.join("node-clean");
    reset_dir(&clean)?;
    fs::write(
        clean.join("package.json"),
        "{ \"name\": \"cardpointe-node-clean-install\", \"private\": true }\n",
    )
    .map_err(|e| format!("cannot write the clean folder's package.json: {e}"))?;
    run_in(
        &clean,
        "npm",
        &["install", "--no-audit", "--no-fund", path_text(&tarball)?],
        &[],
    )?;
    copy_dir(&package.join("__test__"), &clean.join("__test__"))?;

    let reference = ledger_reference(&root, &target)?;
    let mut env: Vec<(&str, &str)> = Vec::new();
    if let Some(path) = &reference {
        env.push(("CARDPOINTE_LEDGER_REFERENCE", path_text(path)?));
    }
    run_in(&clean, "node", &["--test", "__test__/"], &env)?;

    let installed = clean.join("node_modules").join(PACKAGE_NAME);
    for example in EXAMPLES {
        let script = installed.join("examples").join(format!("{example}.js"));
        run_without_site(&clean, &script)?;
    }
    println!(
        "\ntest-node: the package built, packed, installed into a clean folder and passed its \
         tests and {} examples in {:.0?}",
        EXAMPLES.len(),
        started.elapsed()
    );
    Ok(())
}

/// `$CARGO_TARGET_DIR`, else the workspace's `target`.
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// The napi CLI (its programmatic entry), installed at the pinned version into
/// `<target>/node-tools` unless it is there already.
fn napi_cli(root: &Path, package: &Path, target: &Path) -> Result<PathBuf, String> {
    let manifest = fs::read_to_string(package.join("package.json"))
        .map_err(|e| format!("cannot read {PACKAGE_DIR}/package.json: {e}"))?;
    let manifest: serde_json::Value = serde_json::from_str(&manifest)
        .map_err(|e| format!("{PACKAGE_DIR}/package.json is not JSON: {e}"))?;
    let version = manifest["devDependencies"]["@napi-rs/cli"]
        .as_str()
        .ok_or_else(|| {
            format!("{PACKAGE_DIR}/package.json pins no devDependencies.@napi-rs/cli")
        })?;
    let tools = target.join("node-tools");
    let cli = tools.join("node_modules").join("@napi-rs").join("cli");
    let installed = fs::read_to_string(cli.join("package.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["version"].as_str().map(str::to_owned));
    if installed.as_deref() != Some(version) {
        fs::create_dir_all(&tools)
            .map_err(|e| format!("cannot create {}: {e}", tools.display()))?;
        let spec = format!("@napi-rs/cli@{version}");
        run_in(
            root,
            "npm",
            &[
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                path_text(&tools)?,
                &spec,
            ],
            &[],
        )?;
    }
    Ok(cli.join("dist").join("index.js"))
}

/// Renders napi-derive's records into `index.d.ts` with the napi CLI and compares it with the
/// checked-in file.
fn check_type_definitions(
    package: &Path,
    cli: &Path,
    typedefs: &Path,
    target: &Path,
) -> Result<(), String> {
    let script = "const [cli, typeDefDir, cwd] = process.argv.slice(1); \
        import(require('node:url').pathToFileURL(cli).href) \
        .then(({ generateTypeDef }) => generateTypeDef({ typeDefDir, cwd, declareBindingTarget: true })) \
        .then(({ dts }) => process.stdout.write(dts)) \
        .catch((e) => { console.error(e); process.exit(1) })";
    let generated = output(
        package,
        "node",
        &[
            "-e",
            script,
            path_text(cli)?,
            path_text(typedefs)?,
            path_text(package)?,
        ],
    )?;
    let checked_in = fs::read_to_string(package.join("index.d.ts"))
        .map_err(|e| format!("cannot read {PACKAGE_DIR}/index.d.ts: {e}"))?;
    if generated == checked_in {
        println!("test-node: index.d.ts matches the Rust API");
        return Ok(());
    }
    let fresh = target.join("index.d.ts");
    fs::write(&fresh, &generated).map_err(|e| format!("cannot write {}: {e}", fresh.display()))?;
    Err(format!(
        "{PACKAGE_DIR}/index.d.ts is not what the Rust API generates (the fresh one is {}); \
         run `npm run build:debug` in {PACKAGE_DIR} (or copy that file) and commit it",
        fresh.display()
    ))
}

/// The Rust reference ledger of the cross-language flow, when the `ledger_flow` example of
/// the facade exists: its standard output, written to `<target>/ledger-reference.json`.
fn ledger_reference(root: &Path, target: &Path) -> Result<Option<PathBuf>, String> {
    if !root
        .join("crates/cardpointe/examples/ledger_flow.rs")
        .exists()
    {
        println!("test-node: no crates/cardpointe/examples/ledger_flow.rs: no ledger reference");
        return Ok(None);
    }
    let ledger = output(
        root,
        &cargo(),
        &[
            "run",
            "--quiet",
            "--package",
            "cardpointe",
            "--example",
            "ledger_flow",
        ],
    )?;
    let path = target.join("ledger-reference.json");
    fs::write(&path, ledger).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(Some(path))
}

/// Runs an example with every `CARDPOINTE_*` variable removed, so it uses the emulator.
fn run_without_site(dir: &Path, script: &Path) -> Result<(), String> {
    println!("\n==> node {}", script.display());
    let mut command = std::process::Command::new("node");
    command.arg(script).current_dir(dir);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("CARDPOINTE_") {
            command.env_remove(key);
        }
    }
    let status = command
        .status()
        .map_err(|e| format!("could not start node: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("example {} failed ({status})", script.display()))
    }
}

/// Empties (or creates) a directory.
fn reset_dir(dir: &Path) -> Result<(), String> {
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(|e| format!("cannot empty {}: {e}", dir.display()))?;
    }
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

/// The one file ending in `suffix` in `dir`.
fn only_file(dir: &Path, suffix: &str) -> Result<PathBuf, String> {
    let mut found = fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(suffix));
    match (found.next(), found.next()) {
        (Some(path), None) => Ok(path),
        _ => Err(format!("expected one {suffix} file in {}", dir.display())),
    }
}

/// Copies the files of `from` (one level) into a new `to`.
fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    for entry in fs::read_dir(from)
        .map_err(|e| format!("cannot list {}: {e}", from.display()))?
        .flatten()
    {
        let path = entry.path();
        if path.is_file() {
            fs::copy(&path, to.join(entry.file_name()))
                .map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// A path as UTF-8 text for a command line.
fn path_text(path: &Path) -> Result<&str, String> {
    path.to_str()
        .ok_or_else(|| format!("{} is not valid UTF-8", path.display()))
}
