//! Replays every committed fuzz corpus through its check, so the corpora run on stable CI.

use std::fs;
use std::panic;
use std::path::{Path, PathBuf};

use cardpointe_fuzz_checks::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn every_target_has_a_binary_and_a_seed_corpus() {
    for target in TARGETS {
        let bin = fuzz_dir()
            .join("fuzz_targets")
            .join(format!("{}.rs", target.name));
        assert!(
            bin.is_file(),
            "fuzz target {} has no {}",
            target.name,
            bin.display()
        );
        let corpus = fuzz_dir().join("corpus").join(target.name);
        let seeds = fs::read_dir(&corpus)
            .unwrap_or_else(|e| {
                panic!(
                    "fuzz target {} has no corpus at {}: {e}",
                    target.name,
                    corpus.display()
                )
            })
            .count();
        assert!(
            seeds > 0,
            "the corpus of fuzz target {} is empty",
            target.name
        );
    }
}

#[test]
fn every_corpus_directory_belongs_to_a_target() {
    let Ok(dirs) = fs::read_dir(fuzz_dir().join("corpus")) else {
        return;
    };
    for dir in dirs.flatten() {
        let name = dir.file_name().to_string_lossy().into_owned();
        assert!(
            TARGETS.iter().any(|t| t.name == name),
            "fuzz/corpus/{name} has no target in cardpointe_fuzz_checks::TARGETS"
        );
    }
}

#[test]
fn every_corpus_input_passes_its_check() {
    let mut replayed = 0usize;
    for target in TARGETS {
        let corpus = fuzz_dir().join("corpus").join(target.name);
        let Ok(entries) = fs::read_dir(&corpus) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            let data = fs::read(&path).expect("corpus file is readable");
            let check = target.check;
            if panic::catch_unwind(|| check(&data)).is_err() {
                panic!("fuzz target {} fails on {}", target.name, path.display());
            }
            replayed += 1;
        }
    }
    println!(
        "replayed {replayed} corpus inputs over {} targets",
        TARGETS.len()
    );
}
