//! How the minimum supported Rust version (`rust-version` in `[workspace.package]`) is kept,
//! with nothing but the one stable toolchain (CI cannot download an old one):
//!
//! 1. **Dependencies**: no package in `Cargo.lock` declares a `rust-version` above ours (the
//!    resolver, `resolver = "3"`, prefers such versions; this catches a manual `cargo update`
//!    that took a newer one). Checked here.
//! 2. **Edition**: edition 2024 needs Rust 1.85; ours must not be lower. Checked here.
//! 3. **Standard library**: clippy's `incompatible_msrv` lint (on by default, read from
//!    `rust-version`) refuses std APIs stabilised after our MSRV; CI runs clippy with
//!    `-D warnings`, and no crate may allow that lint (checked here).
//!
//! Language features stabilised after the MSRV are not checked mechanically; raising
//! `rust-version` is a changelog-worthy decision made in one place, the root `Cargo.toml`.

use std::fs;

use crate::cmd::workspace_root;

/// The lowest Rust the workspace's edition (2024) compiles with.
const EDITION_2024_MINIMUM: (u64, u64, u64) = (1, 85, 0);

/// Runs the three checks above; every violation is listed.
pub(crate) fn check() -> Result<(), String> {
    let root = workspace_root();
    let manifest = fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| format!("cannot read Cargo.toml: {e}"))?;
    let ours_text = workspace_rust_version(&manifest)
        .ok_or("Cargo.toml has no `rust-version` in [workspace.package]: declare the MSRV")?;
    let ours = parse_version(&ours_text)
        .ok_or_else(|| format!("rust-version `{ours_text}` is not a Rust version"))?;
    let mut problems = Vec::new();
    if ours < EDITION_2024_MINIMUM {
        problems.push(format!(
            "rust-version {ours_text} is below 1.85, the first Rust with edition 2024"
        ));
    }

    println!("\n==> cargo metadata --format-version 1");
    let out = std::process::Command::new(crate::cmd::cargo())
        .args(["metadata", "--format-version", "1"])
        .current_dir(&root)
        .output()
        .map_err(|e| format!("could not start cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("cargo metadata printed no JSON: {e}"))?;
    problems.extend(dependencies_above(&metadata, ours));

    for path in allowing_incompatible_msrv(&root)? {
        problems.push(format!(
            "{path} allows clippy::incompatible_msrv: remove the allow, or raise rust-version"
        ));
    }
    if problems.is_empty() {
        println!("msrv: {ours_text} (no dependency needs more; clippy guards std APIs)");
        Ok(())
    } else {
        Err(format!(
            "MSRV {ours_text} is not kept:\n  - {}",
            problems.join("\n  - ")
        ))
    }
}

/// `[workspace.package] rust-version` of the root manifest.
fn workspace_rust_version(manifest: &str) -> Option<String> {
    let doc: toml_edit::DocumentMut = manifest.parse().ok()?;
    doc.get("workspace")?
        .get("package")?
        .get("rust-version")?
        .as_str()
        .map(str::to_owned)
}

/// `1.88` or `1.88.0` as a comparable triple.
fn parse_version(text: &str) -> Option<(u64, u64, u64)> {
    let mut parts = text.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = parts.next().map_or(Some(0), |p| p.parse().ok())?;
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor, patch))
}

/// The packages of `cargo metadata` output that declare a rust-version above `ours`.
fn dependencies_above(metadata: &serde_json::Value, ours: (u64, u64, u64)) -> Vec<String> {
    let Some(packages) = metadata.get("packages").and_then(|p| p.as_array()) else {
        return vec!["cargo metadata listed no packages".to_owned()];
    };
    let mut found: Vec<String> = packages
        .iter()
        .filter_map(|p| {
            let needs = p.get("rust_version")?.as_str()?;
            let name = p.get("name")?.as_str()?;
            let version = p.get("version")?.as_str()?;
            (parse_version(needs)? > ours).then(|| {
                format!(
                    "{name} {version} needs Rust {needs}: pin an older {name} \
                     (`cargo update -p {name} --precise …`) or raise rust-version"
                )
            })
        })
        .collect();
    found.sort();
    found
}

/// Rust sources under `crates/`, `benches/`, `xtask/` and `fuzz/` that allow the lint.
fn allowing_incompatible_msrv(root: &std::path::Path) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    let mut stack: Vec<std::path::PathBuf> = ["crates", "benches", "xtask", "fuzz"]
        .iter()
        .map(|d| root.join(d))
        .collect();
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "target") {
                    stack.push(path);
                }
            } else if path.ends_with("xtask/src/msrv.rs") {
                // This checker's own tests spell the allows it looks for.
            } else if path.extension().is_some_and(|e| e == "rs") || path.ends_with("Cargo.toml") {
                let text = fs::read_to_string(&path).unwrap_or_default();
                let allowed = text.lines().any(allows_incompatible_msrv);
                if allowed {
                    found.push(
                        path.strip_prefix(root)
                            .unwrap_or(&path)
                            .display()
                            .to_string(),
                    );
                }
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Whether a source or manifest line turns the lint off: `allow(clippy::incompatible_msrv)` (or
/// `expect`) in Rust, `incompatible_msrv = "allow"` in a `[lints]` table; comments do not count.
fn allows_incompatible_msrv(line: &str) -> bool {
    let code = line.trim_start();
    let toml_comment = code.starts_with('#') && !code.starts_with("#[") && !code.starts_with("#![");
    if code.starts_with("//") || toml_comment {
        return false;
    }
    let lint = "incompatible_msrv";
    let Some(at) = code.find(lint) else {
        return false;
    };
    let before = &code[..at];
    let after = &code[at + lint.len()..];
    before.contains("allow(")
        || before.contains("expect(")
        || (before.trim().is_empty() && after.contains("allow"))
}

#[cfg(test)]
mod tests {
    use super::{
        allows_incompatible_msrv, dependencies_above, parse_version, workspace_rust_version,
    };

    #[test]
    fn versions_compare_with_or_without_a_patch_number() {
        assert_eq!(parse_version("1.88"), Some((1, 88, 0)));
        assert_eq!(parse_version("1.88.1"), Some((1, 88, 1)));
        assert!(parse_version("1.90") > parse_version("1.88.5"));
        assert_eq!(parse_version("1"), None);
        assert_eq!(parse_version("1.x"), None);
        assert_eq!(parse_version("1.2.3.4"), None);
    }

    #[test]
    fn a_dependency_needing_a_newer_rust_is_named() {
        let metadata: serde_json::Value = serde_json::from_str(
            r#"{"packages":[
                {"name":"old","version":"1.0.0","rust_version":"1.70"},
                {"name":"same","version":"1.0.0","rust_version":"1.88.0"},
                {"name":"none","version":"1.0.0","rust_version":null},
                {"name":"new","version":"2.1.0","rust_version":"1.91"}]}"#,
        )
        .unwrap();
        let found = dependencies_above(&metadata, (1, 88, 0));
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with("new 2.1.0 needs Rust 1.91"),
            "{found:?}"
        );
    }

    #[test]
    fn only_real_allows_of_the_lint_count() {
        assert!(allows_incompatible_msrv(
            "#[allow(clippy::incompatible_msrv)]"
        ));
        assert!(allows_incompatible_msrv(
            "#![expect(clippy::incompatible_msrv, reason = \"x\")]"
        ));
        assert!(allows_incompatible_msrv("incompatible_msrv = \"allow\""));
        assert!(allows_incompatible_msrv(
            "incompatible_msrv = { level = \"allow\" }"
        ));
        assert!(!allows_incompatible_msrv(
            "// we never allow(clippy::incompatible_msrv)"
        ));
        assert!(!allows_incompatible_msrv(
            "# incompatible_msrv = \"allow\" is refused"
        ));
        assert!(!allows_incompatible_msrv(
            "problems.push(\"x allows clippy::incompatible_msrv\")"
        ));
        assert!(!allows_incompatible_msrv("incompatible_msrv = \"deny\""));
    }

    #[test]
    fn the_workspace_msrv_is_read_from_workspace_package() {
        let manifest = "[workspace]\n[workspace.package]\nrust-version = \"1.88\"\n";
        assert_eq!(workspace_rust_version(manifest).as_deref(), Some("1.88"));
        assert_eq!(
            workspace_rust_version("[package]\nrust-version = \"1.88\"\n"),
            None
        );
    }
}
