//! Leak test of the `cardpointe` binary: the demo (chip, swipe, tap, keyed, declined) and
//! gateway/tokenize calls against an emulator, with `--verbose` and `RUST_LOG=trace`, and some
//! failures (wrong password, bad card number, bad CVV); stdout and stderr must show none of the
//! UAT card numbers, CVVs, track data or credentials.

#[path = "../../cardpointe/tests/support/leak.rs"]
mod leak_search;

use std::process::{Command, Output};

use cardpointe_sim::Sim;
use leak_search::Secrets;

const CVV: &str = "123";
const WRONG_PASSWORD: &str = "not-the-password-42";
const BAD_NUMBER: &str = "4111111111111112";
/// Tags 5A (PAN) and 57 (track 2 equivalent) of the UAT Visa.
const TLV_WITH_PAN: &str = "5A08411111111111111157134111111111111111D30121010000000000000F";

fn cardpointe() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cardpointe"));
    for var in [
        "CARDPOINTE_SITE",
        "CARDPOINTE_BASE_URL",
        "CARDPOINTE_MERCHID",
        "CARDPOINTE_USERNAME",
        "CARDPOINTE_PASSWORD",
        "CARDPOINTE_CA_CERT",
        "CARDPOINTE_CONFIG",
    ] {
        command.env_remove(var);
    }
    command.env("RUST_LOG", "trace");
    command
}

/// One run: what it was, its exit code, and everything it printed.
struct Run {
    what: String,
    output: Output,
}

impl Run {
    fn text(&self) -> String {
        format!(
            "{}{}",
            String::from_utf8_lossy(&self.output.stdout),
            String::from_utf8_lossy(&self.output.stderr)
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_prints_no_card_data_or_credentials_even_at_trace() {
    let sim = Sim::builder().start().await.expect("the emulator starts");
    let ca = std::env::temp_dir().join(format!("cardpointe-cli-leak-{}.pem", std::process::id()));
    std::fs::write(&ca, sim.root_certificate_pem()).expect("the CA file is written");
    let (user, password) = sim.credentials();
    let env = |password: &str| {
        vec![
            ("CARDPOINTE_BASE_URL", sim.base_url()),
            ("CARDPOINTE_MERCHID", sim.merchid().to_owned()),
            ("CARDPOINTE_USERNAME", user.to_owned()),
            ("CARDPOINTE_PASSWORD", password.to_owned()),
            ("CARDPOINTE_CA_CERT", ca.display().to_string()),
        ]
    };
    let secrets = {
        let mut s = Secrets::uat(user, &[password, WRONG_PASSWORD], &[CVV]);
        s.pans.push(BAD_NUMBER.to_owned());
        s
    };
    let planted = secrets.leaks(&secrets.planted());
    assert!(planted.len() >= 4, "the search is blind: {planted:?}");

    let demo = |args: &[&str]| {
        let mut all = vec!["--verbose", "demo", "--card-delay-ms", "20"];
        all.extend_from_slice(args);
        (
            all.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
            env(password),
        )
    };
    let call = |args: &[&str], password: &str| {
        let mut all = vec!["--verbose"];
        all.extend_from_slice(args);
        (
            all.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
            env(password),
        )
    };
    let plan = vec![
        demo(&["--entry", "chip"]),
        demo(&["--entry", "swipe"]),
        demo(&["--entry", "tap"]),
        demo(&["--entry", "manual"]),
        demo(&["--scenario", "decline"]),
        demo(&["--json", "--entry", "swipe"]),
        call(
            &[
                "auth",
                "--amount",
                "12.34",
                "--card",
                "4111111111111111",
                "--expiry",
                "1230",
                "--cvv",
                CVV,
            ],
            password,
        ),
        call(
            &[
                "--json",
                "auth",
                "--amount",
                "5.00",
                "--card",
                "4387751111111038",
                "--expiry",
                "1230",
                "--cvv",
                CVV,
            ],
            password,
        ),
        call(
            &["tokenize", "--card", "4111111111111111", "--cvv", CVV],
            password,
        ),
        call(&["--json", "tokenize", "--reader"], password),
        call(
            &[
                "auth",
                "--amount",
                "1.00",
                "--card",
                "4111111111111111",
                "--expiry",
                "1230",
                "--cvv",
                CVV,
            ],
            WRONG_PASSWORD,
        ),
        call(&["tokenize", "--card", BAD_NUMBER], password),
        call(
            &["tokenize", "--card", "4111111111111111", "--cvv", "12a"],
            password,
        ),
        call(
            &[
                "auth", "--amount", "1.00", "--card", BAD_NUMBER, "--expiry", "1230",
            ],
            password,
        ),
        // The CLI's own in-process emulator, and the decoders on card-carrying data.
        call(
            &[
                "auth",
                "--sim",
                "--amount",
                "3.00",
                "--card",
                "4111111111111111",
                "--expiry",
                "1230",
                "--cvv",
                CVV,
            ],
            password,
        ),
        call(&["decode", "tlv", TLV_WITH_PAN], password),
        call(&["--json", "decode", "tlv", TLV_WITH_PAN], password),
    ];
    let mut runs = Vec::new();
    for (args, env) in plan {
        let what = args.join(" ");
        let output = tokio::task::spawn_blocking(move || {
            cardpointe()
                .envs(env)
                .args(&args)
                .output()
                .expect("the binary runs")
        })
        .await
        .expect("the run finished");
        runs.push(Run { what, output });
    }
    let _ = std::fs::remove_file(&ca);

    // The runs did what they were meant to (so a clean search means something).
    let text = |i: usize| runs[i].text();
    assert!(runs[0].output.status.success(), "{}", text(0));
    assert!(text(0).contains("APPROVED"), "{}", text(0));
    assert_eq!(runs[4].output.status.code(), Some(3), "{}", text(4));
    assert!(runs[6].output.status.success(), "{}", text(6));
    assert!(
        text(6).contains("411111") || text(6).contains("1111"),
        "{}",
        text(6)
    );
    assert!(runs[8].output.status.success(), "{}", text(8));
    assert!(!runs[10].output.status.success(), "a wrong password fails");
    assert!(
        text(10).contains("401") || text(10).to_lowercase().contains("password"),
        "{}",
        text(10)
    );
    assert!(!runs[11].output.status.success(), "a bad card number fails");
    assert!(!runs[13].output.status.success(), "a bad card number fails");
    assert!(runs[14].output.status.success(), "{}", text(14));
    assert!(runs[15].output.status.success(), "{}", text(15));
    assert!(
        text(15).contains("1111"),
        "the decoder shows the masked PAN: {}",
        text(15)
    );

    let mut leaks = Vec::new();
    let mut bytes = 0;
    for run in &runs {
        let text = run.text();
        bytes += text.len();
        leaks.extend(
            secrets
                .leaks(&text)
                .into_iter()
                .map(|l| format!("`cardpointe {}`: {l}", run.what)),
        );
    }
    println!(
        "CLI leak test: {} runs, {bytes} bytes of output, {} card numbers searched, {} leaks",
        runs.len(),
        secrets.pans.len(),
        leaks.len()
    );
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
    sim.shutdown().await;
}
