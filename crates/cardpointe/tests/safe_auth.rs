//! Safe authorization against the emulator over real HTTPS on loopback, with its fault
//! injection: a lost answer is recovered or reversed, and the card is never charged twice.

use std::time::Duration;

use cardpointe::transport::{Client, Credentials, Environment, RetryPolicy, Timeouts};
use cardpointe::{
    Amount, AuthOutcome, AuthRequest, Gateway, HasOutcome, OrderId, PaymentSource, RecoveryPolicy,
};
use cardpointe_sim::{FaultKind, FaultRule, Sim};

const VISA: &str = "4111111111111111";
const DECLINED_VISA: &str = "4387751111111038";

async fn start() -> (Sim, Gateway) {
    let sim = Sim::builder().start().await.expect("the emulator starts");
    // Generous, so a slow CI machine never turns an ordinary answer into a recovery.
    let gateway = gateway_for(&sim, Duration::from_secs(10), "testing123");
    (sim, gateway)
}

fn gateway_for(sim: &Sim, payment_timeout: Duration, password: &str) -> Gateway {
    let (user, _) = sim.credentials();
    let client = Client::builder(Environment::base_url(&sim.base_url()).expect("a base URL"))
        .credentials(Credentials::new(user, password))
        .merchant_id(sim.merchid())
        .add_root_certificate_der(sim.root_certificate_der().to_vec())
        .timeouts(
            Timeouts::default()
                .with_payment(payment_timeout)
                .with_inquiry(Duration::from_secs(5)),
        )
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("a client");
    Gateway::new(client).with_recovery(
        RecoveryPolicy::default()
            .with_pause(Duration::from_millis(20))
            .with_timeout(Duration::from_secs(5)),
    )
}

fn auth(pan: &str, minor: i64) -> AuthRequest {
    AuthRequest::new(
        Amount::from_minor(minor).expect("an amount"),
        PaymentSource::Card(pan.parse().expect("a card number")),
    )
    .with_expiry("1230".parse().expect("an expiry"))
}

/// Transactions the emulator recorded for an order id: (kind, respstat, setlstat).
fn ledger_for(sim: &Sim, order_id: &OrderId) -> Vec<(&'static str, &'static str, &'static str)> {
    sim.ledger()
        .into_iter()
        .filter(|e| e.orderid.as_deref() == Some(order_id.as_str()))
        .map(|e| (e.kind, e.respstat, e.setlstat))
        .collect()
}

#[tokio::test]
async fn an_auth_without_an_order_id_gets_a_unique_one_and_its_answer() {
    let (sim, gateway) = start().await;
    let first = gateway.auth(auth(VISA, 1000)).await.unwrap();
    let second = gateway.auth(auth(VISA, 1000)).await.unwrap();
    assert!(matches!(first, AuthOutcome::Answered { .. }));
    assert!(first.is_approved() && second.is_approved());
    assert_ne!(first.order_id(), second.order_id());
    assert_eq!(ledger_for(&sim, first.order_id()).len(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_given_order_id_is_kept() {
    let (sim, gateway) = start().await;
    let order = OrderId::new("ORDER-KEEP-1").unwrap();
    let outcome = gateway
        .auth(auth(VISA, 500).with_order_id(order.clone()))
        .await
        .unwrap();
    assert_eq!(outcome.order_id(), &order);
    assert_eq!(ledger_for(&sim, &order).len(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_decline_is_an_answered_value_not_an_error() {
    let (sim, gateway) = start().await;
    let outcome = gateway.auth(auth(DECLINED_VISA, 1000)).await.unwrap();
    let AuthOutcome::Answered { response, .. } = &outcome else {
        panic!("expected an answer, got {outcome}");
    };
    assert!(!response.is_approved());
    assert!(!outcome.is_approved());
    sim.shutdown().await;
}

#[tokio::test]
async fn an_answer_lost_to_a_timeout_is_recovered_by_inquire_by_orderid() {
    let sim = Sim::builder().start().await.unwrap();
    let gateway = gateway_for(&sim, Duration::from_secs(1), "testing123");
    sim.inject(FaultRule::once("auth", FaultKind::Delay).delay_ms(5_000));
    let outcome = gateway.auth(auth(VISA, 1234)).await.unwrap();
    let AuthOutcome::Recovered { inquiry, cause, .. } = &outcome else {
        panic!("expected a recovery, got {outcome}");
    };
    assert!(cause.maybe_sent());
    assert!(inquiry.is_approved());
    assert!(outcome.is_approved());
    assert!(outcome.retref().is_some());
    // One charge, never two.
    assert_eq!(
        ledger_for(&sim, outcome.order_id()),
        vec![("sale", "A", "Authorized")]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_connection_reset_after_the_gateway_recorded_the_auth_is_recovered() {
    let (sim, gateway) = start().await;
    sim.inject(FaultRule::once("auth", FaultKind::CloseAfter));
    let outcome = gateway.auth(auth(VISA, 2000)).await.unwrap();
    assert!(
        matches!(outcome, AuthOutcome::Recovered { .. }),
        "{outcome}"
    );
    assert!(outcome.is_approved());
    assert_eq!(ledger_for(&sim, outcome.order_id()).len(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn an_unreadable_answer_is_recovered_instead_of_resent() {
    let (sim, gateway) = start().await;
    sim.inject(FaultRule::once("auth", FaultKind::MalformedJson));
    let outcome = gateway.auth(auth(VISA, 2100)).await.unwrap();
    assert!(
        matches!(outcome, AuthOutcome::Recovered { .. }),
        "{outcome}"
    );
    assert_eq!(ledger_for(&sim, outcome.order_id()).len(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_connection_dropped_before_the_gateway_acted_is_reported_not_processed() {
    let (sim, gateway) = start().await;
    sim.inject(FaultRule::once("auth", FaultKind::CloseBefore));
    let outcome = gateway.auth(auth(VISA, 3000)).await.unwrap();
    assert!(
        matches!(outcome, AuthOutcome::NotProcessed { .. }),
        "{outcome}"
    );
    assert!(!outcome.is_approved());
    assert!(ledger_for(&sim, outcome.order_id()).is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn when_the_inquiry_fails_too_the_auth_is_reversed_by_void_by_order_id() {
    let (sim, gateway) = start().await;
    sim.inject(FaultRule::once("auth", FaultKind::CloseAfter));
    sim.inject(FaultRule::once("inquireByOrderid", FaultKind::ServerError).times(None));
    let outcome = gateway.auth(auth(VISA, 4000)).await.unwrap();
    let AuthOutcome::Reversed { attempts, void, .. } = &outcome else {
        panic!("expected a reversal, got {outcome}");
    };
    assert_eq!(*attempts, 1);
    assert!(void.is_approved());
    assert!(!outcome.is_approved());
    assert_eq!(
        ledger_for(&sim, outcome.order_id()),
        vec![("sale", "A", "Voided")]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn void_by_order_id_is_sent_up_to_three_times() {
    let (sim, gateway) = start().await;
    sim.inject(FaultRule::once("auth", FaultKind::CloseAfter));
    sim.inject(FaultRule::once("inquireByOrderid", FaultKind::ServerError).times(None));
    sim.inject(FaultRule::once("voidByOrderId", FaultKind::CloseBefore).times(Some(2)));
    let outcome = gateway.auth(auth(VISA, 4100)).await.unwrap();
    assert!(
        matches!(outcome, AuthOutcome::Reversed { attempts: 3, .. }),
        "{outcome}"
    );
    assert_eq!(
        ledger_for(&sim, outcome.order_id()),
        vec![("sale", "A", "Voided")]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn voids_that_find_nothing_approved_report_nothing_charged() {
    let (sim, gateway) = start().await;
    sim.inject(FaultRule::once("auth", FaultKind::CloseBefore));
    sim.inject(FaultRule::once("inquireByOrderid", FaultKind::ServerError).times(None));
    let outcome = gateway.auth(auth(VISA, 4200)).await.unwrap();
    assert!(
        matches!(outcome, AuthOutcome::NothingToReverse { attempts: 3, .. }),
        "{outcome}"
    );
    assert!(ledger_for(&sim, outcome.order_id()).is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn when_nothing_answers_the_outcome_is_unknown_and_names_the_order_id() {
    let (sim, gateway) = start().await;
    sim.inject(FaultRule::once("auth", FaultKind::CloseAfter));
    sim.inject(FaultRule::once("inquireByOrderid", FaultKind::ServerError).times(None));
    sim.inject(FaultRule::once("voidByOrderId", FaultKind::CloseBefore).times(None));
    let outcome = gateway.auth(auth(VISA, 4300)).await.unwrap();
    let AuthOutcome::Unknown {
        last_recovery_error,
        ..
    } = &outcome
    else {
        panic!("expected an unknown outcome, got {outcome}");
    };
    assert!(last_recovery_error.is_some());
    assert!(outcome.to_string().contains(outcome.order_id().as_str()));
    // Still exactly one auth on the gateway's books: it was never resent.
    assert_eq!(ledger_for(&sim, outcome.order_id()).len(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn skipping_the_inquiry_reverses_at_once() {
    let (sim, gateway) = start().await;
    let gateway = gateway.with_recovery(
        RecoveryPolicy::default()
            .void_only()
            .with_pause(Duration::from_millis(10)),
    );
    sim.inject(FaultRule::once("auth", FaultKind::CloseAfter));
    let outcome = gateway.auth(auth(VISA, 4400)).await.unwrap();
    assert!(matches!(outcome, AuthOutcome::Reversed { .. }), "{outcome}");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_request_that_certainly_never_arrived_is_an_error() {
    let sim = Sim::builder().start().await.unwrap();
    let gateway = gateway_for(&sim, Duration::from_secs(5), "wrong-password");
    let error = gateway
        .auth(auth(VISA, 100))
        .await
        .expect_err("401 is an error");
    assert!(!error.maybe_sent());
    assert!(error.transport().is_some_and(|e| e.is_auth()));
    assert!(sim.ledger().is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn the_timeout_test_card_answers_retry_as_a_value() {
    let sim = Sim::builder()
        .timeout_delay(Duration::from_millis(50))
        .start()
        .await
        .unwrap();
    let gateway = gateway_for(&sim, Duration::from_secs(5), "testing123");
    let outcome = gateway.auth(auth("4999006200620062", 100)).await.unwrap();
    let response = outcome.response().expect("answered");
    assert_eq!(response.respstat, Some(cardpointe::RespStat::Retry));
    assert!(!outcome.is_approved());
    sim.shutdown().await;
}
