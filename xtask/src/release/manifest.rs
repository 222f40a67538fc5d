//! Reading and bumping versions in the workspace manifests, preserving their formatting
//! (`toml_edit`).

use std::fs;
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Value};

use super::version::Version;

fn read(path: &Path) -> Result<DocumentMut, String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    text.parse()
        .map_err(|e| format!("{} is not valid TOML: {e}", path.display()))
}

fn write(path: &Path, doc: &DocumentMut) -> Result<(), String> {
    fs::write(path, doc.to_string()).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The one workspace version, `[workspace.package] version` of the root `Cargo.toml`.
pub(crate) fn workspace_version(root: &Path) -> Result<Version, String> {
    let path = root.join("Cargo.toml");
    let doc = read(&path)?;
    let version = doc
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(Item::as_str)
        .ok_or_else(|| format!("{} has no [workspace.package] version", path.display()))?;
    version.parse()
}

/// The manifests of the workspace's crates (`crates/*/Cargo.toml`), sorted.
fn crate_manifests(root: &Path) -> Result<Vec<PathBuf>, String> {
    let dir = root.join("crates");
    let Ok(entries) = fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path().join("Cargo.toml"))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    Ok(found)
}

/// Replaces a version string, keeping the spacing and comments around it.
fn set_keeping_format(item: &mut Item, to: Version) {
    match item.as_value_mut() {
        Some(value) => {
            let decor = value.decor().clone();
            *value = Value::from(to.to_string());
            *value.decor_mut() = decor;
        }
        None => *item = Item::Value(Value::from(to.to_string())),
    }
}

/// Sets `version = "<to>"` on every dependency entry of `table` that points at a path (an
/// inter-crate dependency) and carries a version requirement. Returns how many it changed.
fn bump_path_dependencies(table: &mut Item, to: Version) -> usize {
    let Some(table) = table.as_table_like_mut() else {
        return 0;
    };
    let mut changed = 0;
    for (_, dependency) in table.iter_mut() {
        let Some(dep) = dependency.as_table_like_mut() else {
            continue;
        };
        if dep.get("path").is_none() {
            continue;
        }
        if let Some(version) = dep.get_mut("version") {
            set_keeping_format(version, to);
            changed += 1;
        }
    }
    changed
}

/// Bumps the workspace version and every inter-crate dependency requirement (in
/// `[workspace.dependencies]` and in any crate manifest that names a path dependency with a
/// version) to `to`. Returns the files it changed.
pub(crate) fn bump(root: &Path, to: Version) -> Result<Vec<PathBuf>, String> {
    let mut changed_files = Vec::new();
    let root_manifest = root.join("Cargo.toml");
    let mut doc = read(&root_manifest)?;
    let package = doc
        .get_mut("workspace")
        .and_then(|w| w.get_mut("package"))
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| format!("{} has no [workspace.package]", root_manifest.display()))?;
    match package.get_mut("version") {
        Some(version) => set_keeping_format(version, to),
        None => {
            return Err(format!(
                "{} has no [workspace.package] version",
                root_manifest.display()
            ));
        }
    }
    if let Some(deps) = doc
        .get_mut("workspace")
        .and_then(|w| w.get_mut("dependencies"))
    {
        bump_path_dependencies(deps, to);
    }
    write(&root_manifest, &doc)?;
    changed_files.push(root_manifest);

    for manifest in crate_manifests(root)? {
        let mut doc = read(&manifest)?;
        let mut changed = 0;
        for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
            if let Some(table) = doc.get_mut(section) {
                changed += bump_path_dependencies(table, to);
            }
        }
        if changed > 0 {
            write(&manifest, &doc)?;
            changed_files.push(manifest);
        }
    }
    Ok(changed_files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bumping_changes_the_workspace_version_and_path_requirements_only() {
        let dir = super::super::tests::TempDir::new("manifest");
        let root = dir.path();
        fs::write(
            root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"crates/*\"]\n\n[workspace.package]\n# the one version\n\
             version = \"0.1.0\"\n\n[workspace.dependencies]\n\
             a = { path = \"crates/a\", version = \"0.1.0\" }\nserde = { version = \"1.0.200\" }\n",
        )
        .unwrap();
        fs::create_dir_all(root.join("crates/b")).unwrap();
        fs::write(
            root.join("crates/b/Cargo.toml"),
            "[package]\nname = \"b\"\nversion.workspace = true\n\n[dependencies]\n\
             a = { path = \"../a\", version = \"0.1.0\" }\nbytes = \"1\"\n",
        )
        .unwrap();

        assert_eq!(workspace_version(root).unwrap().to_string(), "0.1.0");
        let to: Version = "0.2.0".parse().unwrap();
        let changed = bump(root, to).unwrap();
        assert_eq!(changed.len(), 2);
        assert_eq!(workspace_version(root).unwrap(), to);
        let top = fs::read_to_string(root.join("Cargo.toml")).unwrap();
        assert!(
            top.contains("# the one version\nversion = \"0.2.0\""),
            "{top}"
        );
        assert!(
            top.contains("a = { path = \"crates/a\", version = \"0.2.0\" }"),
            "{top}"
        );
        assert!(top.contains("serde = { version = \"1.0.200\" }"), "{top}");
        let b = fs::read_to_string(root.join("crates/b/Cargo.toml")).unwrap();
        assert!(
            b.contains("a = { path = \"../a\", version = \"0.2.0\" }"),
            "{b}"
        );
        assert!(b.contains("bytes = \"1\""), "{b}");
    }
}
