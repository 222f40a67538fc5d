//! `CHANGELOG.md` in the Keep a Changelog layout: an `## [Unreleased]` section on top, then one
//! `## [X.Y.Z] - YYYY-MM-DD` section per release.

use super::version::Version;

const UNRELEASED: &str = "## [Unreleased]";

/// Whether the changelog already has a section for `version`.
pub(crate) fn has_release(text: &str, version: Version) -> bool {
    let heading = format!("## [{version}]");
    text.lines()
        .any(|line| line.trim_end() == heading || line.starts_with(&format!("{heading} ")))
}

/// Moves the entries of `## [Unreleased]` under a new `## [version] - date` heading, leaving an
/// empty `Unreleased` section on top. Refuses a changelog without entries to release.
pub(crate) fn release(text: &str, version: Version, date: &str) -> Result<String, String> {
    if has_release(text, version) {
        return Err(format!("CHANGELOG.md already has a section for {version}"));
    }
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| l.trim_end() == UNRELEASED) else {
        return Err(format!(
            "CHANGELOG.md has no `{UNRELEASED}` section: add one with the changes of {version} \
             before releasing"
        ));
    };
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("## "))
        .map_or(lines.len(), |i| start + 1 + i);
    let entries = &lines[start + 1..end];
    if entries.iter().all(|l| l.trim().is_empty()) {
        return Err(format!(
            "the `{UNRELEASED}` section of CHANGELOG.md is empty: describe what {version} changes \
             before releasing"
        ));
    }
    let mut out: Vec<String> = lines[..=start].iter().map(|l| (*l).to_owned()).collect();
    out.push(String::new());
    out.push(format!("## [{version}] - {date}"));
    out.extend(entries.iter().map(|l| (*l).to_owned()));
    out.extend(lines[end..].iter().map(|l| (*l).to_owned()));
    let mut joined = out.join("\n");
    joined.push('\n');
    Ok(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "# Changelog\n\n## [Unreleased]\n\n### Added\n- a thing\n\n## [0.1.0] - 2026-01-01\n- first\n";

    fn v(text: &str) -> Version {
        text.parse().unwrap()
    }

    #[test]
    fn unreleased_entries_move_under_the_new_version_with_the_date() {
        let out = release(LOG, v("0.2.0"), "2026-11-25").unwrap();
        assert_eq!(
            out,
            "# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2026-11-25\n\n### Added\n- a thing\n\n\
             ## [0.1.0] - 2026-01-01\n- first\n"
        );
        assert!(has_release(&out, v("0.2.0")));
        assert!(has_release(&out, v("0.1.0")));
        assert!(!has_release(&out, v("0.1.1")));
    }

    #[test]
    fn an_empty_unreleased_section_is_refused() {
        let empty = "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-01-01\n- first\n";
        assert!(
            release(empty, v("0.2.0"), "2026-11-25")
                .unwrap_err()
                .contains("is empty")
        );
    }

    #[test]
    fn a_changelog_without_unreleased_is_refused() {
        let none = "# Changelog\n\n## [0.1.0] - 2026-01-01\n";
        assert!(
            release(none, v("0.2.0"), "d")
                .unwrap_err()
                .contains("no `## [Unreleased]`")
        );
    }

    #[test]
    fn a_version_is_never_released_twice_in_the_changelog() {
        assert!(
            release(LOG, v("0.1.0"), "d")
                .unwrap_err()
                .contains("already has a section")
        );
    }
}
