//! Release versions (`MAJOR.MINOR.PATCH`) and the bump a release asks for.

use std::fmt;
use std::str::FromStr;

/// A release version. Pre-release and build suffixes are not used by this workspace and are
/// refused, so that every tag is a plain `vX.Y.Z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Version {
    pub(crate) major: u64,
    pub(crate) minor: u64,
    pub(crate) patch: u64,
}

impl Version {
    /// The version a bump of `level` gives, per Semantic Versioning: a bump resets the parts
    /// below it. (For 0.x versions too: `minor` on 0.3.4 gives 0.4.0.)
    pub(crate) fn bumped(self, level: Level) -> Version {
        match level {
            Level::Major => Version {
                major: self.major + 1,
                minor: 0,
                patch: 0,
            },
            Level::Minor => Version {
                major: self.major,
                minor: self.minor + 1,
                patch: 0,
            },
            Level::Patch => Version {
                patch: self.patch + 1,
                ..self
            },
        }
    }

    /// The git tag of this version, `vX.Y.Z`.
    pub(crate) fn tag(self) -> String {
        format!("v{self}")
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl FromStr for Version {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = text.split('.').collect();
        let [major, minor, patch] = parts.as_slice() else {
            return Err(format!(
                "`{text}` is not a version: expected MAJOR.MINOR.PATCH, e.g. 1.4.2"
            ));
        };
        let number = |part: &str, what: &str| {
            let digits_only = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
            let leading_zero = part.len() > 1 && part.starts_with('0');
            if !digits_only || leading_zero {
                return Err(format!(
                    "`{text}` is not a version: the {what} part `{part}` must be a number without \
                     leading zeros (pre-release suffixes are not used here)"
                ));
            }
            part.parse::<u64>()
                .map_err(|_| format!("`{text}`: the {what} part is too large"))
        };
        Ok(Version {
            major: number(major, "major")?,
            minor: number(minor, "minor")?,
            patch: number(patch, "patch")?,
        })
    }
}

/// Which part of the version a release bumps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Level {
    Major,
    Minor,
    Patch,
}

/// What `cargo xtask release <what>` asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Request {
    /// Bump the part named.
    Bump(Level),
    /// Release exactly this version.
    Exact(Version),
}

impl FromStr for Request {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "major" => Ok(Request::Bump(Level::Major)),
            "minor" => Ok(Request::Bump(Level::Minor)),
            "patch" => Ok(Request::Bump(Level::Patch)),
            other => other.parse().map(Request::Exact).map_err(|e| {
                format!("{e}\n(release takes `patch`, `minor`, `major` or an exact X.Y.Z)")
            }),
        }
    }
}

/// Decides the version to release.
///
/// `current` is the workspace version; `released` says whether its tag already exists;
/// `in_changelog` whether `CHANGELOG.md` already has a section for it (a release of `current`
/// was started: the bump commit exists, a later step failed). Refuses a version that does not
/// increase.
pub(crate) fn target(
    request: Request,
    current: Version,
    released: bool,
    in_changelog: bool,
    latest_tag: Option<Version>,
) -> Result<Version, String> {
    let resuming = !released && in_changelog;
    let target = match request {
        Request::Exact(version) => version,
        Request::Bump(_) if resuming => current,
        Request::Bump(level) => current.bumped(level),
    };
    if let Some(latest) = latest_tag.filter(|latest| target <= *latest) {
        return Err(format!(
            "version {target} does not increase: {latest} is already tagged ({})",
            latest.tag()
        ));
    }
    if target < current || (target == current && released) {
        return Err(format!(
            "version {target} does not increase: the workspace is at {current}{}",
            if released { " (already released)" } else { "" }
        ));
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        text.parse().unwrap()
    }

    #[test]
    fn bumps_reset_the_lower_parts() {
        assert_eq!(v("1.4.2").bumped(Level::Patch), v("1.4.3"));
        assert_eq!(v("1.4.2").bumped(Level::Minor), v("1.5.0"));
        assert_eq!(v("1.4.2").bumped(Level::Major), v("2.0.0"));
        assert_eq!(v("0.3.9").bumped(Level::Minor), v("0.4.0"));
    }

    #[test]
    fn versions_order_numerically_not_textually() {
        assert!(v("0.10.0") > v("0.9.9"));
        assert!(v("1.0.0") > v("0.99.99"));
        assert_eq!(v("2.0.10").tag(), "v2.0.10");
    }

    #[test]
    fn malformed_versions_are_refused_with_the_reason() {
        for bad in [
            "1.2",
            "1.2.3.4",
            "1.x.3",
            "01.2.3",
            "1.2.3-rc.1",
            "",
            "v1.2.3",
        ] {
            let error = bad.parse::<Version>().unwrap_err();
            assert!(error.contains(bad), "{error}");
        }
        let error = "huge".parse::<Request>().unwrap_err();
        assert!(error.contains("patch`, `minor`, `major`"), "{error}");
    }

    #[test]
    fn a_bump_starts_from_the_released_workspace_version() {
        let t = target(
            Request::Bump(Level::Minor),
            v("0.1.0"),
            true,
            true,
            Some(v("0.1.0")),
        );
        assert_eq!(t, Ok(v("0.2.0")));
    }

    #[test]
    fn a_bump_of_an_unreleased_never_started_version_moves_on_from_it() {
        let t = target(Request::Bump(Level::Patch), v("0.1.0"), false, false, None);
        assert_eq!(t, Ok(v("0.1.1")));
    }

    #[test]
    fn a_bump_after_a_failed_release_resumes_the_same_version() {
        // The bump commit of 0.2.0 exists (changelog section, no tag): `minor` again means 0.2.0.
        let t = target(
            Request::Bump(Level::Minor),
            v("0.2.0"),
            false,
            true,
            Some(v("0.1.0")),
        );
        assert_eq!(t, Ok(v("0.2.0")));
    }

    #[test]
    fn an_exact_version_may_be_the_current_unreleased_one() {
        let t = target(Request::Exact(v("0.1.0")), v("0.1.0"), false, false, None);
        assert_eq!(t, Ok(v("0.1.0")));
    }

    #[test]
    fn versions_that_do_not_increase_are_refused() {
        let released = target(
            Request::Exact(v("0.1.0")),
            v("0.1.0"),
            true,
            true,
            Some(v("0.1.0")),
        );
        assert!(released.unwrap_err().contains("does not increase"));
        let older = target(Request::Exact(v("0.0.9")), v("0.1.0"), false, false, None);
        assert!(older.unwrap_err().contains("does not increase"));
        let below_tag = target(
            Request::Exact(v("0.3.0")),
            v("0.3.0"),
            false,
            false,
            Some(v("0.4.0")),
        );
        assert!(below_tag.unwrap_err().contains("v0.4.0"));
    }
}
