//! 64 checkouts at once against one emulator, over one shared client: every one tokenized,
//! authorized and captured exactly once, with its own order id and amount, all on the books.

mod support;

use std::collections::HashSet;

use cardpointe::cardsecure::ManualCard;
use cardpointe::vp3300::msr::MsrRecord;
use cardpointe::vp3300::{EncryptedCardData, ReadMethod};
use cardpointe::{Amount, CaptureRequest, CardInput, Checkout, CheckoutRequest, HasOutcome};
use cardpointe_sim::Sim;

const CHECKOUTS: usize = 64;

/// An encrypted enhanced MSR swipe of 5413 33** **** 0011 (the emulator derives a stand-in
/// card from the masked PAN when it does not hold the key).
fn encrypted_swipe() -> EncryptedCardData {
    let track2 = b";541333******0011=2512?";
    let mut card = vec![0x80, 0x12, 0, 23, 0, 0x02, 0x82];
    card.extend_from_slice(track2);
    card.extend_from_slice(&[0xA5; 24]);
    card.extend_from_slice(&[0x62, 0x99, 0x49, 0x01, 0x23, 0x45, 0x60, 0x00, 0x00, 0x07]);
    EncryptedCardData::from_msr_record(&MsrRecord::build(&card), ReadMethod::Swipe)
        .expect("a valid record")
}

/// Checkout `i` charges a distinct amount ($10.00 + i cents), half keyed, half swiped.
fn amount_of(i: usize) -> i64 {
    1_000 + i64::try_from(i).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_concurrent_checkouts_are_all_on_the_books_once_and_captured() {
    let sim = Sim::builder().start().await.expect("the emulator starts");
    let checkout = Checkout::new(support::gateway_for(&sim));

    let mut tasks = Vec::new();
    for i in 0..CHECKOUTS {
        let checkout = checkout.clone();
        tasks.push(tokio::spawn(async move {
            let card = if i % 2 == 0 {
                CardInput::Manual(
                    ManualCard::new(support::VISA, "12/30", Some("123")).expect("a valid card"),
                )
            } else {
                CardInput::ReaderData(encrypted_swipe())
            };
            let request = CheckoutRequest::new(Amount::from_minor(amount_of(i)).expect("amount"));
            let result = checkout
                .run(request, card, |_| {})
                .await
                .unwrap_or_else(|e| panic!("checkout {i} failed: {e}"));
            assert!(result.is_approved(), "checkout {i}: {}", result.auth);
            let retref = result
                .auth
                .retref()
                .cloned()
                .expect("an approval has a retref");
            let capture = checkout
                .gateway()
                .capture(&CaptureRequest::new(retref))
                .await
                .unwrap_or_else(|e| panic!("capture {i} failed: {e}"));
            assert!(capture.is_approved(), "capture {i}: {capture:?}");
            (i, result)
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("a checkout task finished"));
    }

    // Every checkout answered directly (no lost answers on a healthy emulator).
    assert!(results.iter().all(|(_, r)| !r.auth.was_recovered()));
    let order_ids: HashSet<String> = results
        .iter()
        .map(|(_, r)| r.auth.order_id().to_string())
        .collect();
    assert_eq!(order_ids.len(), CHECKOUTS, "order ids are distinct");

    let ledger = sim.ledger();
    assert_eq!(
        ledger.len(),
        CHECKOUTS,
        "one transaction per checkout: {ledger:?}"
    );
    for (i, result) in &results {
        let id = result.auth.order_id().as_str();
        let entries: Vec<_> = ledger
            .iter()
            .filter(|e| e.orderid.as_deref() == Some(id))
            .collect();
        assert_eq!(entries.len(), 1, "checkout {i} ({id}) is on the books once");
        let entry = entries[0];
        assert_eq!(entry.kind, "sale");
        assert_eq!(entry.respstat, "A");
        assert_eq!(entry.auth_amount, amount_of(*i), "checkout {i}: amount");
        assert_eq!(entry.amount, amount_of(*i), "checkout {i}: captured amount");
        assert_eq!(result.receipt.amount.minor_units(), amount_of(*i));
        assert_eq!(
            Some(entry.retref.as_str()),
            result.receipt.retref.as_ref().map(|r| r.as_str())
        );
        assert_eq!(entry.token.as_deref(), Some(result.token.as_str()));
        assert!(
            ["Queued for Capture", "Accepted"].contains(&entry.setlstat),
            "checkout {i} captured: {entry:?}"
        );
    }
    let distinct_retrefs: HashSet<&str> = ledger.iter().map(|e| e.retref.as_str()).collect();
    assert_eq!(distinct_retrefs.len(), CHECKOUTS);
    sim.shutdown().await;
}
