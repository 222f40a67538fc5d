//! `cargo xtask release <patch|minor|major|X.Y.Z> [--execute] [--no-publish] [--skip-ci] [--date D]`
//!
//! The steps, in order; each one first checks whether it is already done, so a release that
//! failed half-way is finished by running the same command again:
//!
//! 1. **check** — the tree is clean; every publishable crate is ready to publish (licence
//!    files and README in its `.crate`, docs.rs metadata, `SECURITY.md`: see [`readiness`]); the
//!    version increases; `CHANGELOG.md` has entries for it.
//! 2. **bump** — the one workspace version and every inter-crate requirement, the changelog's
//!    `Unreleased` section moved under `## [X.Y.Z] - date`, `Cargo.lock` refreshed, all committed
//!    as `Release vX.Y.Z`. *Done when* the workspace is already at X.Y.Z with a changelog section.
//! 3. **ci** — `cargo xtask ci`. *Done when* the tag exists (it is only made after CI passed).
//! 4. **package** — `cargo package` of every publishable crate, in dependency order, without
//!    `--allow-dirty` (cargo packages them together against a local registry). *Done when* the
//!    tag exists.
//! 5. **tag** — an annotated `vX.Y.Z`. *Done when* the tag exists.
//! 6. **publish** — `cargo publish` of each crate in dependency order. *Done when* crates.io
//!    already has that crate at X.Y.Z. Skipped with `--no-publish`.
//!
//! Without `--execute` nothing changes: every step is printed with what it would do.

mod changelog;
mod manifest;
pub(crate) mod readiness;
mod version;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use toml_edit::{DocumentMut, Item};

use version::{Request, Version};

/// The steps of a release, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Bump,
    Ci,
    Package,
    Tag,
    Publish,
}

/// How a release runs.
#[derive(Debug)]
struct Context {
    /// The workspace root (a git work tree).
    root: PathBuf,
    /// Do it; otherwise print what would be done.
    execute: bool,
    /// Stop after the tag.
    no_publish: bool,
    /// Skip `cargo xtask ci` (for a CI that has just run it).
    skip_ci: bool,
    /// Skip `cargo package` (tests only: packaging needs the registry).
    skip_package: bool,
    /// The release date for the changelog; today (UTC) when not given.
    date: Option<String>,
    /// Tests only: stop (as if failing) after this step.
    stop_after: Option<Step>,
}

/// Parses the command line and runs the release in the workspace root.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut request = None;
    let mut context = Context {
        root: crate::cmd::workspace_root(),
        execute: false,
        no_publish: false,
        skip_ci: false,
        skip_package: false,
        date: None,
        stop_after: None,
    };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--execute" => context.execute = true,
            "--no-publish" => context.no_publish = true,
            "--skip-ci" => context.skip_ci = true,
            "--date" => {
                let date = iter.next().ok_or("release: --date needs YYYY-MM-DD")?;
                context.date = Some(date.clone());
            }
            flag if flag.starts_with('-') => {
                return Err(format!(
                    "release: unknown option `{flag}` (known: --execute, --no-publish, --skip-ci, --date)"
                ));
            }
            what if request.is_none() => request = Some(what.parse::<Request>()?),
            extra => return Err(format!("release: unexpected argument `{extra}`")),
        }
    }
    let request =
        request.ok_or("usage: cargo xtask release <patch|minor|major|X.Y.Z> [--execute]")?;
    let report = release(&context, request)?;
    if context.execute {
        println!("steps run: {:?}", report.ran);
    } else {
        println!("dry run of {} complete", report.version.tag());
    }
    Ok(())
}

/// Runs `program args` in `root`, returning its standard output; fails with its standard error.
pub(crate) fn output(root: &Path, program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| format!("could not start `{program}`: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "`{program} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Runs `program args` in `root` with its output shown.
fn visible(root: &Path, program: &str, args: &[&str]) -> Result<(), String> {
    println!("==> {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(root)
        .status()
        .map_err(|e| format!("could not start `{program}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

fn tags(root: &Path) -> Result<Vec<Version>, String> {
    let list = output(root, "git", &["tag", "--list", "v*"])?;
    Ok(list
        .lines()
        .filter_map(|t| t.trim().strip_prefix('v')?.parse().ok())
        .collect())
}

fn today() -> Result<String, String> {
    let date = output(Path::new("."), "date", &["-u", "+%Y-%m-%d"])?;
    Ok(date.trim().to_owned())
}

/// A publishable crate of the workspace and the workspace crates it depends on.
#[derive(Debug)]
struct Crate {
    name: String,
    depends_on: Vec<String>,
}

/// The publishable crates under `crates/` (not `publish = false`), in dependency order.
pub(crate) fn publishable_crates(root: &Path) -> Result<Vec<String>, String> {
    let mut crates = Vec::new();
    let Ok(entries) = fs::read_dir(root.join("crates")) else {
        return Ok(Vec::new());
    };
    let mut manifests: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path().join("Cargo.toml"))
        .collect();
    manifests.sort();
    for path in manifests.iter().filter(|p| p.is_file()) {
        let text =
            fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let doc: DocumentMut = text
            .parse()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let package = doc
            .get("package")
            .ok_or_else(|| format!("{} has no [package]", path.display()))?;
        if package.get("publish").and_then(Item::as_bool) == Some(false) {
            continue;
        }
        let name = package
            .get("name")
            .and_then(Item::as_str)
            .ok_or_else(|| format!("{} has no package name", path.display()))?
            .to_owned();
        let mut depends_on = Vec::new();
        for section in ["dependencies", "build-dependencies"] {
            if let Some(table) = doc.get(section).and_then(Item::as_table_like) {
                depends_on.extend(table.iter().map(|(dep, _)| dep.to_owned()));
            }
        }
        crates.push(Crate { name, depends_on });
    }
    // Dependency order: repeatedly take the crates whose workspace dependencies are all placed.
    let names: Vec<String> = crates.iter().map(|c| c.name.clone()).collect();
    let mut ordered: Vec<String> = Vec::new();
    while ordered.len() < crates.len() {
        let before = ordered.len();
        for krate in &crates {
            let ready = krate
                .depends_on
                .iter()
                .all(|d| !names.contains(d) || ordered.contains(d));
            if !ordered.contains(&krate.name) && ready {
                ordered.push(krate.name.clone());
            }
        }
        if ordered.len() == before {
            return Err("the workspace crates depend on each other in a cycle".to_owned());
        }
    }
    Ok(ordered)
}

fn published(name: &str, version: Version) -> bool {
    // Asked from outside the workspace, so that cargo looks at crates.io, not at our own package.
    Command::new("cargo")
        .args([
            "info",
            &format!("{name}@{version}"),
            "--registry",
            "crates-io",
        ])
        .current_dir(std::env::temp_dir())
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// What a release run did (for tests): the version and the steps it ran (not skipped as done).
#[derive(Debug)]
struct Report {
    version: Version,
    ran: Vec<Step>,
}

fn release(ctx: &Context, request: Request) -> Result<Report, String> {
    let root = ctx.root.as_path();
    let mode = if ctx.execute { "" } else { "[dry run] would " };
    if !ctx.execute {
        println!("dry run: nothing is changed; add --execute to release");
    }

    // 1. check
    let dirty = output(root, "git", &["status", "--porcelain"])?;
    if !dirty.trim().is_empty() {
        return Err(format!(
            "the work tree has uncommitted changes; commit or stash them first (a half-done release \
             bump can be thrown away with `git checkout .`: the release resumes from its last \
             commit):\n{dirty}"
        ));
    }
    if !ctx.skip_package {
        readiness::check(root)?;
    }
    let current = manifest::workspace_version(root)?;
    let released_tags = tags(root)?;
    let latest = released_tags.iter().copied().max();
    let changelog_path = root.join("CHANGELOG.md");
    let changelog = fs::read_to_string(&changelog_path).map_err(|e| {
        format!(
            "cannot read {}: {e} (a release needs a changelog)",
            changelog_path.display()
        )
    })?;
    let released = released_tags.contains(&current);
    let target = version::target(
        request,
        current,
        released,
        changelog::has_release(&changelog, current),
        latest,
    )?;
    let tag = target.tag();
    let tagged = released_tags.contains(&target);
    println!(
        "release {target} (workspace at {current}; latest tag {})",
        latest.map_or("none".to_owned(), |v| v.tag())
    );
    let mut ran = Vec::new();
    let stop = |step: Step, ran: &mut Vec<Step>| {
        ran.push(step);
        ctx.stop_after == Some(step)
    };

    // 2. bump
    if current == target {
        if !changelog::has_release(&changelog, target) {
            return Err(format!(
                "the workspace is already at {target} but CHANGELOG.md has no `## [{target}]` section; \
                 add it (or move the Unreleased entries under it) and commit"
            ));
        }
        println!("bump: done (workspace at {target}, changelog has its section)");
    } else {
        let date = match &ctx.date {
            Some(date) => date.clone(),
            None => today()?,
        };
        let moved = changelog::release(&changelog, target, &date)?;
        println!("bump: {mode}set the workspace version and inter-crate requirements to {target}");
        println!(
            "bump: {mode}move the Unreleased changelog entries under `## [{target}] - {date}`"
        );
        println!("bump: {mode}commit `Release {tag}`");
        if ctx.execute {
            manifest::bump(root, target)?;
            fs::write(&changelog_path, moved)
                .map_err(|e| format!("cannot write CHANGELOG.md: {e}"))?;
            if output(root, "git", &["ls-files", "--error-unmatch", "Cargo.lock"]).is_ok() {
                output(root, "cargo", &["metadata", "--format-version", "1"])?;
            }
            output(
                root,
                "git",
                &["commit", "--all", "--message", &format!("Release {tag}")],
            )?;
            if stop(Step::Bump, &mut ran) {
                return Err("stopped after bump (test)".to_owned());
            }
        }
    }

    // 3. ci and 4. package: made before the tag, so a tag means both passed.
    if tagged {
        println!("ci: done ({tag} exists)\npackage: done ({tag} exists)");
    } else {
        if ctx.skip_ci {
            println!("ci: skipped (--skip-ci)");
        } else {
            println!("ci: {mode}run `cargo xtask ci`");
            if ctx.execute {
                visible(root, "cargo", &["xtask", "ci"])?;
                if stop(Step::Ci, &mut ran) {
                    return Err("stopped after ci (test)".to_owned());
                }
            }
        }
        let crates = publishable_crates(root)?;
        println!(
            "package: {mode}package, in dependency order: {}",
            crates.join(", ")
        );
        if ctx.execute && !ctx.skip_package && !crates.is_empty() {
            let mut args = vec!["package"];
            for name in &crates {
                args.extend(["--package", name.as_str()]);
            }
            visible(root, "cargo", &args)?;
            if stop(Step::Package, &mut ran) {
                return Err("stopped after package (test)".to_owned());
            }
        }
    }

    // 5. tag
    if tagged {
        println!("tag: done ({tag} exists)");
    } else {
        println!("tag: {mode}tag {tag}");
        if ctx.execute {
            output(
                root,
                "git",
                &[
                    "tag",
                    "--annotate",
                    &tag,
                    "--message",
                    &format!("Release {tag}"),
                ],
            )?;
            if stop(Step::Tag, &mut ran) {
                return Err("stopped after tag (test)".to_owned());
            }
        }
    }

    // 6. publish
    if ctx.no_publish {
        println!("publish: skipped (--no-publish)");
    } else {
        for name in publishable_crates(root)? {
            if published(&name, target) {
                println!("publish: {name} {target} is already on crates.io");
                continue;
            }
            println!("publish: {mode}cargo publish --package {name}");
            if ctx.execute {
                visible(root, "cargo", &["publish", "--package", &name])?;
                ran.push(Step::Publish);
            }
        }
    }
    if ctx.execute {
        println!("released {tag}; push the commit and the tag: git push && git push origin {tag}");
    }
    Ok(Report {
        version: target,
        ran,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A temporary directory, removed on drop.
    pub(crate) struct TempDir(PathBuf);

    impl TempDir {
        pub(crate) fn new(name: &str) -> TempDir {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path =
                std::env::temp_dir().join(format!("xtask-{name}-{}-{n}", std::process::id()));
            let _ = fs::remove_dir_all(&path);
            fs::create_dir_all(&path).unwrap();
            TempDir(path)
        }

        pub(crate) fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn git(root: &Path, args: &[&str]) -> String {
        output(root, "git", args).unwrap()
    }

    /// A copy of the workspace's release-relevant files, with two tiny crates, as a git repo
    /// whose 0.1.0 is tagged and whose changelog has unreleased entries.
    fn workspace() -> TempDir {
        let dir = TempDir::new("release");
        let root = dir.path();
        let real = crate::cmd::workspace_root();
        // The real root manifest, reduced to our two fixture crates (same [workspace.package]).
        let manifest = fs::read_to_string(real.join("Cargo.toml")).unwrap();
        let mut doc: DocumentMut = manifest.parse().unwrap();
        let workspace = doc["workspace"].as_table_mut().unwrap();
        workspace.insert(
            "members",
            toml_edit::value(toml_edit::Array::from_iter(["crates/*"])),
        );
        workspace.remove("exclude");
        workspace.insert("dependencies", toml_edit::table());
        let deps = &mut workspace["dependencies"];
        deps["alpha"] = toml_edit::value(toml_edit::InlineTable::from_iter([
            ("path", "crates/alpha".into()),
            ("version", "0.1.0".into()),
        ]
            as [(&str, toml_edit::Value); 2]));
        workspace["package"]["version"] = toml_edit::value("0.1.0");
        fs::write(root.join("Cargo.toml"), doc.to_string()).unwrap();
        for (name, deps) in [("alpha", ""), ("beta", "alpha.workspace = true\n")] {
            let dir = root.join("crates").join(name);
            fs::create_dir_all(dir.join("src")).unwrap();
            fs::write(
                dir.join("Cargo.toml"),
                format!(
                    "[package]\nname = \"{name}\"\nversion.workspace = true\nedition = \"2021\"\n\
                     license = \"MIT\"\ndescription = \"fixture\"\n\n[dependencies]\n{deps}"
                ),
            )
            .unwrap();
            fs::write(dir.join("src/lib.rs"), "//! fixture\n").unwrap();
        }
        fs::write(root.join(".gitignore"), "/target\n").unwrap();
        fs::write(
            root.join("CHANGELOG.md"),
            "# Changelog\n\n## [Unreleased]\n\n### Added\n- beta\n\n## [0.1.0] - 2026-01-01\n- alpha\n",
        )
        .unwrap();
        git(root, &["init", "--quiet", "--initial-branch", "main"]);
        git(root, &["config", "user.name", "xtask test"]);
        git(root, &["config", "user.email", "xtask@example.invalid"]);
        git(root, &["add", "--all"]);
        git(root, &["commit", "--quiet", "--message", "initial"]);
        git(
            root,
            &["tag", "--annotate", "v0.1.0", "--message", "Release v0.1.0"],
        );
        dir
    }

    fn context(root: &Path, execute: bool) -> Context {
        Context {
            root: root.to_path_buf(),
            execute,
            no_publish: true,
            skip_ci: true,
            skip_package: true,
            date: Some("2026-11-25".to_owned()),
            stop_after: None,
        }
    }

    fn minor() -> Request {
        "minor".parse().unwrap()
    }

    #[test]
    fn a_dry_run_changes_nothing() {
        let ws = workspace();
        let head = git(ws.path(), &["rev-parse", "HEAD"]);
        let report = release(&context(ws.path(), false), minor()).unwrap();
        assert_eq!(report.version.to_string(), "0.2.0");
        assert!(report.ran.is_empty());
        assert_eq!(git(ws.path(), &["rev-parse", "HEAD"]), head);
        assert_eq!(git(ws.path(), &["status", "--porcelain"]), "");
        assert_eq!(git(ws.path(), &["tag", "--list"]).trim(), "v0.1.0");
    }

    #[test]
    fn a_release_bumps_commits_and_tags() {
        let ws = workspace();
        let root = ws.path();
        let report = release(&context(root, true), minor()).unwrap();
        assert_eq!(report.version.to_string(), "0.2.0");
        assert_eq!(report.ran, vec![Step::Bump, Step::Tag]);
        assert_eq!(
            manifest::workspace_version(root).unwrap().to_string(),
            "0.2.0"
        );
        let top = fs::read_to_string(root.join("Cargo.toml")).unwrap();
        assert!(
            top.contains("alpha = { path = \"crates/alpha\", version = \"0.2.0\" }"),
            "{top}"
        );
        let log = fs::read_to_string(root.join("CHANGELOG.md")).unwrap();
        assert!(
            log.contains("## [Unreleased]\n\n## [0.2.0] - 2026-11-25\n\n### Added\n- beta"),
            "{log}"
        );
        assert_eq!(
            git(root, &["log", "-1", "--format=%s"]).trim(),
            "Release v0.2.0"
        );
        assert!(git(root, &["tag", "--list"]).contains("v0.2.0"));
        assert_eq!(git(root, &["status", "--porcelain"]), "");
    }

    #[test]
    fn a_release_that_failed_after_the_bump_resumes_without_bumping_again() {
        let ws = workspace();
        let root = ws.path();
        let mut ctx = context(root, true);
        ctx.stop_after = Some(Step::Bump);
        assert!(release(&ctx, minor()).is_err());
        assert!(!git(root, &["tag", "--list"]).contains("v0.2.0"));
        let bump_commit = git(root, &["rev-parse", "HEAD"]);

        let report = release(&context(root, true), minor()).unwrap();
        assert_eq!(
            report.version.to_string(),
            "0.2.0",
            "the resumed release is still 0.2.0"
        );
        assert_eq!(report.ran, vec![Step::Tag], "only the missing steps ran");
        assert_eq!(
            git(root, &["rev-parse", "HEAD"]),
            bump_commit,
            "no second bump commit"
        );
        assert!(git(root, &["tag", "--list"]).contains("v0.2.0"));

        // Everything is done now: running again is a new release, and refuses without entries.
        let again = release(&context(root, true), minor()).unwrap_err();
        assert!(again.contains("empty"), "{again}");
        // And the exact version already released does not increase.
        let same = release(&context(root, true), "0.2.0".parse().unwrap()).unwrap_err();
        assert!(same.contains("does not increase"), "{same}");
    }

    #[test]
    fn a_dirty_tree_is_refused() {
        let ws = workspace();
        fs::write(ws.path().join("crates/alpha/src/lib.rs"), "//! changed\n").unwrap();
        let error = release(&context(ws.path(), true), minor()).unwrap_err();
        assert!(error.contains("uncommitted changes"), "{error}");
    }

    #[test]
    fn publishable_crates_come_in_dependency_order() {
        let ws = workspace();
        assert_eq!(publishable_crates(ws.path()).unwrap(), ["alpha", "beta"]);
        let real = publishable_crates(&crate::cmd::workspace_root()).unwrap();
        assert!(real.iter().all(|c| c.starts_with("cardpointe")), "{real:?}");
    }
}
