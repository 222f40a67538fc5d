//! The reader stack builds for every platform its users are on: no Linux-only crate (D-Bus,
//! BlueZ) may reach a non-Linux target's dependency tree.
//!
//! `cargo tree --target T` resolves the tree from `Cargo.lock` for a target that needs no
//! installed toolchain, so this check runs anywhere the stable toolchain does.

use std::process::Command;

use crate::cmd::{cargo, workspace_root};

/// Targets the reader (and so the facade's `reader` feature and the CLI) must build for.
pub(crate) const NON_LINUX_TARGETS: &[&str] = &[
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc",
    "aarch64-apple-ios",
    "aarch64-linux-android",
];

/// Crates that only build on Linux (btleplug's BlueZ backend and its D-Bus stack).
const LINUX_ONLY: &[&str] = &[
    "libdbus-sys",
    "dbus",
    "dbus-tokio",
    "bluez-async",
    "bluez-generated",
];

/// Packages whose normal dependency tree is checked: the BLE reader (with and without the
/// virtual reader), the CLI, which pulls in everything the demo needs, and the mobile SDK.
const PACKAGES: &[(&str, &[&str])] = &[
    ("cardpointe-reader", &[]),
    ("cardpointe-reader", &["--features", "simulator"]),
    ("cardpointe", &["--features", "reader-simulator"]),
    ("cardpointe-cli", &[]),
    // The iOS/Android SDK surface (the app's own Bluetooth stack; btleplug stays in the tree
    // through cardpointe-reader, without D-Bus off Linux).
    ("cardpointe-mobile", &[]),
];

/// Fails if a Linux-only crate is in the normal dependency tree of a package for a non-Linux
/// target.
pub(crate) fn check() -> Result<(), String> {
    for target in NON_LINUX_TARGETS {
        for (package, features) in PACKAGES {
            let tree = normal_tree(package, features, Some(target))?;
            let found = names_in(&tree, LINUX_ONLY);
            if !found.is_empty() {
                return Err(format!(
                    "{package} {} pulls Linux-only crates into {target}: {} — make them \
                     `[target.'cfg(target_os = \"linux\")'.dependencies]`",
                    features.join(" "),
                    found.join(", ")
                ));
            }
        }
    }
    println!("platforms: no Linux-only crate in the reader's tree for {NON_LINUX_TARGETS:?}");
    Ok(())
}

/// The normal (non-dev, non-build) dependency tree of `package` with `features`, for `target`
/// (default: the host), one `name vX.Y.Z` per line (`cargo tree --prefix none --format {p}`).
pub(crate) fn normal_tree(
    package: &str,
    features: &[&str],
    target: Option<&str>,
) -> Result<String, String> {
    let mut args = vec![
        "tree",
        "--package",
        package,
        "--edges",
        "normal",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ];
    if let Some(target) = target {
        args.extend(["--target", target]);
    }
    args.extend_from_slice(features);
    println!("\n==> cargo {}", args.join(" "));
    let out = Command::new(cargo())
        .args(&args)
        .current_dir(workspace_root())
        .output()
        .map_err(|e| format!("could not start cargo tree: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`cargo {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The names from `listed` in `cargo tree --prefix none --format {p}` output (exact package
/// names, sorted, once each).
pub(crate) fn names_in(tree: &str, listed: &[&str]) -> Vec<String> {
    let mut found: Vec<String> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| listed.contains(name))
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::{LINUX_ONLY, names_in};

    #[test]
    fn linux_only_crates_are_found_by_name_only() {
        let tree = "cardpointe-reader v0.1.0\nbtleplug v0.13.0\ndbus v0.9.12\nlibdbus-sys v0.2.7\ndbus v0.9.12 (*)\nthiserror v2.0.21\n";
        assert_eq!(names_in(tree, LINUX_ONLY), ["dbus", "libdbus-sys"]);
        assert!(names_in("dbus-codegen-not-listed v1\nmy-dbus v1\n", LINUX_ONLY).is_empty());
    }
}
