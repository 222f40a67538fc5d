//! A lost auth whose reversal the gateway refuses for a reason other than "not found": the
//! charge may stand, so the outcome must not say "nothing charged".

mod support;

use std::time::Duration;

use cardpointe::transport::{RetryPolicy, Timeouts};
use cardpointe::{
    Amount, AuthOutcome, AuthRequest, Gateway, OrderId, PaymentSource, RecoveryPolicy,
};
use cardpointe_sim::{FaultKind, FaultRule, Sim};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_void_refused_because_the_sale_already_settled_is_not_reported_as_nothing_charged() {
    let sim = Sim::builder().start().await.expect("the emulator starts");
    let client = support::client_for(
        &sim,
        Timeouts::default().with_payment(Duration::from_secs(10)),
        RetryPolicy::never(),
        None,
    );
    let gateway = Gateway::new(client).with_recovery(
        RecoveryPolicy::default()
            .with_pause(Duration::from_millis(20))
            .with_timeout(Duration::from_secs(3)),
    );
    let order = OrderId::new("SETTLED-BEFORE-VOID-1").expect("an order id");
    // The sale is recorded, its answer lost; the inquiry answers too late to count, so the
    // recovery reverses by order id — and the batch settles in between.
    sim.inject(FaultRule::once("auth", FaultKind::CloseAfter));
    sim.inject(
        FaultRule::once("inquireByOrderid", FaultKind::Delay)
            .delay_ms(6_000)
            .times(None),
    );
    let sale = AuthRequest::new(
        Amount::from_minor(4_500).expect("an amount"),
        PaymentSource::Card(support::VISA.parse().expect("a card number")),
    )
    .with_expiry("1230".parse().expect("an expiry"))
    .with_order_id(order.clone())
    .with_capture(true);
    let auth = tokio::spawn({
        let gateway = gateway.clone();
        async move { gateway.auth(sale).await }
    });
    let recorded = async {
        while !sim
            .ledger()
            .iter()
            .any(|e| e.orderid.as_deref() == Some(order.as_str()))
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), recorded)
        .await
        .expect("the sale is recorded");
    assert_eq!(sim.settle_now(), 1, "the sale's batch settles");

    let outcome = auth.await.expect("the auth task").expect("an outcome");
    let entry = sim
        .ledger()
        .into_iter()
        .find(|e| e.orderid.as_deref() == Some(order.as_str()))
        .expect("on the books");
    // The card is charged: approved and settled, not voided.
    assert_eq!((entry.respstat, entry.setlstat), ("A", "Accepted"));
    assert!(
        !matches!(outcome, AuthOutcome::NothingToReverse { .. }),
        "told nothing is charged while the sale stands settled: {outcome}"
    );
    let AuthOutcome::NotReversed { void, attempts, .. } = &outcome else {
        panic!("expected NotReversed, got {outcome}");
    };
    assert_eq!(*attempts, 1, "a refusal that is not 'not found' is final");
    assert_eq!(void.respcode.as_ref().map(|c| c.as_str()), Some("27"));
    assert!(!outcome.is_approved());
    let text = outcome.to_string();
    assert!(
        text.contains(order.as_str()) && text.contains("refund"),
        "the message says what to do: {text}"
    );
    sim.shutdown().await;
}
