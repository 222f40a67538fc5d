//! `cardpointe demo`: a whole mobile payment on this machine — the emulator and a virtual
//! VP3300 in process — in six steps, then capture and refund, with a clear summary.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cardpointe::cardsecure::ManualCard;
use cardpointe::checkout::ReaderSession;
use cardpointe::transport::{Client, Credentials, Environment, Timeouts};
use cardpointe::{
    Amount, AuthOutcome, CaptureRequest, CardInput, CheckoutEvent, CheckoutRequest, Gateway,
    HasOutcome, RecoveryPolicy, RefundRequest,
};
use cardpointe_sim::{FaultKind, FaultRule, Sim};
use cardpointe_vp3300::command::Interfaces;
use cardpointe_vp3300_sim::{Entry, TestCard};
use serde_json::json;

use crate::error::{CliError, declined};
use crate::gateway_cmd::{outcome_json, parse_amount};
use crate::reader_cmd::{Which, open, virtual_config_with};

/// Which test card the customer presents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum CardChoice {
    /// Visa 4788 2500 0012 1443 (approves).
    Visa,
    /// Mastercard 5454 5454 5454 5454 (approves).
    Mastercard,
    /// Amex 3714 496353 98431 (approves).
    Amex,
    /// Discover 6011 0009 9550 0000 (approves).
    Discover,
    /// Visa 4387 7511 1111 1038 ("Do not honor").
    Declined,
}

/// How the card meets the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum EntryChoice {
    /// Inserted into the chip slot (EMV contact).
    Chip,
    /// Swiped (enhanced encrypted MSR).
    Swipe,
    /// Tapped (contactless).
    Tap,
    /// Keyed in by hand (no reader).
    Manual,
}

/// What to make happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Scenario {
    /// Everything works.
    Approve,
    /// The issuer declines (uses the declining test card).
    Decline,
    /// The auth's answer is lost in a timeout; the client recovers it with inquireByOrderid.
    TimeoutRecovery,
    /// The answer and the inquiry are lost; the client reverses with voidByOrderId.
    Reversal,
}

/// `demo` flags.
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// The test card presented.
    #[arg(long, value_enum, default_value_t = CardChoice::Visa)]
    card: CardChoice,
    /// How the card is presented.
    #[arg(long, value_enum, default_value_t = EntryChoice::Chip)]
    entry: EntryChoice,
    /// What goes wrong (or not).
    #[arg(long, value_enum, default_value_t = Scenario::Approve)]
    scenario: Scenario,
    /// Amount in dollars.
    #[arg(long, value_parser = parse_amount, default_value = "24.99")]
    amount: Amount,
    /// How long the customer takes to present the card, in milliseconds.
    #[arg(long, default_value_t = 1500)]
    card_delay_ms: u64,
}

fn test_card(choice: CardChoice) -> TestCard {
    match choice {
        CardChoice::Visa => TestCard::new("4788250000121443", "3012", "DEMO/CARDHOLDER"),
        CardChoice::Mastercard => TestCard::uat_mastercard(),
        CardChoice::Amex => TestCard::uat_amex(),
        CardChoice::Discover => TestCard::uat_discover(),
        CardChoice::Declined => TestCard::uat_visa_do_not_honor(),
    }
}

fn money(minor: i64) -> String {
    format!("${}.{:02}", minor / 100, (minor % 100).abs())
}

struct Printer {
    json: bool,
    started: Instant,
}

impl Printer {
    fn step(&self, n: u8, title: &str) {
        if !self.json {
            println!("\n[{n}/6] {title}");
        }
    }
    fn line(&self, text: impl AsRef<str>) {
        if !self.json {
            println!("      {}", text.as_ref());
        }
    }
    fn elapsed(&self) -> String {
        format!("{:.1} s", self.started.elapsed().as_secs_f64())
    }
}

/// Runs the demo.
pub(crate) async fn run(args: DemoArgs, json: bool) -> Result<(), CliError> {
    let p = Printer {
        json,
        started: Instant::now(),
    };
    let card_choice = if args.scenario == Scenario::Decline {
        CardChoice::Declined
    } else {
        args.card
    };
    if !json {
        println!("cardpointe demo — a mobile card payment, end to end, on this machine");
        println!(
            "  emulated: CardPointe Gateway + CardSecure (HTTPS on 127.0.0.1) and a VP3300 reader"
        );
    }
    let sim = Sim::builder()
        .start()
        .await
        .map_err(|e| CliError::new(format!("cannot start the emulator: {e}")))?;
    let result = walk(&p, &sim, &args, card_choice).await;
    sim.shutdown().await;
    let summary = result?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&summary.json).unwrap_or_default()
        );
    } else {
        println!("\n{}", summary.text);
    }
    if summary.approved {
        Ok(())
    } else {
        Err(declined())
    }
}

struct Summary {
    approved: bool,
    json: serde_json::Value,
    text: String,
}

async fn walk(
    p: &Printer,
    sim: &Sim,
    args: &DemoArgs,
    card: CardChoice,
) -> Result<Summary, CliError> {
    let (user, password) = sim.credentials();
    let mut timeouts = Timeouts::default();
    if matches!(
        args.scenario,
        Scenario::TimeoutRecovery | Scenario::Reversal
    ) {
        // The client waits 1 s for the auth's answer; the emulator will hold it for 3 s.
        timeouts = timeouts.with_payment(Duration::from_secs(1));
    }
    let client = Client::builder(Environment::base_url(&sim.base_url())?)
        .credentials(Credentials::new(user, password))
        .merchant_id(sim.merchid())
        .add_root_certificate_der(sim.root_certificate_der().to_vec())
        .timeouts(timeouts)
        .build()?;
    let gateway = Gateway::new(client)
        .with_recovery(RecoveryPolicy::default().with_pause(Duration::from_millis(200)));
    match args.scenario {
        Scenario::TimeoutRecovery => {
            sim.inject(FaultRule::once("auth", FaultKind::Delay).delay_ms(3_000));
        }
        Scenario::Reversal => {
            sim.inject(FaultRule::once("auth", FaultKind::CloseAfter));
            sim.inject(FaultRule::once("inquireByOrderid", FaultKind::ServerError).times(None));
        }
        Scenario::Approve | Scenario::Decline => {}
    }
    let request = CheckoutRequest::new(args.amount);
    let test_card = test_card(card);

    p.step(1, "Read the card");
    let waiting = Arc::new(AtomicBool::new(false));
    let spinner = spawn_spinner(Arc::clone(&waiting), p.json);
    let mut reader: Option<ReaderSession> = None;
    let input = if args.entry == EntryChoice::Manual {
        p.line(format!("card keyed in by hand: {}", test_card.masked_pan()));
        let yymm = test_card.expiry_yymm();
        let expiry = format!(
            "{}/{}",
            yymm.get(2..4).unwrap_or("12"),
            yymm.get(0..2).unwrap_or("30")
        );
        CardInput::Manual(ManualCard::new(test_card.pan(), &expiry, None)?)
    } else {
        let entry = match args.entry {
            EntryChoice::Swipe => Entry::Swipe,
            EntryChoice::Tap => Entry::Tap,
            _ => Entry::Insert,
        };
        // The reader API an app uses, on the emulator's virtual VP3300.
        let connected = open(
            &Which::new(false),
            virtual_config_with(
                test_card.clone(),
                Some(entry),
                Duration::from_millis(args.card_delay_ms),
            ),
        )
        .await?;
        p.line(format!(
            "virtual VP3300 {} (firmware {:?}) connected over an in-process link",
            connected.info().name,
            connected.info().firmware.as_deref().unwrap_or_default()
        ));
        let mut session = ReaderSession::new(connected).with_card_timeout(Duration::from_secs(30));
        if entry == Entry::Tap {
            // With the chip slot open the reader runs the contact flow; a tap needs 02-40.
            session = session.with_interfaces(Interfaces::new(true, true, false));
        }
        CardInput::Reader(reader.insert(session))
    };
    let json_mode = p.json;
    let tty = std::io::stdout().is_terminal();
    let amount_minor = args.amount.minor_units();
    let mut on_event = {
        let waiting = Arc::clone(&waiting);
        move |event: CheckoutEvent| {
            let say = |s: String| {
                if !json_mode {
                    println!("      {s}");
                }
            };
            match event {
                CheckoutEvent::WaitingForCard => {}
                CheckoutEvent::ReaderPrompt(text) => {
                    let waits = text.contains("INSERT") || text.contains("SWIPE");
                    let was = waiting.swap(waits, Ordering::SeqCst);
                    if was && !waits && !json_mode && tty {
                        print!("\r\x1b[K");
                    }
                    say(format!("reader: {text}"));
                }
                CheckoutEvent::CardRead {
                    masked_pan,
                    entry_mode,
                } => {
                    if waiting.swap(false, Ordering::SeqCst) && !json_mode && tty {
                        print!("\r\x1b[K");
                    }
                    let how = if entry_mode == "Keyed" {
                        "checked locally (Luhn, brand, expiry) before anything is sent"
                    } else {
                        "encrypted on the reader (TDES DUKPT)"
                    };
                    say(format!(
                        "read {} by {entry_mode} — {how}",
                        masked_pan.unwrap_or_default()
                    ));
                    if !json_mode {
                        println!("\n[2/6] Tokenize with CardSecure");
                    }
                }
                CheckoutEvent::Tokenizing => {
                    say("encrypted card data → CardSecure tokenize".into())
                }
                CheckoutEvent::Tokenized { last_four } => {
                    say(format!(
                        "token 9…{last_four} (the clear card number never leaves CardSecure)"
                    ));
                    if !json_mode {
                        println!("\n[3/6] Send the token to the merchant's server");
                    }
                    say(format!(
                        "app → server: token 9…{last_four}, amount {}",
                        money(amount_minor)
                    ));
                }
                CheckoutEvent::Authorizing { order_id } => {
                    if !json_mode {
                        println!("\n[4/6] Authorize on the CardPointe Gateway");
                    }
                    say(format!("server → gateway: PUT /auth, order id {order_id}"));
                }
                CheckoutEvent::Recovering => say(
                    "the answer was lost: recovering by order id (never sending the auth twice)"
                        .into(),
                ),
                CheckoutEvent::Answered { approved, text } => {
                    if !json_mode {
                        println!("\n[5/6] Answer");
                    }
                    say(format!(
                        "{}: {text}",
                        if approved { "APPROVED" } else { "NOT APPROVED" }
                    ));
                }
                CheckoutEvent::CompletingOnReader => say("answer → reader (EMV completion)".into()),
                CheckoutEvent::ReversingCardDecline => {
                    say("the card declined after approval: voiding the authorization".into());
                }
                CheckoutEvent::Done { .. } => {}
                _ => {}
            }
        }
    };
    waiting.store(args.entry != EntryChoice::Manual, Ordering::SeqCst);
    let result = gateway.checkout(request, input, &mut on_event).await;
    waiting.store(false, Ordering::SeqCst);
    spinner.abort();
    if let Some(session) = reader.take() {
        let _ = session.into_inner().disconnect().await;
    }
    let result = result?;
    p.step(6, "Receipt");
    if !p.json {
        for line in result.receipt.to_string().lines() {
            println!("    {line}");
        }
    }
    let mut capture_json = serde_json::Value::Null;
    let mut refund_json = serde_json::Value::Null;
    let mut text = String::new();
    if let Some(retref) = result
        .auth
        .retref()
        .cloned()
        .filter(|_| result.is_approved())
    {
        {
            if !p.json {
                println!("\nThen, as the merchant's back office:");
            }
            let capture = gateway
                .capture(&CaptureRequest::new(retref.clone()))
                .await?;
            p.line(format!(
                "capture {}: {} (batch {})",
                money(capture.amount.map_or(amount_minor, |a| a.minor_units())),
                capture.resptext.clone().unwrap_or_default(),
                capture.batchid.clone().unwrap_or_default()
            ));
            let settled = sim.settle_now();
            p.line(format!("batch closed and settled ({settled} batch)"));
            let refund = gateway.refund(&RefundRequest::new(retref)).await?;
            p.line(format!(
                "refund {}: {} (retref {})",
                money(refund.amount.map_or(amount_minor, |a| a.minor_units())),
                refund.resptext.clone().unwrap_or_default(),
                refund
                    .retref
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ));
            capture_json = json!({"approved": capture.is_approved(), "batchid": capture.batchid});
            refund_json = json!({"approved": refund.is_approved(), "retref": refund.retref.as_ref().map(ToString::to_string)});
        }
    }
    let approved = result.is_approved();
    let how = match &result.auth {
        AuthOutcome::Answered { .. } => "answered directly".to_owned(),
        AuthOutcome::Recovered { .. } => "answer lost, recovered with inquireByOrderid".to_owned(),
        AuthOutcome::Reversed { attempts, .. } => {
            format!("answer lost, reversed with voidByOrderId (attempt {attempts})")
        }
        other => other.to_string(),
    };
    text.push_str("Summary\n");
    text.push_str(&format!(
        "  payment   {} {} with {} ({})\n",
        if approved { "APPROVED" } else { "NOT APPROVED" },
        money(amount_minor),
        result.receipt.masked_pan.clone().unwrap_or_default(),
        result.receipt.entry_mode
    ));
    text.push_str(&format!("  gateway   {how}\n"));
    if approved {
        text.push_str("  then      captured, settled and refunded\n");
    }
    text.push_str(&format!("  order id  {}\n", result.auth.order_id()));
    text.push_str(&format!("  took      {}\n", p.elapsed()));
    text.push_str(&format!(
        "  next      {} demo --help   (cards, entry modes, scenarios)",
        crate::invoked_as()
    ));
    let json = json!({
        "approved": approved,
        // One shape for money in every JSON answer: the gateway's dollars string ("24.99").
        "amount": result.receipt.amount,
        "card": result.receipt.masked_pan,
        "entry_mode": result.receipt.entry_mode,
        "auth": outcome_json(&result.auth),
        "receipt": {
            "authcode": result.receipt.authcode,
            "retref": result.receipt.retref,
            "emv": result.receipt.emv.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
        },
        "capture": capture_json,
        "refund": refund_json,
    });
    Ok(Summary {
        approved,
        json,
        text,
    })
}

/// A spinner on the terminal while `waiting` is set (a plain line when not a terminal).
fn spawn_spinner(waiting: Arc<AtomicBool>, quiet: bool) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if quiet {
            return;
        }
        let tty = std::io::stdout().is_terminal();
        let frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
        let started = Instant::now();
        let mut said = false;
        let mut i = 0usize;
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if !waiting.load(Ordering::SeqCst) {
                continue;
            }
            if tty {
                print!(
                    "\r      {} waiting for the card… {:.1} s",
                    frames[i % frames.len()],
                    started.elapsed().as_secs_f64()
                );
                let _ = std::io::stdout().flush();
                i += 1;
            } else if !said {
                println!("      … waiting for the card");
                said = true;
            }
        }
    })
}
