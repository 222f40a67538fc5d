//! The `cardpointe` binary, run as a user would: the demo, the decoders and gateway calls
//! against an emulator started by the test.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use cardpointe_sim::Sim;
use serde_json::Value;

fn cardpointe() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cardpointe"));
    // Nothing from the developer's environment may leak into the tests.
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
    command
}

fn run(args: &[&str]) -> Output {
    cardpointe().args(args).output().expect("the binary runs")
}

fn run_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = cardpointe()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin written");
    child.wait_with_output().expect("the binary ends")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// The `--json` error a command printed on stderr.
fn json_error(o: &Output) -> Value {
    let value: Value =
        serde_json::from_slice(&o.stderr).unwrap_or_else(|e| panic!("{e}: {}", stderr(o)));
    value["error"].clone()
}

#[test]
fn the_demo_walks_six_steps_then_captures_and_refunds() {
    let o = run(&["demo", "--card-delay-ms", "100"]);
    let text = stdout(&o);
    assert!(o.status.success(), "{text}\n{}", stderr(&o));
    for step in ["[1/6]", "[2/6]", "[3/6]", "[4/6]", "[5/6]", "[6/6]"] {
        assert!(text.contains(step), "missing {step} in {text}");
    }
    assert!(text.contains("APPROVED"));
    assert!(text.contains("refund"));
    assert!(text.contains("Summary"));
    // The clear card number never shows.
    assert!(!text.contains("4788250000121443"));
}

#[test]
fn the_declined_scenario_ends_with_exit_code_3() {
    let o = run(&["demo", "--scenario", "decline", "--card-delay-ms", "50"]);
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    assert!(stdout(&o).contains("NOT APPROVED"));
}

#[test]
fn the_timeout_scenario_recovers_by_order_id_in_json() {
    let o = run(&[
        "--json",
        "demo",
        "--scenario",
        "timeout-recovery",
        "--entry",
        "swipe",
        "--card-delay-ms",
        "50",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["approved"], true);
    assert_eq!(v["auth"]["outcome"], "recovered");
    // Amounts have one shape in JSON: the gateway's dollars string, as in every response.
    assert_eq!(v["amount"], v["auth"]["response"]["amount"], "{v}");
    assert!(!v["amount"].as_str().unwrap().starts_with('$'), "{v}");
    // The auth's answer sits under the same key as a direct one, with the retref beside it.
    assert_eq!(v["auth"]["response"]["respstat"], "A", "{v}");
    assert_eq!(v["auth"]["retref"], v["auth"]["response"]["retref"], "{v}");
    assert!(v["auth"]["retref"].is_string(), "{v}");
    assert_eq!(v["entry_mode"], "Swipe(Non EMV)");
    assert_eq!(v["refund"]["approved"], true);
}

#[test]
fn a_frame_decodes_to_the_stable_json_schema() {
    let o = run(&[
        "decode",
        "frame",
        "--json",
        "56 69 56 4F 74 65 63 68 32 00 01 01 00 01 01 D7 34",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected = vec![
        "protocol",
        "direction",
        "command",
        "sub_command",
        "status",
        "length",
        "data",
        "crc",
        "crc_valid",
    ];
    let mut keys_sorted = keys.clone();
    keys_sorted.sort_unstable();
    expected.sort_unstable();
    assert_eq!(keys_sorted, expected);
    assert_eq!(v["direction"], "host_to_reader");
    assert_eq!(v["command"], "01");
    assert_eq!(v["sub_command"], "01");
    assert_eq!(v["data"], "01");
    assert_eq!(v["crc"], "D734");
    assert_eq!(v["crc_valid"], true);
}

#[test]
fn frames_on_stdin_decode_one_per_line() {
    let o = run_with_stdin(
        &["--json", "decode", "frame"],
        "56 69 56 4F 74 65 63 68 32 00 05 01 00 00 92 EF\n\n5669564F746563683200050000 00D8A2\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["status"], "00");
    assert_eq!(lines[1]["direction"], "reader_to_host");
}

#[test]
fn a_bad_crc_is_reported_not_hidden() {
    let o = run(&[
        "decode",
        "frame",
        "--json",
        "5669564F7465636832000100000012FF",
    ]);
    assert!(o.status.success());
    assert_eq!(json(&o)["crc_valid"], false);
}

#[test]
fn tlv_json_masks_the_pan_unless_unmasked() {
    let hex = "70 0F 5A 08 41 11 11 11 11 11 11 11 9F 02 02 12 34";
    let masked = json(&run(&["decode", "tlv", "--json", hex]));
    let pan = &masked[0]["children"][0];
    assert_eq!(pan["tag"], "5A");
    assert_eq!(pan["value"], "411111******1111");
    assert!(pan.get("children").is_none());
    assert_eq!(masked[0]["children"][1]["value"], "1234");
    let clear = json(&run(&["decode", "tlv", "--json", "--unmasked", hex]));
    assert_eq!(clear[0]["children"][0]["value"], "4111111111111111");
}

#[test]
fn the_id_tech_dialect_reads_two_byte_ff_tags() {
    let v = json(&run(&[
        "decode",
        "tlv",
        "--json",
        "--idtech",
        "FFF1040000271 0",
    ]));
    assert_eq!(v[0]["tag"], "FFF1");
    assert_eq!(v[0]["length"], 4);
}

#[test]
fn an_msr_record_shows_every_field_with_its_checks() {
    let t1 = b"%B5413330089020011^TEST/CARD^2512101000000000000?";
    let t2 = b";5413330089020011=2512101000000000?";
    let mut card = vec![0x80, 0x3F, t1.len() as u8, t2.len() as u8, 0, 0x03, 0x00];
    card.extend_from_slice(t1);
    card.extend_from_slice(t2);
    let (lrc, sum) = card
        .iter()
        .fold((0u8, 0u8), |(x, s), &b| (x ^ b, s.wrapping_add(b)));
    let mut record = vec![0x02, card.len() as u8, 0];
    record.extend_from_slice(&card);
    record.extend_from_slice(&[lrc, sum ^ 0xFF, 0x03]); // a wrong checksum
    let hex: String = record.iter().map(|b| format!("{b:02X}")).collect();
    let o = run(&["decode", "msr", "--json", &hex]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["lrc"], "D2");
    assert_eq!(v["lrc_valid"], true);
    assert_eq!(v["checksum_valid"], false);
    assert_eq!(v["track2"], ";541333******0011=2512************?");
    assert!(!stdout(&o).contains("5413330089020011"));
}

#[test]
fn a_keyboard_mode_msr_record_decodes_like_the_binary_one() {
    let t2 = b";4788250000121443=30122011234567890?";
    let masked = b";4788********1443=*****************?";
    let mut card = vec![0x80, 0x02, 0x00, t2.len() as u8, 0x00, 0x02, 0x82];
    card.extend_from_slice(masked);
    card.extend_from_slice(&[0x3C; 40]);
    card.extend_from_slice(&[0x62, 0x99, 0x49, 0x01, 0x2C, 0x00, 0x00, 0xE0, 0x00, 0x01]);
    let binary = cardpointe_vp3300::MsrRecord::build(&card);
    let keyboard = cardpointe_vp3300::MsrRecordBuf::from_binary(&binary)
        .unwrap()
        .to_hex_ascii()
        .unwrap();
    let o = run_with_stdin(&["--json", "decode", "msr"], &format!("{}\n", &*keyboard));
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["form"], "keyboard");
    assert_eq!(v["track2"], ";4788********1443=*****************?");
    assert_eq!(v["ksn"], "629949012C0000E00001");
    assert_eq!(
        (v["lrc_valid"].as_bool(), v["checksum_valid"].as_bool()),
        (Some(true), Some(true))
    );
}

#[test]
fn bad_hex_says_what_is_wrong_and_exits_non_zero() {
    let o = run(&["decode", "frame", "56 69 5G"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("'G'") && err.contains("hint:"), "{err}");
}

#[test]
fn a_gateway_call_without_a_site_explains_how_to_configure_one() {
    let o = run(&["auth", "--amount", "1.00", "--card", "4111111111111111"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("no CardPointe site") && err.contains("--sim"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_calls_reach_an_emulator_through_the_environment() {
    let sim = Sim::builder().start().await.unwrap();
    let ca = std::env::temp_dir().join(format!("cardpointe-cli-test-{}.pem", std::process::id()));
    std::fs::write(&ca, sim.root_certificate_pem()).unwrap();
    let (user, password) = sim.credentials();
    let env = [
        ("CARDPOINTE_BASE_URL", sim.base_url()),
        ("CARDPOINTE_MERCHID", sim.merchid().to_owned()),
        ("CARDPOINTE_USERNAME", user.to_owned()),
        ("CARDPOINTE_PASSWORD", password.to_owned()),
        ("CARDPOINTE_CA_CERT", ca.display().to_string()),
    ];
    let call = |args: Vec<String>| {
        let env = env.clone();
        tokio::task::spawn_blocking(move || cardpointe().envs(env).args(args).output().unwrap())
    };
    let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();

    let o = call(args(&[
        "--json",
        "auth",
        "--amount",
        "12.34",
        "--card",
        "4111111111111111",
        "--expiry",
        "1230",
        "--order-id",
        "CLI-TEST-1",
    ]))
    .await
    .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["outcome"], "answered");
    assert_eq!(v["response"]["amount"], "12.34");
    let retref = v["response"]["retref"].as_str().unwrap().to_owned();

    let o = call(args(&["--json", "capture", "--retref", &retref]))
        .await
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&o)["respstat"], "A");

    let o = call(args(&["inquire", "--order-id", "CLI-TEST-1"]))
        .await
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(&retref));

    let o = call(args(&[
        "auth",
        "--amount",
        "5.00",
        "--card",
        "4387751111111038",
        "--expiry",
        "1230",
    ]))
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(3), "a decline exits 3");

    let o = call(args(&["--json", "tokenize", "--card", "4111111111111111"]))
        .await
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(json(&o)["token"].as_str().unwrap().ends_with("1111"));

    assert_eq!(sim.ledger().iter().filter(|e| e.kind == "sale").count(), 2);
    let _ = std::fs::remove_file(&ca);
    sim.shutdown().await;
}

#[test]
fn the_virtual_reader_reports_its_firmware_and_reads_a_card() {
    let o = run(&["--json", "reader", "info", "--virtual"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(json(&o)["firmware"].as_str().unwrap().starts_with("VP3300"));
    let o = run(&["--json", "reader", "read", "--virtual", "--entry", "swipe"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["encrypted"], true);
    assert!(v["masked_pan"].as_str().unwrap().contains('*'));
}

#[test]
fn the_reader_commands_use_the_virtual_reader_by_default_and_ble_says_when_there_is_none() {
    let o = run(&["--json", "reader", "read", "--entry", "tap"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["entry_mode"], "Contactless");
    assert_eq!(v["reader"], "IDTECH-VP3300-12345");
    let o = run(&["reader", "scan", "--ble", "--scan-secs", "1"]);
    if !o.status.success() {
        // No Bluetooth stack on this machine (CI): a clear error that says so, at once.
        let err = stderr(&o);
        assert!(err.contains("no Bluetooth available"), "{err}");
        assert!(err.contains("drop --ble"), "{err}");
    }
    let o = run(&["reader", "info", "--ble", "--virtual"]);
    assert_eq!(o.status.code(), Some(2), "--ble and --virtual conflict");
}

#[test]
fn a_mistyped_command_or_flag_gets_a_did_you_mean() {
    let o = run(&["decod", "frame", "00"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("'decode'"), "{}", stderr(&o));
    let o = run(&["decode", "tlv", "--idtec", "9F0206000000001000"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--idtech"), "{}", stderr(&o));
}

#[test]
fn with_json_errors_are_json_on_stderr_with_a_stable_kind() {
    // Refused by the command line itself.
    let o = run(&["--json", "decod"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "{}", stdout(&o));
    let error = json_error(&o);
    assert_eq!(error["kind"], "usage", "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("decod"),
        "{error}"
    );
    // Refused before sending: nothing reached the gateway.
    let o = run(&[
        "--json",
        "auth",
        "--sim",
        "--amount",
        "1.00",
        "--card",
        "4111111111111112",
        "--expiry",
        "1230",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let error = json_error(&o);
    assert_eq!(error["kind"], "invalid_input", "{error}");
    assert_eq!(error["may_have_been_sent"], false, "{error}");
    assert!(
        !stderr(&o).contains("4111111111111112"),
        "card number in the error: {}",
        stderr(&o)
    );
    // Nothing listening: a connection error that says the request was not sent.
    let o = run(&[
        "--json",
        "auth",
        "--amount",
        "1.00",
        "--card",
        "4111111111111111",
        "--expiry",
        "1230",
        "--base-url",
        "http://127.0.0.1:9",
        "--merchid",
        "496160873888",
        "--username",
        "testing",
        "--password",
        "testing123",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let error = json_error(&o);
    assert_eq!(error["kind"], "connection", "{error}");
    assert!(error["hint"].is_string(), "{error}");
    assert!(
        !stderr(&o).contains("testing123"),
        "password in the error: {}",
        stderr(&o)
    );
}

#[test]
fn completions_are_generated_for_each_shell() {
    for (shell, marker) in [
        ("bash", "_cardpointe()"),
        ("zsh", "#compdef cardpointe"),
        ("fish", "complete -c cardpointe"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let o = run(&["completions", shell]);
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        let script = stdout(&o);
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        assert!(script.contains("decode"), "{shell}: subcommands missing");
    }
    assert_eq!(run(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn no_colour_codes_when_stderr_is_not_a_terminal() {
    let o = run(&[
        "--verbose",
        "auth",
        "--sim",
        "--amount",
        "1.00",
        "--card",
        "4111111111111111",
        "--expiry",
        "1230",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).is_empty(), "--verbose logged nothing");
    assert!(
        !o.stderr.contains(&0x1b),
        "ANSI escape in: {:?}",
        stderr(&o)
    );
    assert!(
        !o.stdout.contains(&0x1b),
        "ANSI escape in: {:?}",
        stdout(&o)
    );
    let o = run(&["decod"]);
    assert!(
        !o.stderr.contains(&0x1b),
        "ANSI escape in: {:?}",
        stderr(&o)
    );
}

#[test]
fn the_demos_closing_hint_names_the_command_as_it_was_run() {
    // From cargo's target directory: the cargo command.
    let o = run(&["demo"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("cargo run -p cardpointe-cli -- demo --help"),
        "{}",
        stdout(&o)
    );
    // Installed elsewhere: the program's own name.
    let dir = std::env::temp_dir().join(format!("cardpointe-installed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let installed = dir.join("cardpointe");
    std::fs::copy(env!("CARGO_BIN_EXE_cardpointe"), &installed).unwrap();
    let o = Command::new(&installed)
        .arg("demo")
        .output()
        .expect("the copy runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("next      cardpointe demo --help"), "{text}");
    assert!(!text.contains("cargo run"), "{text}");
}

#[test]
fn connection_flags_belong_to_the_commands_that_connect() {
    // Commands that never talk to the gateway do not take them…
    for args in [
        &["decode", "tlv", "--sim", "9F0206000000001000"][..],
        &["demo", "--merchid", "496160873888"],
        &["sim", "--base-url", "https://example.invalid"],
        &["reader", "scan", "--password", "x"],
    ] {
        let o = run(args);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?} accepted: {}",
            stdout(&o)
        );
        assert!(
            stderr(&o).contains("unexpected argument"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    // …and their help does not list them, while a gateway command's does.
    let help = stdout(&run(&["decode", "tlv", "--help"]));
    assert!(
        !help.contains("--merchid") && !help.contains("--sim"),
        "{help}"
    );
    let help = stdout(&run(&["capture", "--help"]));
    for flag in [
        "--site",
        "--base-url",
        "--merchid",
        "--username",
        "--password",
        "--ca-cert",
        "--config",
        "--sim",
    ] {
        assert!(help.contains(flag), "capture --help lacks {flag}: {help}");
    }
    let help = stdout(&run(&["profile", "create", "--help"]));
    assert!(help.contains("--sim"), "{help}");
}

#[test]
fn each_input_follows_one_rule_across_commands_and_is_checked_before_sending() {
    let auth = |extra: &[&str]| {
        let mut args = vec!["--json", "auth", "--sim", "--amount", "1.00"];
        args.extend_from_slice(extra);
        run(&args)
    };
    // MM/YY is an expiry for auth as for tokenize.
    let o = auth(&["--card", "4111111111111111", "--expiry", "12/30"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&o)["approved"], true);
    let o = run(&[
        "tokenize",
        "--sim",
        "--card",
        "4111111111111111",
        "--expiry",
        "1230",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // An expired card is refused by both, naming --expiry; a missing expiry too.
    for o in [
        auth(&["--card", "4111111111111111", "--expiry", "01/20"]),
        run(&[
            "--json",
            "tokenize",
            "--sim",
            "--card",
            "4111111111111111",
            "--expiry",
            "01/20",
        ]),
        auth(&["--card", "4111111111111111"]),
    ] {
        assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
        let error = json_error(&o);
        assert_eq!(error["kind"], "invalid_input", "{error}");
        assert!(
            error["message"].as_str().unwrap().contains("--expiry"),
            "{error}"
        );
    }
    // A Luhn failure names --card, in auth and in profile create alike.
    for o in [
        auth(&["--card", "4111111111111112", "--expiry", "1230"]),
        run(&[
            "--json",
            "profile",
            "create",
            "--sim",
            "--card",
            "4111111111111112",
            "--expiry",
            "1230",
        ]),
    ] {
        assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
        let error = json_error(&o);
        assert!(
            error["message"].as_str().unwrap().starts_with("--card: "),
            "{error}"
        );
        assert!(!stderr(&o).contains("4111111111111112"), "{}", stderr(&o));
    }
    // A negative amount is refused with a sentence, not taken for a flag.
    let o = run(&[
        "auth",
        "--sim",
        "--amount",
        "-1",
        "--card",
        "4111111111111111",
        "--expiry",
        "1230",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("-1 is negative"), "{}", stderr(&o));
    // Nothing above reached the emulator's gateway: every refusal happened before sending.
}
