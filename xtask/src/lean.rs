//! The light crates stay light: turning on `cardpointe-reader`'s `simulator` feature adds the
//! virtual VP3300 and nothing of the emulator's HTTP server, TLS or command line, and the
//! emulator's default library carries no command-line parsing, config-file format or logging
//! set-up (those are its `serve` and `toml` features).

use crate::platforms::{names_in, normal_tree};

/// Crates that only an HTTP/TLS server or a program needs.
const SERVER_AND_PROGRAM: &[&str] = &[
    "hyper",
    "hyper-util",
    "hyper-rustls",
    "rustls",
    "tokio-rustls",
    "rcgen",
    "clap",
    "toml",
    "tracing-subscriber",
];

/// Crates that only a program needs (flags, config files, a log subscriber).
const PROGRAM: &[&str] = &["clap", "toml", "tracing-subscriber"];

/// Package, features, and the crates its normal dependency tree must not hold.
const CHECKS: &[(&str, &[&str], &[&str])] = &[
    (
        "cardpointe-reader",
        &["--features", "simulator"],
        SERVER_AND_PROGRAM,
    ),
    ("cardpointe-vp3300-sim", &[], SERVER_AND_PROGRAM),
    ("cardpointe-sim", &[], PROGRAM),
];

/// Fails if a forbidden crate is in one of the checked trees.
pub(crate) fn check() -> Result<(), String> {
    for (package, features, forbidden) in CHECKS {
        let tree = normal_tree(package, features, None)?;
        let found = names_in(&tree, forbidden);
        if !found.is_empty() {
            return Err(format!(
                "{package} {} pulls in {} — keep them behind a feature its light users do not \
                 turn on (the virtual VP3300 has none of them; the emulator's command line \
                 and TOML are its `serve` and `toml` features); `cargo tree -e normal -i NAME \
                 -p {package}` shows the path",
                features.join(" "),
                found.join(", ")
            ));
        }
    }
    println!(
        "lean: the reader's simulator, the virtual VP3300 and the emulator's library hold no \
         server, TLS or program crates beyond their own"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{PROGRAM, SERVER_AND_PROGRAM};
    use crate::platforms::names_in;

    #[test]
    fn forbidden_crates_are_found_by_exact_name() {
        let tree = "cardpointe-reader v0.1.0\nhyper v1.5.0\nhyper-util v0.1.10\nclap_builder v4.5.0\ntoml_edit v0.22.0\nhyper v1.5.0 (*)\n";
        assert_eq!(names_in(tree, SERVER_AND_PROGRAM), ["hyper", "hyper-util"]);
        assert!(names_in(tree, PROGRAM).is_empty());
    }
}
