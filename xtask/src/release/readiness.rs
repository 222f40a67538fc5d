//! What every publishable crate needs before `cargo publish`, checked by `cargo xtask ci` (so
//! main never drifts from it) and by `cargo xtask release` before it bumps anything:
//!
//! - the repository's `LICENSE-MIT`, `LICENSE-APACHE` and `SECURITY.md`;
//! - per crate: a description, the licence, the repository and `rust-version` (own or
//!   inherited from `[workspace.package]`), `[package.metadata.docs.rs]` (so feature-gated APIs
//!   render on docs.rs), and a `.crate` that carries both licence files and a README — checked
//!   on what `cargo package --list` would really ship, not on the files lying around.
//!
//! Every problem is reported at once, each with what to do about it.

use std::path::Path;

use toml_edit::{DocumentMut, Item};

use super::output;

/// Files the repository root must have.
const ROOT_FILES: &[(&str, &str)] = &[
    (
        "LICENSE-MIT",
        "the MIT licence text (the crates are MIT OR Apache-2.0)",
    ),
    ("LICENSE-APACHE", "the Apache-2.0 licence text"),
    ("SECURITY.md", "the vulnerability disclosure policy"),
];

/// Files every packaged crate must carry.
const LICENCE_FILES: &[&str] = &["LICENSE-MIT", "LICENSE-APACHE"];

/// Package keys every publishable crate must set (or inherit with `key.workspace = true`).
const REQUIRED_KEYS: &[&str] = &["description", "license", "repository", "rust-version"];

/// Checks every publishable crate under `crates/` and the repository root; lists every problem.
pub(crate) fn check(root: &Path) -> Result<(), String> {
    let mut problems = Vec::new();
    for (file, what) in ROOT_FILES {
        if !root.join(file).is_file() {
            problems.push(format!(
                "the repository has no {file} ({what}): add it at the root"
            ));
        }
    }
    let workspace = read_manifest(&root.join("Cargo.toml"))?;
    let crates = super::publishable_crates(root)?;
    for name in &crates {
        let manifest_path = root.join("crates").join(name).join("Cargo.toml");
        let manifest = read_manifest(&manifest_path)?;
        problems.extend(manifest_problems(name, &manifest, &workspace));
        let listed = output(
            root,
            &crate::cmd::cargo(),
            &["package", "--list", "--allow-dirty", "--package", name],
        )?;
        problems.extend(package_problems(name, &manifest, &listed));
    }
    if problems.is_empty() {
        println!(
            "publish readiness: {} crates ship licences, a README and docs.rs metadata",
            crates.len()
        );
        Ok(())
    } else {
        Err(format!(
            "not ready to publish:\n  - {}",
            problems.join("\n  - ")
        ))
    }
}

fn read_manifest(path: &Path) -> Result<DocumentMut, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    text.parse()
        .map_err(|e| format!("{} is not valid TOML: {e}", path.display()))
}

/// Missing package keys and docs.rs metadata in one crate's manifest.
fn manifest_problems(name: &str, manifest: &DocumentMut, workspace: &DocumentMut) -> Vec<String> {
    let mut problems = Vec::new();
    let package = manifest.get("package");
    let inherited = workspace.get("workspace").and_then(|w| w.get("package"));
    for key in REQUIRED_KEYS {
        let own = package.and_then(|p| p.get(key));
        let set = match own {
            Some(item) if item.get("workspace").and_then(Item::as_bool) == Some(true) => {
                inherited.and_then(|p| p.get(key)).is_some()
            }
            Some(_) => true,
            None => false,
        };
        if !set {
            problems.push(format!(
                "{name}: Cargo.toml sets no `{key}` (add it, or `{key}.workspace = true` with \
                 the key in [workspace.package])"
            ));
        }
    }
    let docs_rs = package
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("docs"))
        .and_then(|d| d.get("rs"));
    if docs_rs.is_none() {
        problems.push(format!(
            "{name}: Cargo.toml has no [package.metadata.docs.rs] (add `all-features = true`, \
             and `rustdoc-args = [\"--cfg\", \"docsrs\"]` where features gate APIs)"
        ));
    }
    problems
}

/// What the `.crate` of `name` lacks, from `cargo package --list` output.
fn package_problems(name: &str, manifest: &DocumentMut, listed: &str) -> Vec<String> {
    let files: Vec<&str> = listed.lines().map(str::trim).collect();
    let mut problems = Vec::new();
    for licence in LICENCE_FILES {
        if !files.contains(licence) {
            problems.push(format!(
                "{name}: the packaged crate has no {licence} (link it into the crate: \
                 `ln -s ../../{licence} crates/{name}/{licence}`)"
            ));
        }
    }
    let readme = manifest
        .get("package")
        .and_then(|p| p.get("readme"))
        .and_then(Item::as_str)
        .unwrap_or("README.md");
    if !files.contains(&readme) {
        problems.push(format!(
            "{name}: the packaged crate has no {readme} (crates.io shows it: write one in \
             crates/{name}/)"
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::{manifest_problems, package_problems};

    const WORKSPACE: &str = "[workspace.package]\nlicense = \"MIT OR Apache-2.0\"\n\
        repository = \"https://example.invalid/r\"\nrust-version = \"1.88\"\n";

    #[test]
    fn a_complete_crate_has_no_problems() {
        let manifest = "[package]\nname = \"a\"\ndescription = \"d\"\nlicense.workspace = true\n\
            repository.workspace = true\nrust-version.workspace = true\n\
            [package.metadata.docs.rs]\nall-features = true\n";
        let found = manifest_problems("a", &manifest.parse().unwrap(), &WORKSPACE.parse().unwrap());
        assert!(found.is_empty(), "{found:?}");
        let listed = "Cargo.toml\nLICENSE-APACHE\nLICENSE-MIT\nREADME.md\nsrc/lib.rs\n";
        assert!(package_problems("a", &manifest.parse().unwrap(), listed).is_empty());
    }

    #[test]
    fn missing_keys_docs_rs_licences_and_readme_are_each_named() {
        let manifest = "[package]\nname = \"a\"\nlicense.workspace = true\n";
        let found = manifest_problems("a", &manifest.parse().unwrap(), &"".parse().unwrap());
        let text = found.join("\n");
        for needle in [
            "`description`",
            "`license`",
            "`repository`",
            "`rust-version`",
            "docs.rs",
        ] {
            assert!(text.contains(needle), "{needle} not named in {text}");
        }
        let found = package_problems("a", &manifest.parse().unwrap(), "Cargo.toml\nsrc/lib.rs\n");
        let text = found.join("\n");
        for needle in ["LICENSE-MIT", "LICENSE-APACHE", "README.md"] {
            assert!(text.contains(needle), "{needle} not named in {text}");
        }
    }

    #[test]
    fn a_custom_readme_name_is_looked_for() {
        let manifest = "[package]\nreadme = \"DOCS.md\"\n";
        let found = package_problems(
            "a",
            &manifest.parse().unwrap(),
            "README.md\nLICENSE-MIT\nLICENSE-APACHE\n",
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("DOCS.md"));
    }
}
