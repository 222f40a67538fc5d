//! `cargo xtask bench [BENCH…] [--quick] [--report-only]`: runs the criterion benches of
//! `benches/` and prints one table of every result, fastest first within each group and input,
//! with each row's throughput relative to the fastest (so our parsers stand beside the peer
//! crates, raw hyper and the memcpy bound of the same bytes). The table is also written to
//! `benches/RESULTS.md` with the machine and the date.
//!
//! It reads criterion's own records (`target/criterion/**/new/{benchmark,estimates}.json`, or
//! under `$CRITERION_HOME` / `$CARGO_TARGET_DIR` as criterion itself picks), so
//! the figures are exactly criterion's: the median of its samples.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use serde_json::Value;

use crate::cmd::{cargo_run, workspace_root};

/// One criterion result.
#[derive(Debug, Clone, PartialEq)]
struct Measurement {
    group: String,
    function: String,
    input: String,
    /// Median time of one iteration, in nanoseconds.
    median_ns: f64,
    /// Work per iteration, if the bench declared it.
    throughput: Option<Throughput>,
}

/// Criterion's `Throughput`, as recorded in `benchmark.json`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Throughput {
    Bytes(f64),
    Elements(f64),
}

impl Measurement {
    /// Units of work per second (bytes or elements), when declared.
    fn per_second(&self) -> Option<f64> {
        let work = match self.throughput? {
            Throughput::Bytes(n) | Throughput::Elements(n) => n,
        };
        (self.median_ns > 0.0).then(|| work * 1e9 / self.median_ns)
    }
}

/// Parses one result from the text of its `benchmark.json` and `estimates.json`.
fn parse(benchmark: &str, estimates: &str) -> Result<Measurement, String> {
    let b: Value = serde_json::from_str(benchmark).map_err(|e| format!("benchmark.json: {e}"))?;
    let e: Value = serde_json::from_str(estimates).map_err(|e| format!("estimates.json: {e}"))?;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let throughput = match b.get("throughput") {
        Some(Value::Object(t)) => {
            let number = |key: &str| t.get(key).and_then(Value::as_f64);
            if let Some(n) = number("Bytes").or_else(|| number("BytesDecimal")) {
                Some(Throughput::Bytes(n))
            } else {
                number("Elements").map(Throughput::Elements)
            }
        }
        _ => None,
    };
    let median_ns = e
        .pointer("/median/point_estimate")
        .or_else(|| e.pointer("/mean/point_estimate"))
        .and_then(Value::as_f64)
        .ok_or("estimates.json has no median or mean")?;
    Ok(Measurement {
        group: text(&b["group_id"]),
        function: text(&b["function_id"]),
        input: text(&b["value_str"]),
        median_ns,
        throughput,
    })
}

/// Every `new/benchmark.json` under `dir` (criterion's latest run of each benchmark), with its
/// modification time.
fn records(dir: &Path, found: &mut Vec<(PathBuf, SystemTime)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            records(&path, found);
        } else if path.ends_with("new/benchmark.json") {
            let modified = entry
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH);
            found.push((path, modified));
        }
    }
}

fn human_time(ns: f64) -> String {
    match ns {
        n if n < 1e3 => format!("{n:.1} ns"),
        n if n < 1e6 => format!("{:.2} µs", n / 1e3),
        n if n < 1e9 => format!("{:.2} ms", n / 1e6),
        n => format!("{:.2} s", n / 1e9),
    }
}

fn human_rate(m: &Measurement) -> String {
    match (m.throughput, m.per_second()) {
        (Some(Throughput::Bytes(_)), Some(rate)) => match rate {
            r if r >= 1e9 => format!("{:.2} GB/s", r / 1e9),
            r => format!("{:.1} MB/s", r / 1e6),
        },
        (Some(Throughput::Elements(_)), Some(rate)) => match rate {
            r if r >= 1e6 => format!("{:.2} M/s", r / 1e6),
            r => format!("{:.0} /s", r),
        },
        _ => "—".to_owned(),
    }
}

/// The markdown table: one section per group and input, fastest first.
fn table(measurements: &[Measurement]) -> String {
    let mut sections: BTreeMap<(String, String), Vec<&Measurement>> = BTreeMap::new();
    for m in measurements {
        sections
            .entry((m.group.clone(), m.input.clone()))
            .or_default()
            .push(m);
    }
    let mut out =
        String::from("| group | input | benchmark | median time | throughput | vs fastest |\n");
    out.push_str("|---|---|---|---:|---:|---:|\n");
    for ((group, input), mut rows) in sections {
        rows.sort_by(|a, b| a.median_ns.total_cmp(&b.median_ns));
        let fastest = rows.first().map_or(0.0, |m| m.median_ns);
        for m in rows {
            let relative = if m.median_ns > 0.0 {
                fastest / m.median_ns
            } else {
                0.0
            };
            let _ = writeln!(
                out,
                "| {group} | {input} | {} | {} | {} | {relative:.2}× |",
                if m.function.is_empty() {
                    "—"
                } else {
                    &m.function
                },
                human_time(m.median_ns),
                human_rate(m),
            );
        }
    }
    out
}

/// The comparisons the issues set bars on, each `(baseline, subject)` by benchmark name: the
/// subject's time over the baseline's, within one group and input of the same run (ratios
/// taken in one run hold up on a loaded machine better than absolute figures).
const RATIOS: [(&str, &str); 3] = [
    ("naive recursive", "cardpointe-emv"),
    ("cardpointe-emv", "iso7816-tlv"),
    ("crc16_64KiB", "decode_ref_64KiB_in_20B_chunks"),
];

/// One line per [`RATIOS`] pair found in the same group and input.
fn ratios(measurements: &[Measurement]) -> String {
    let mut out = String::new();
    let find = |group: &str, input: &str, function: &str| {
        measurements
            .iter()
            .find(|m| m.group == group && m.input == input && m.function == function)
    };
    let mut sections: Vec<(&str, &str)> = measurements
        .iter()
        .map(|m| (m.group.as_str(), m.input.as_str()))
        .collect();
    sections.sort_unstable();
    sections.dedup();
    for (group, input) in sections {
        for (baseline, subject) in RATIOS {
            let (Some(b), Some(s)) = (find(group, input, baseline), find(group, input, subject))
            else {
                continue;
            };
            if b.median_ns > 0.0 {
                let _ = writeln!(
                    out,
                    "- {group}{}{input}: `{subject}` takes {:.2}× the time of `{baseline}`",
                    if input.is_empty() { "" } else { " " },
                    s.median_ns / b.median_ns
                );
            }
        }
    }
    out
}

/// The `[profile.bench]` section of the root `Cargo.toml`, as `key = value` pairs: what the
/// figures were built with.
fn bench_profile(root: &Path) -> String {
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
    let fields: Vec<&str> = manifest
        .lines()
        .skip_while(|l| l.trim() != "[profile.bench]")
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with('['))
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    if fields.is_empty() {
        "unknown".to_owned()
    } else {
        fields.join(", ")
    }
}

fn machine() -> String {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.to_owned())
        })
        .and_then(|l| l.split(':').nth(1).map(|m| m.trim().to_owned()))
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{cpu}, {cores} cores; {rustc}")
}

/// The 1-, 5- and 15-minute load averages (`/proc/loadavg`), or `unknown`: benchmarks on a
/// shared machine mean little without them.
fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Where criterion writes its records, found as criterion finds it: `$CRITERION_HOME`, else
/// `criterion` in `$CARGO_TARGET_DIR`, else in the workspace's `target`.
fn criterion_home(root: &Path) -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("criterion")
}

/// Runs the bench task.
/// The line after which `benches/RESULTS.md` holds hand-written notes that a run keeps.
const NOTES_MARKER: &str = "<!-- notes below are kept by `cargo xtask bench` -->";

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let quick = args.iter().any(|a| a == "--quick");
    let report_only = args.iter().any(|a| a == "--report-only");
    if let Some(bad) = args
        .iter()
        .find(|a| a.starts_with('-') && !["--quick", "--report-only"].contains(&a.as_str()))
    {
        return Err(format!(
            "bench: unknown option `{bad}` (known: --quick, --report-only)"
        ));
    }
    let names: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(String::as_str)
        .collect();
    let started = SystemTime::now();
    let load_before = load_average();
    if !report_only {
        let mut cargo_args = vec!["bench", "--package", "cardpointe-benches"];
        for name in &names {
            cargo_args.extend(["--bench", name]);
        }
        if quick {
            cargo_args.extend(["--", "--warm-up-time", "1", "--measurement-time", "3"]);
        }
        cargo_run(&cargo_args)?;
    }
    let root = workspace_root();
    let mut found = Vec::new();
    records(&criterion_home(&root), &mut found);
    let mut measurements = Vec::new();
    for (path, modified) in found {
        if !report_only && modified < started {
            continue; // a result of an earlier run, not this one
        }
        let estimates = path.with_file_name("estimates.json");
        let (Ok(b), Ok(e)) = (fs::read_to_string(&path), fs::read_to_string(&estimates)) else {
            continue;
        };
        measurements.push(parse(&b, &e).map_err(|err| format!("{}: {err}", path.display()))?);
    }
    if measurements.is_empty() {
        return Err("bench: no criterion results found under target/criterion".to_owned());
    }
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let body = table(&measurements);
    let key_ratios = ratios(&measurements);
    println!("\n{body}\n{key_ratios}");
    let report = format!(
        "# Benchmark results\n\nMeasured by `cargo xtask bench{}{}` on {date}.\n\nMachine: {}. \
         Load average (1/5/15 min) {load_before} before and {} after the run.\n\n\
         Profile: `[profile.bench]` = {} — Cargo's default release profile, what a crate that \
         depends on ours builds it with (no LTO); the benches crate calls the library crates \
         across the crate boundary, as such a dependent does.\n\n\
         Median of criterion's samples; `vs fastest` is the row's speed relative to the fastest \
         row of the same group and input (1.00× = fastest).\n\n{body}\n\
         Ratios within this run:\n\n{key_ratios}",
        if quick { " --quick" } else { "" },
        names.iter().map(|n| format!(" {n}")).collect::<String>(),
        machine(),
        load_average(),
        bench_profile(&root),
    );
    let path = root.join("benches").join("RESULTS.md");
    // Hand-written sections (load, instruction counts, the issue's bars) follow NOTES_MARKER
    // and survive a new run; the generated part above it is replaced.
    let kept = fs::read_to_string(&path)
        .ok()
        .and_then(|old| old.find(NOTES_MARKER).map(|at| old[at..].to_owned()));
    let report = match kept {
        Some(notes) => format!("{}\n\n{notes}", report.trim_end()),
        None => report,
    };
    fs::write(&path, report).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("written to {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BENCHMARK: &str = r#"{"group_id":"tlv_walk","function_id":"ours","value_str":"emv_record_300B",
        "throughput":{"Bytes":300},"full_id":"tlv_walk/ours/emv_record_300B","directory_name":"x","title":"t"}"#;
    const ESTIMATES: &str =
        r#"{"mean":{"point_estimate":160.0},"median":{"point_estimate":150.0}}"#;

    #[test]
    fn criterion_records_are_read_as_median_and_throughput() {
        let m = parse(BENCHMARK, ESTIMATES).unwrap();
        assert_eq!(m.group, "tlv_walk");
        assert_eq!(m.function, "ours");
        assert_eq!(m.input, "emv_record_300B");
        assert_eq!(m.median_ns, 150.0);
        assert_eq!(m.throughput, Some(Throughput::Bytes(300.0)));
        assert_eq!(human_rate(&m), "2.00 GB/s");
    }

    #[test]
    fn the_table_puts_the_fastest_first_and_relates_the_rest_to_it() {
        let ours = parse(BENCHMARK, ESTIMATES).unwrap();
        let peer = Measurement {
            function: "tlv_parser".into(),
            median_ns: 1500.0,
            ..ours.clone()
        };
        let out = table(&[peer, ours]);
        let rows: Vec<&str> = out.lines().skip(2).collect();
        assert_eq!(rows.len(), 2);
        assert!(
            rows[0].contains("| ours |") && rows[0].contains("1.00×"),
            "{out}"
        );
        assert!(
            rows[1].contains("| tlv_parser |") && rows[1].contains("0.10×"),
            "{out}"
        );
        assert!(rows[1].contains("200.0 MB/s"), "{out}");
    }

    #[test]
    fn ratios_compare_named_rows_of_the_same_group_and_input() {
        let ours = parse(BENCHMARK, ESTIMATES).unwrap();
        let row = |function: &str, median_ns: f64| Measurement {
            function: function.into(),
            median_ns,
            ..ours.clone()
        };
        let out = ratios(&[
            row("cardpointe-emv", 300.0),
            row("naive recursive", 200.0),
            row("iso7816-tlv", 6000.0),
        ]);
        assert!(
            out.contains("`cardpointe-emv` takes 1.50× the time of `naive recursive`"),
            "{out}"
        );
        assert!(
            out.contains("`iso7816-tlv` takes 20.00× the time of `cardpointe-emv`"),
            "{out}"
        );
        assert!(ratios(&[row("cardpointe-emv", 1.0)]).is_empty());
    }

    #[test]
    fn a_record_without_estimates_is_an_error_not_a_zero() {
        assert!(parse(BENCHMARK, "{}").is_err());
    }
}
