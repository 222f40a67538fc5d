//! A client built on `cardpointe-types` works against the emulator: each operation's own
//! method, path and body (sent as raw HTTP bytes) get an answer its own parser accepts.

mod common;

use cardpointe_types::{
    Amount, AuthRequest, CaptureRequest, CloseBatchRequest, Defaults, EchoRequest, Expiry,
    FundingRequest, HasOutcome, InquireByOrderIdRequest, InquireMerchantRequest, InquireRequest,
    MerchantId, OpenBatchRequest, Operation, OrderId, PaymentSource, ProfileReadRequest,
    ProfileRequest, RefundRequest, SettlestatRequest, SigcapRequest, TokenizeRequest,
    VoidByOrderIdRequest, VoidRequest,
};
use common::*;

async fn run<O: Operation>(sim: &cardpointe_sim::Sim, op: &O) -> O::Response {
    let merchant = mid();
    let defaults = Defaults::merchant(&merchant);
    let path = format!("{}{}", O::API.prefix(), op.path(defaults).expect("path"));
    let body = op
        .body(defaults)
        .expect("encodes")
        .map(|b| String::from_utf8(b).expect("utf-8"));
    let raw = call(sim, op.method().as_str(), &path, body.as_deref()).await;
    assert!(
        raw.status == 200 || O::API == cardpointe_types::Api::CardSecure,
        "{} {path}: {} {}",
        O::NAME,
        raw.status,
        raw.text()
    );
    O::parse_response(&raw.body)
        .unwrap_or_else(|e| panic!("{} answer does not parse ({e}): {}", O::NAME, raw.text()))
}

fn mid() -> MerchantId {
    MerchantId::new(MID).unwrap()
}

#[tokio::test]
async fn every_operation_round_trips_through_the_types_crate() {
    let sim = start().await;
    let card = || PaymentSource::Card("4111111111111111".parse().unwrap());
    let auth = AuthRequest::new(Amount::from_minor(1234).unwrap(), card())
        .with_expiry(Expiry::new(2025, 12).unwrap())
        .with_order_id(OrderId::new("TYPES-1").unwrap())
        .with_capture(true);
    let approved = run(&sim, &auth).await;
    assert!(approved.outcome().is_approved(), "{approved:?}");
    let retref = approved.retref.clone().expect("retref");
    let token = approved.token.clone().expect("token");
    let declined = run(
        &sim,
        &AuthRequest::new(
            Amount::from_minor(100).unwrap(),
            PaymentSource::Card("4387751111111038".parse().unwrap()),
        )
        .with_expiry(Expiry::new(2025, 12).unwrap()),
    )
    .await;
    assert!(!declined.outcome().is_approved());

    let inquiry = run(&sim, &InquireRequest::new(retref.clone())).await;
    assert!(inquiry.outcome().is_approved());
    let by_order = run(
        &sim,
        &InquireByOrderIdRequest::new(OrderId::new("TYPES-1").unwrap()),
    )
    .await;
    assert_eq!(by_order.len(), 1);
    let capture = run(
        &sim,
        &CaptureRequest::new(retref.clone()).with_amount(Amount::from_minor(1000).unwrap()),
    )
    .await;
    assert!(capture.outcome().is_approved(), "{capture:?}");

    // Settle, then refund and read the reports.
    sim.settle_now();
    let refund = run(&sim, &RefundRequest::new(retref.clone())).await;
    assert!(refund.outcome().is_approved(), "{refund:?}");
    let batches = run(&sim, &SettlestatRequest::new()).await;
    assert_eq!(batches.len(), 1);
    let funding = run(&sim, &FundingRequest::new(None)).await;
    let _ = funding;
    let merchant = run(&sim, &InquireMerchantRequest::new()).await;
    let _ = merchant;
    let sig = run(
        &sim,
        &SigcapRequest::new(retref.clone(), "H4sIAAAAAAAAAwMAAAAAAAAAAAA="),
    )
    .await;
    let _ = sig;

    // Void flows on a fresh auth.
    let second = run(
        &sim,
        &AuthRequest::new(
            Amount::from_minor(500).unwrap(),
            PaymentSource::Token(token.clone()),
        )
        .with_order_id(OrderId::new("TYPES-2").unwrap()),
    )
    .await;
    assert!(second.outcome().is_approved(), "{second:?}");
    let void = run(&sim, &VoidRequest::new(second.retref.clone().unwrap())).await;
    assert!(void.outcome().is_approved(), "{void:?}");
    let third = run(
        &sim,
        &AuthRequest::new(
            Amount::from_minor(700).unwrap(),
            PaymentSource::Token(token.clone()),
        )
        .with_order_id(OrderId::new("TYPES-3").unwrap()),
    )
    .await;
    assert!(third.outcome().is_approved());
    let void = run(
        &sim,
        &VoidByOrderIdRequest::new(OrderId::new("TYPES-3").unwrap()),
    )
    .await;
    assert!(void.outcome().is_approved(), "{void:?}");

    // Profiles.
    let saved = run(&sim, &ProfileRequest::create(card()).unwrap()).await;
    assert!(saved.outcome().is_approved(), "{saved:?}");
    let profileid = saved.profileid.clone().expect("profileid");
    let read = run(
        &sim,
        &ProfileReadRequest::new(cardpointe_types::ProfileRef::new(profileid, None)),
    )
    .await;
    assert_eq!(read.len(), 1);

    // Batches.
    let open = run(&sim, &OpenBatchRequest::new("POS9")).await;
    let _ = open;
    let close = run(&sim, &CloseBatchRequest::new(None)).await;
    let _ = close;

    // CardSecure.
    let tokenized = run(
        &sim,
        &TokenizeRequest::card(&"4111111111111111".parse().unwrap()),
    )
    .await;
    assert_eq!(
        tokenized.token.as_ref().map(|t| t.as_str()),
        Some(token.as_str())
    );
    let echo = run(&sim, &EchoRequest::new("Hello?").unwrap()).await;
    let _ = echo;
    sim.shutdown().await;
}
