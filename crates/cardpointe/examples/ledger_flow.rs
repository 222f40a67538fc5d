//! The reference flow of the cross-language ledger check: the Python and Node.js packages run
//! the same steps through their bindings and must leave the same emulator ledger.
//!
//! `cargo run -p cardpointe --example ledger_flow` prints the ledger, canonical, on stdout.
//!
//! # The flow (in-process emulator, HTTPS, UAT test identity)
//!
//! 1. `auth` 19.99 on the keyed Visa `4111111111111111`, expiry `1230`, CVV `123`, order id
//!    `ledger-sale-1`; `capture` it; settle every batch (`settle_now`); `refund` 5.00 of it.
//! 2. Profile round trip: create a profile from the keyed Mastercard `4444333322221111`
//!    (expiry `1230`), read it back, `auth` 7.00 on `profileid/acctid` (order id
//!    `ledger-profile-1`), delete the profile.
//! 3. A recovered timeout: a client whose payment timeout is 500 ms, a fault delaying the next
//!    `auth` answer by 2,000 ms, `auth` 12.34 on the keyed Visa (order id `ledger-timeout-1`):
//!    the answer is lost, `inquireByOrderid` recovers it (one transaction, never two).
//!
//! # The canonical JSON
//!
//! A JSON array, one object per ledger entry in the emulator's order (`Sim::ledger`), each with
//! exactly these keys (the `LedgerEntry` fields, made comparable across runs):
//!
//! | key | value |
//! |---|---|
//! | `kind`, `merchid`, `respstat`, `respcode`, `setlstat`, `masked` | as recorded |
//! | `amount`, `auth_amount`, `refunded` | integers, minor units |
//! | `orderid` | as sent (the flow sets every order id), or `null` |
//! | `retref`, `parent` | `"R1"`, `"R2"`, … numbered by first appearance (`retref` before `parent` of each entry, entries in order); `null` stays `null` |
//! | `batchid` | `"B1"`, … the same way |
//! | `token` | `"T1"`, … the same way |
//! | `authcode` | `"A1"`, … the same way |
//!
//! Compare as parsed JSON (key order and whitespace do not matter); this program prints it
//! with `serde_json::to_string_pretty`.

use std::collections::HashMap;
use std::time::Duration;

use cardpointe::transport::{Client, Credentials, Environment, Timeouts};
use cardpointe::{
    Amount, AuthOutcome, AuthRequest, CaptureRequest, Gateway, OrderId, PaymentSource,
    ProfileDeleteRequest, ProfileReadRequest, ProfileRef, ProfileRequest, RecoveryPolicy,
    RefundRequest,
};
use cardpointe_sim::{FaultKind, FaultRule, LedgerEntry, Sim};
use serde_json::{Value, json};

type BoxError = Box<dyn std::error::Error>;

#[tokio::main]
pub(crate) async fn main() -> Result<(), BoxError> {
    let sim = Sim::builder().start().await?;
    let gateway = gateway_for(&sim, None)?;

    // 1. Sale: auth, capture, settle, partial refund.
    let mut sale = keyed_auth("4111111111111111", 1999, "ledger-sale-1")?;
    sale.cvv2 = Some("123".parse()?);
    let outcome = gateway.auth(sale).await?;
    let retref = outcome.retref().cloned().ok_or("the sale has no retref")?;
    gateway
        .capture(&CaptureRequest::new(retref.clone()))
        .await?;
    sim.settle_now();
    gateway
        .refund(&RefundRequest::new(retref).with_amount(Amount::from_minor(500)?))
        .await?;

    // 2. Profile round trip.
    let mut create = ProfileRequest::create(PaymentSource::Card("4444333322221111".parse()?))?;
    create.expiry = Some("1230".parse()?);
    let created = gateway.profile_create(&create).await?;
    let profile = ProfileRef::new(
        created.profileid.clone().ok_or("no profile id")?,
        created.acctid.clone(),
    );
    gateway
        .profile_read(&ProfileReadRequest::new(profile.clone()))
        .await?;
    let by_profile = AuthRequest::new(
        Amount::from_minor(700)?,
        PaymentSource::Profile(profile.clone()),
    )
    .with_order_id(OrderId::new("ledger-profile-1")?);
    gateway.auth(by_profile).await?;
    gateway
        .profile_delete(&ProfileDeleteRequest::new(ProfileRef::new(
            profile.profile.clone(),
            None,
        )))
        .await?;

    // 3. A lost answer, recovered.
    let slow = gateway_for(&sim, Some(Duration::from_millis(500)))?;
    sim.inject(FaultRule::once("auth", FaultKind::Delay).delay_ms(2_000));
    let timeout = keyed_auth("4111111111111111", 1234, "ledger-timeout-1")?;
    let recovered = slow.auth(timeout).await?;
    if !matches!(recovered, AuthOutcome::Recovered { .. }) {
        return Err(format!("expected a recovered auth, got {recovered}").into());
    }

    println!(
        "{}",
        serde_json::to_string_pretty(&canonical(&sim.ledger()))?
    );
    sim.shutdown().await;
    Ok(())
}

/// A gateway on the emulator; `timeout` shortens the payment timeout (recovery pauses 50 ms).
fn gateway_for(sim: &Sim, timeout: Option<Duration>) -> Result<Gateway, BoxError> {
    let (user, password) = sim.credentials();
    let mut builder = Client::builder(Environment::base_url(&sim.base_url())?)
        .credentials(Credentials::new(user, password))
        .merchant_id(sim.merchid())
        .add_root_certificate_der(sim.root_certificate_der().to_vec());
    if let Some(timeout) = timeout {
        builder = builder.timeouts(Timeouts::default().with_payment(timeout));
    }
    Ok(Gateway::new(builder.build()?)
        .with_recovery(RecoveryPolicy::default().with_pause(Duration::from_millis(50))))
}

/// An auth of `minor` on a keyed card (expiry 1230) with `orderid`.
fn keyed_auth(card: &str, minor: i64, orderid: &str) -> Result<AuthRequest, BoxError> {
    Ok(AuthRequest::new(
        Amount::from_minor(minor)?,
        PaymentSource::Card(card.parse()?),
    )
    .with_expiry("1230".parse()?)
    .with_order_id(OrderId::new(orderid)?))
}

/// The ledger in the canonical form documented above.
fn canonical(ledger: &[LedgerEntry]) -> Value {
    let mut names: HashMap<(char, String), String> = HashMap::new();
    let mut counts: HashMap<char, usize> = HashMap::new();
    let mut name = |prefix: char, value: &Option<String>| -> Value {
        let Some(value) = value else {
            return Value::Null;
        };
        let key = (if prefix == 'P' { 'R' } else { prefix }, value.clone());
        let next = names.entry(key.clone()).or_insert_with(|| {
            let n = counts.entry(key.0).or_insert(0);
            *n += 1;
            format!("{}{n}", key.0)
        });
        Value::String(next.clone())
    };
    ledger
        .iter()
        .map(|e| {
            json!({
                "kind": e.kind,
                "merchid": e.merchid,
                "respstat": e.respstat,
                "respcode": e.respcode,
                "setlstat": e.setlstat,
                "masked": e.masked,
                "amount": e.amount,
                "auth_amount": e.auth_amount,
                "refunded": e.refunded,
                "orderid": e.orderid,
                "retref": name('R', &Some(e.retref.clone())),
                "parent": name('P', &e.parent),
                "batchid": name('B', &e.batchid),
                "token": name('T', &e.token),
                "authcode": name('A', &e.authcode),
            })
        })
        .collect()
}
