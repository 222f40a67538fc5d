//! Leak test: with every crate tracing at TRACE into a buffer, run the checkout flow, every
//! example, and a set of failures (declines, bad card numbers, wrong credentials, timeouts,
//! unreadable answers); then search the captured log, and the `Display` and `Debug` of every
//! error and result, for the UAT card numbers, CVVs, track data and credentials.

// Each example declares `mod support;`: included here, the examples' helper loads once per
// example, as it does when the examples are built.
#![allow(clippy::duplicate_mod)]

#[path = "support/leak.rs"]
mod leak_search;
mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cardpointe::cardsecure::ManualCard;
use cardpointe::transport::{RetryPolicy, Timeouts};
use cardpointe::types::{CardNumber, Cvv};
use cardpointe::vp3300::msr::MsrRecord;
use cardpointe::vp3300::{EncryptedCardData, ReadMethod};
use cardpointe::{
    Amount, AuthRequest, CardInput, Checkout, CheckoutRequest, Gateway, PaymentSource,
    RecoveryPolicy,
};
use cardpointe_sim::{FaultKind, FaultRule, Sim};
use leak_search::Secrets;
use support::{DECLINED_VISA, VISA};

// Every example, run in-process (each `main` builds its own runtime).
#[allow(dead_code, unreachable_pub)]
#[path = "../examples/auth.rs"]
mod example_auth;
#[allow(dead_code, unreachable_pub)]
#[path = "../examples/capture.rs"]
mod example_capture;
#[allow(dead_code, unreachable_pub)]
#[path = "../examples/checkout.rs"]
mod example_checkout;
#[allow(dead_code, unreachable_pub)]
#[path = "../examples/funding.rs"]
mod example_funding;
#[allow(dead_code, unreachable_pub)]
#[path = "../examples/profile.rs"]
mod example_profile;
#[allow(dead_code, unreachable_pub)]
#[path = "../examples/recover_timeout.rs"]
mod example_recover_timeout;
#[allow(dead_code, unreachable_pub)]
#[path = "../examples/refund.rs"]
mod example_refund;
#[allow(dead_code, unreachable_pub)]
#[path = "../examples/sigcap.rs"]
mod example_sigcap;
#[allow(dead_code, unreachable_pub)]
#[path = "../examples/void.rs"]
mod example_void;

type ExampleMain = fn() -> Result<(), Box<dyn std::error::Error>>;

const EXAMPLES: &[(&str, ExampleMain)] = &[
    ("auth", example_auth::main),
    ("capture", example_capture::main),
    ("checkout", example_checkout::main),
    ("funding", example_funding::main),
    ("profile", example_profile::main),
    ("recover_timeout", example_recover_timeout::main),
    ("refund", example_refund::main),
    ("sigcap", example_sigcap::main),
    ("void", example_void::main),
];

/// The CVV our flows send (the examples use none; the checkout example and tests use 123).
const CVV: &str = "123";
const OTHER_CVV: &str = "987";
/// A wrong password, used to provoke 401s.
const WRONG_PASSWORD: &str = "not-the-password-42";
/// Numbers that are not cards (bad Luhn, letters) but must not be echoed either.
const BAD_NUMBERS: &[&str] = &[
    "4111111111111112",
    "4111 1111 1111 111X",
    "41111111111111111111",
];
/// The profile example's card.
const PROFILE_CARD: &str = "4444333322221111";

/// A shared buffer the global subscriber writes into.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("the capture buffer")
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("the capture buffer")).into_owned()
    }
}

/// Installs a TRACE subscriber for every thread (spans opened and closed with their fields).
fn capture_everything() -> Captured {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
    captured
}

/// An encrypted enhanced MSR swipe of 5413 33** **** 0011 (masked track 2 in clear, the rest
/// encrypted), as a VP3300 sends it.
fn encrypted_swipe() -> EncryptedCardData {
    let track2 = b";541333******0011=2512?";
    let mut card = vec![0x80, 0x12, 0, 23, 0, 0x02, 0x82];
    card.extend_from_slice(track2);
    card.extend_from_slice(&[0xA5; 24]);
    card.extend_from_slice(&[0x62, 0x99, 0x49, 0x01, 0x23, 0x45, 0x60, 0x00, 0x00, 0x07]);
    EncryptedCardData::from_msr_record(&MsrRecord::build(&card), ReadMethod::Swipe)
        .expect("a valid record")
}

fn auth_request(pan: &str, cvv: &str) -> AuthRequest {
    let mut request = AuthRequest::new(
        Amount::from_minor(1_234).expect("an amount"),
        PaymentSource::Card(pan.parse().expect("a card number")),
    )
    .with_expiry("1230".parse().expect("an expiry"));
    request.cvv2 = Some(Cvv::new(cvv).expect("a CVV"));
    request
}

/// Everything an app could print: `Display` and `Debug` of errors, results and requests.
#[derive(Default)]
struct Shown(Vec<String>);

impl Shown {
    fn error(&mut self, what: &str, error: &dyn std::error::Error) {
        self.0.push(format!("{what}: {error}\n{error:?}"));
        let mut source = error.source();
        while let Some(inner) = source {
            self.0.push(format!("{what} (source): {inner}\n{inner:?}"));
            source = inner.source();
        }
    }

    fn debug(&mut self, what: &str, value: &dyn std::fmt::Debug) {
        self.0.push(format!("{what}: {value:?}\n{value:#?}"));
    }
}

async fn run_flows(sim: &Sim, shown: &mut Shown) {
    let gateway = support::gateway_for(sim);
    let checkout = Checkout::new(gateway.clone());

    // The checkout flow: keyed (approved and declined) and encrypted reader data.
    for (pan, cvv, minor) in [(VISA, CVV, 2_599), (DECLINED_VISA, OTHER_CVV, 900)] {
        let card = ManualCard::new(pan, "12/30", Some(cvv)).expect("a valid card");
        shown.debug("manual card", &card);
        let result = checkout
            .run(
                CheckoutRequest::new(Amount::from_minor(minor).expect("an amount")),
                CardInput::Manual(card),
                |event| tracing::info!(?event, "checkout event"),
            )
            .await
            .expect("the checkout answers");
        shown.0.push(result.receipt.to_string());
        shown.0.push(result.auth.to_string());
        shown.debug("checkout result", &result);
    }
    let data = encrypted_swipe();
    shown.debug("reader data", &data);
    let result = checkout
        .run(
            CheckoutRequest::new(Amount::from_minor(1_000).expect("an amount")),
            CardInput::ReaderData(data),
            |event| tracing::info!(?event, "checkout event"),
        )
        .await
        .expect("the checkout answers");
    shown.0.push(result.receipt.to_string());
    shown.debug("reader checkout result", &result);

    // Requests carrying a card and a CVV, as an app might log them.
    let request = auth_request(VISA, CVV);
    shown.debug("auth request", &request);
    let outcome = gateway.auth(request).await.expect("the auth answers");
    shown.debug("auth outcome", &outcome);

    // Bad card input, refused locally.
    for number in BAD_NUMBERS {
        let error = ManualCard::new(number, "12/30", Some(CVV)).expect_err("not a card");
        shown.error("manual card", &error);
        if let Err(error) = number.parse::<CardNumber>() {
            shown.error("card number", &error);
        }
    }
    for (number, expiry, cvv) in [
        (VISA, "13/30", CVV),
        (VISA, "12/30", "12a4"),
        (VISA, "", CVV),
    ] {
        let error = ManualCard::new(number, expiry, Some(cvv)).expect_err("invalid input");
        shown.error("manual card", &error);
    }

    // Wrong credentials: the auth, the tokenizer and the checkout refuse with 401.
    let client = support::client_for(
        sim,
        Timeouts::default(),
        RetryPolicy::never(),
        Some(WRONG_PASSWORD),
    );
    let wrong = Gateway::new(client);
    let error = wrong.auth(auth_request(VISA, CVV)).await.expect_err("401");
    assert!(error.transport().is_some_and(|e| e.is_auth()), "{error}");
    shown.error("auth with a wrong password", &error);
    let card = ManualCard::new(VISA, "12/30", Some(CVV)).expect("a valid card");
    let error = Checkout::new(wrong)
        .run(
            CheckoutRequest::new(Amount::from_minor(100).expect("an amount")),
            CardInput::Manual(card),
            |_| {},
        )
        .await
        .expect_err("401 from CardSecure");
    shown.error("checkout with a wrong password", &error);

    // A timeout: raw (no recovery), and through the safe auth (the cause is kept).
    let slow = Gateway::new(support::client_for(
        sim,
        Timeouts::default().with_payment(Duration::from_millis(300)),
        RetryPolicy::never(),
        None,
    ))
    .with_recovery(RecoveryPolicy::default().with_pause(Duration::from_millis(10)));
    sim.inject(FaultRule::once("auth", FaultKind::Delay).delay_ms(1_000));
    let error = slow
        .call(&auth_request(VISA, CVV))
        .await
        .expect_err("a timeout");
    assert!(error.maybe_sent(), "{error}");
    shown.error("auth that timed out", &error);
    sim.inject(FaultRule::once("auth", FaultKind::Delay).delay_ms(1_000));
    let outcome = slow
        .auth(auth_request(VISA, OTHER_CVV))
        .await
        .expect("recovered");
    assert!(outcome.was_recovered(), "{outcome}");
    shown.debug("recovered outcome", &outcome);

    // Unreadable answers: the gateway's and CardSecure's, and a lost connection.
    for (endpoint, fault) in [
        ("auth", FaultKind::MalformedJson),
        ("tokenize", FaultKind::MalformedJson),
        ("auth", FaultKind::CloseAfter),
        ("tokenize", FaultKind::ServerError),
    ] {
        sim.inject(FaultRule::once(endpoint, fault));
        if endpoint == "auth" {
            let error = gateway
                .call(&auth_request(VISA, CVV))
                .await
                .expect_err("a fault");
            shown.error("auth with a fault", &error);
        } else {
            let card = ManualCard::new(VISA, "12/30", Some(CVV)).expect("a valid card");
            let error = checkout
                .run(
                    CheckoutRequest::new(Amount::from_minor(100).expect("an amount")),
                    CardInput::Manual(card),
                    |_| {},
                )
                .await
                .expect_err("the tokenizer failed");
            shown.error("checkout with a tokenizer fault", &error);
        }
    }
}

#[test]
fn no_log_line_error_or_result_shows_card_data_or_credentials() {
    let captured = capture_everything();
    let secrets = {
        let mut secrets = Secrets::uat(
            "testing",
            &["testing123", WRONG_PASSWORD],
            &[CVV, OTHER_CVV],
        );
        secrets
            .pans
            .extend([PROFILE_CARD, BAD_NUMBERS[0], BAD_NUMBERS[2]].map(str::to_owned));
        secrets
    };
    // Positive control: the search finds what it looks for.
    let planted = secrets.leaks(&secrets.planted());
    assert!(planted.len() >= 4, "the search is blind: {planted:?}");

    let mut shown = Shown::default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let sim = Sim::builder().start().await.expect("the emulator starts");
        run_flows(&sim, &mut shown).await;
        sim.shutdown().await;
    });
    drop(runtime);
    for (name, main) in EXAMPLES {
        if let Err(error) = main() {
            panic!("example {name} failed: {error}");
        }
    }
    // What the examples print goes to the test harness here; when cargo has built the example
    // binaries (`cargo test` does, unless a single test target is named), run them too and
    // search their output.
    let examples_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("examples")));
    let mut printed_by = Vec::new();
    for (name, _) in EXAMPLES {
        let Some(binary) = examples_dir.as_ref().map(|d| d.join(name)) else {
            continue;
        };
        if !binary.is_file() {
            continue;
        }
        let mut command = std::process::Command::new(&binary);
        for var in ["CARDPOINTE_SITE", "CARDPOINTE_BASE_URL"] {
            command.env_remove(var);
        }
        let output = command
            .env("RUST_LOG", "trace")
            .output()
            .expect("the example runs");
        assert!(output.status.success(), "example {name}: {output:?}");
        shown.0.push(format!(
            "output of example {name}:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
        printed_by.push(*name);
    }

    let log = captured.text();
    // The capture saw the calls (so an empty search result means something).
    for expected in ["cardpointe.call", "auth", "tokenize", "TRACE", "411111"] {
        assert!(log.contains(expected), "the log lacks {expected:?}");
    }
    let shown = shown.0.join("\n");
    assert!(shown.contains("411111") && shown.contains("401"), "{shown}");
    let mut leaks = secrets.leaks(&log);
    leaks.extend(
        secrets
            .leaks(&shown)
            .into_iter()
            .map(|l| format!("Display/Debug: {l}")),
    );
    println!(
        "leak test: {} bytes of TRACE log, {} bytes of Display/Debug and example output \
         (binaries run: {printed_by:?}), {} card numbers searched, {} leaks",
        log.len(),
        shown.len(),
        secrets.pans.len(),
        leaks.len()
    );
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}
