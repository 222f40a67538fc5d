//! The checkout flow against the emulator: manual entry, encrypted reader data, a reader that
//! completes the transaction, and a chip card that declines after the gateway approved.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cardpointe::cardsecure::ManualCard;
use cardpointe::checkout::ReaderFuture;
use cardpointe::transport::{Client, Credentials, Environment, RetryPolicy};
use cardpointe::vp3300::command::HostResponse;
use cardpointe::vp3300::msr::MsrRecord;
use cardpointe::vp3300::{EncryptedCardData, ReadMethod};
use cardpointe::{
    Amount, CardInput, CardReader, Checkout, CheckoutEvent, CheckoutRequest, Gateway,
    RecoveryPolicy, TransactionOutcome,
};
use cardpointe_sim::Sim;

async fn start() -> (Sim, Checkout) {
    let sim = Sim::builder().start().await.expect("the emulator starts");
    let (user, password) = sim.credentials();
    let client = Client::builder(Environment::base_url(&sim.base_url()).expect("a base URL"))
        .credentials(Credentials::new(user, password))
        .merchant_id(sim.merchid())
        .add_root_certificate_der(sim.root_certificate_der().to_vec())
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("a client");
    let gateway = Gateway::new(client)
        .with_recovery(RecoveryPolicy::default().with_pause(Duration::from_millis(10)));
    (sim, Checkout::new(gateway))
}

/// An encrypted enhanced MSR swipe of 5413 33** **** 0011 under a key set the emulator does not
/// hold (it then derives a stand-in card from the masked PAN, as spec section 7 describes).
fn encrypted_swipe() -> EncryptedCardData {
    let track2 = b";541333******0011=2512?";
    let mut card = vec![0x80, 0x12, 0, track2.len() as u8, 0, 0x02, 0x82];
    card.extend_from_slice(track2);
    card.extend_from_slice(&[0xA5; 24]); // ciphertext: track 2 rounded up to 8
    card.extend_from_slice(&[0x62, 0x99, 0x49, 0x01, 0x23, 0x45, 0x60, 0x00, 0x00, 0x07]);
    EncryptedCardData::from_msr_record(&MsrRecord::build(&card), ReadMethod::Swipe)
        .expect("a valid record")
}

fn events() -> (
    Arc<Mutex<Vec<CheckoutEvent>>>,
    impl FnMut(CheckoutEvent) + Send,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    (seen, move |e| sink.lock().unwrap().push(e))
}

#[tokio::test]
async fn a_manually_entered_card_is_tokenized_authorized_and_receipted() {
    let (sim, checkout) = start().await;
    let card = ManualCard::new("4111 1111 1111 1111", "12/30", Some("123")).unwrap();
    let (seen, on_event) = events();
    let result = checkout
        .run(
            CheckoutRequest::new(Amount::from_minor(2599).unwrap()),
            CardInput::Manual(card),
            on_event,
        )
        .await
        .unwrap();
    assert!(result.is_approved());
    assert!(result.token.as_str().starts_with('9'));
    assert!(result.token.as_str().ends_with("1111"));
    assert_eq!(result.receipt.amount, Amount::from_minor(2599).unwrap());
    assert_eq!(
        result.receipt.masked_pan.as_deref(),
        Some("411111******1111")
    );
    assert_eq!(result.receipt.entry_mode, "Keyed");
    assert!(result.receipt.authcode.is_some());
    let text = result.receipt.to_string();
    assert!(
        text.contains("APPROVED") && text.contains("25.99"),
        "{text}"
    );
    assert!(!text.contains("4111111111111111"));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.first(), Some(&CheckoutEvent::WaitingForCard));
    assert!(seen.contains(&CheckoutEvent::Tokenizing));
    assert_eq!(seen.last(), Some(&CheckoutEvent::Done { approved: true }));
    sim.shutdown().await;
}

#[tokio::test]
async fn encrypted_reader_data_authorizes_card_present() {
    let (sim, checkout) = start().await;
    let (_, on_event) = events();
    let result = checkout
        .run(
            CheckoutRequest::new(Amount::from_minor(1000).unwrap()).with_capture(true),
            CardInput::ReaderData(encrypted_swipe()),
            on_event,
        )
        .await
        .unwrap();
    assert!(result.is_approved(), "{}", result.auth);
    assert!(result.token.as_str().ends_with("0011"));
    assert_eq!(result.receipt.entry_mode, "Swipe(Non EMV)");
    assert_eq!(
        result.receipt.masked_pan.as_deref(),
        Some("541333******0011")
    );
    sim.shutdown().await;
}

/// A reader that hands over a swipe and answers the completion with a fixed verdict.
struct ScriptedReader {
    approve_on_card: bool,
    answers: Vec<HostResponse>,
}

impl CardReader for ScriptedReader {
    fn read_card<'a>(
        &'a mut self,
        _amount: Amount,
        progress: &'a mut (dyn FnMut(CheckoutEvent) + Send),
    ) -> ReaderFuture<'a, EncryptedCardData> {
        Box::pin(async move {
            progress(CheckoutEvent::ReaderPrompt("SWIPE CARD".into()));
            Ok(encrypted_swipe())
        })
    }

    fn complete<'a>(&'a mut self, answer: HostResponse) -> ReaderFuture<'a, TransactionOutcome> {
        self.answers.push(answer);
        let approved = self.approve_on_card;
        Box::pin(async move { Ok(TransactionOutcome::new(approved)) })
    }
}

#[tokio::test]
async fn a_reader_gets_the_hosts_approval_to_complete() {
    let (sim, checkout) = start().await;
    let mut reader = ScriptedReader {
        approve_on_card: true,
        answers: Vec::new(),
    };
    let (seen, on_event) = events();
    let result = checkout
        .run(
            CheckoutRequest::new(Amount::from_minor(500).unwrap()),
            CardInput::Reader(&mut reader),
            on_event,
        )
        .await
        .unwrap();
    assert!(result.is_approved());
    assert_eq!(reader.answers.len(), 1);
    assert_eq!(reader.answers[0].arc, *b"00");
    let seen = seen.lock().unwrap().clone();
    assert!(seen.contains(&CheckoutEvent::ReaderPrompt("SWIPE CARD".into())));
    assert!(seen.contains(&CheckoutEvent::CompletingOnReader));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_card_that_declines_after_the_gateway_approved_is_voided() {
    let (sim, checkout) = start().await;
    let mut reader = ScriptedReader {
        approve_on_card: false,
        answers: Vec::new(),
    };
    let (_, on_event) = events();
    let result = checkout
        .run(
            CheckoutRequest::new(Amount::from_minor(700).unwrap()),
            CardInput::Reader(&mut reader),
            on_event,
        )
        .await
        .unwrap();
    assert!(!result.is_approved());
    assert!(result.reversed_after_card_decline);
    let ledger = sim.ledger();
    let entry = ledger
        .iter()
        .find(|e| e.orderid.as_deref() == Some(result.auth.order_id().as_str()))
        .expect("the auth is on the books");
    assert_eq!(entry.setlstat, "Voided");
    sim.shutdown().await;
}

/// A reader that reads a swipe, then loses the link before it can finish.
struct VanishingReader;

impl CardReader for VanishingReader {
    fn read_card<'a>(
        &'a mut self,
        _amount: Amount,
        _progress: &'a mut (dyn FnMut(CheckoutEvent) + Send),
    ) -> ReaderFuture<'a, EncryptedCardData> {
        Box::pin(async { Ok(encrypted_swipe()) })
    }

    fn complete<'a>(&'a mut self, _answer: HostResponse) -> ReaderFuture<'a, TransactionOutcome> {
        Box::pin(async { Err(cardpointe::Error::card_reader("link lost")) })
    }
}

#[tokio::test]
async fn a_reader_that_cannot_finish_gets_the_approval_reversed_not_lost() {
    let (sim, checkout) = start().await;
    let (_, on_event) = events();
    let result = checkout
        .run(
            CheckoutRequest::new(Amount::from_minor(800).unwrap()),
            CardInput::Reader(&mut VanishingReader),
            on_event,
        )
        .await
        .expect("the gateway's outcome is kept even though the reader failed");
    assert!(result.auth.is_approved());
    assert!(!result.is_approved());
    assert!(result.reversed_after_card_decline);
    let voided = sim.ledger().iter().any(|e| {
        e.orderid.as_deref() == Some(result.auth.order_id().as_str()) && e.setlstat == "Voided"
    });
    assert!(voided);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_declined_card_is_a_declined_result_with_a_receipt() {
    let (sim, checkout) = start().await;
    let card = ManualCard::new("4387751111111038", "12/30", None).unwrap();
    let (_, on_event) = events();
    let result = checkout
        .run(
            CheckoutRequest::new(Amount::from_minor(900).unwrap()),
            CardInput::Manual(card),
            on_event,
        )
        .await
        .unwrap();
    assert!(!result.is_approved());
    assert!(result.receipt.to_string().contains("DECLINED"));
    sim.shutdown().await;
}

/// The real reader API (`cardpointe-reader`) over the emulator's virtual VP3300: a chip card
/// goes through the whole flow, EMV completion included.
#[cfg(feature = "reader")]
#[tokio::test]
async fn a_chip_card_on_the_virtual_vp3300_is_read_authorized_and_completed() {
    use cardpointe::checkout::ReaderSession;
    use cardpointe::reader::{ConnectOptions, DiscoveryOptions, Reader};
    use cardpointe_vp3300_sim::{DeviceConfig, Entry, Presentation, TestCard};

    let (sim, checkout) = start().await;
    let device = DeviceConfig::with_cards([Presentation::by(TestCard::uat_visa(), Entry::Insert)]);
    let found = Reader::discover(DiscoveryOptions::simulated_with(device))
        .await
        .unwrap();
    let reader = Reader::connect(found.into_iter().next().unwrap(), ConnectOptions::default())
        .await
        .unwrap();
    let mut session = ReaderSession::new(reader);
    let (seen, on_event) = events();
    let result = checkout
        .run(
            CheckoutRequest::new(Amount::from_minor(1999).unwrap()),
            CardInput::Reader(&mut session),
            on_event,
        )
        .await
        .unwrap();
    assert!(result.is_approved(), "{}", result.auth);
    assert_eq!(result.receipt.entry_mode, "EMVContact");
    assert!(result.reader.as_ref().is_some_and(|o| o.approved));
    assert!(result.receipt.emv.iter().any(|(name, _)| name == "ARC"));
    let seen = seen.lock().unwrap().clone();
    assert!(seen.contains(&CheckoutEvent::CompletingOnReader));
    session.into_inner().disconnect().await.unwrap();
    sim.shutdown().await;
}

/// A reader checkout reads like the task: configure, find a reader, connect, check out.
#[cfg(feature = "reader")]
#[tokio::test]
async fn a_reader_checkout_is_four_calls() {
    use cardpointe::checkout::ReaderSession;
    use cardpointe::reader::{DiscoveryOptions, Reader};

    let (sim, checkout) = start().await;
    let gateway = checkout.gateway().clone(); // 1. configure
    let found = Reader::discover(DiscoveryOptions::simulated()) // 2. find a reader
        .await
        .unwrap();
    let mut reader = ReaderSession::connect(found.into_iter().next().unwrap()) // 3. connect
        .await
        .unwrap();
    let (seen, on_event) = events();
    let result = gateway // 4. check out
        .checkout(Amount::from_minor(1999).unwrap(), &mut reader, on_event)
        .await
        .unwrap();
    assert!(result.is_approved(), "{}", result.auth);
    assert!(result.reader.is_some(), "completed on the reader");
    assert_eq!(result.receipt.amount, Amount::from_minor(1999).unwrap());
    assert!(
        seen.lock()
            .unwrap()
            .contains(&CheckoutEvent::CompletingOnReader)
    );
    reader.into_inner().disconnect().await.unwrap();
    sim.shutdown().await;
}

#[tokio::test]
async fn a_keyed_card_checks_out_in_one_gateway_call() {
    let (sim, checkout) = start().await;
    let card = ManualCard::new("4111 1111 1111 1111", "12/30", Some("123")).unwrap();
    let result = checkout
        .gateway()
        .checkout(Amount::from_minor(1250).unwrap(), card, |_| {})
        .await
        .unwrap();
    assert!(result.is_approved(), "{}", result.auth);
    assert_eq!(result.receipt.entry_mode, "Keyed");
    sim.shutdown().await;
}
