//! A lost answer, recovered. The emulator is told to hold the auth's answer longer than the
//! client waits; the client never resends the auth: it asks `inquireByOrderid` what happened
//! (and would reverse with `voidByOrderId` if it could not learn).
//!
//! `cargo run -p cardpointe --example recover_timeout` (emulator only: a real site has the
//! 32-second timeout test cards instead, see the README).

use std::time::Duration;

use cardpointe::transport::{Client, Credentials, Environment, Timeouts};
use cardpointe::{Amount, AuthOutcome, AuthRequest, Gateway, PaymentSource, RecoveryPolicy};
use cardpointe_sim::{FaultKind, FaultRule, Sim};

#[tokio::main]
pub(crate) async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = Sim::builder().start().await?;
    let (user, password) = sim.credentials();
    let client = Client::builder(Environment::base_url(&sim.base_url())?)
        .credentials(Credentials::new(user, password))
        .merchant_id(sim.merchid())
        .add_root_certificate_der(sim.root_certificate_der().to_vec())
        .timeouts(Timeouts::default().with_payment(Duration::from_millis(500)))
        .build()?;
    let gateway = Gateway::new(client)
        .with_recovery(RecoveryPolicy::default().with_pause(Duration::from_millis(100)));

    // The gateway records the auth but its answer arrives 3 s late (the client waits 0.5 s).
    sim.inject(FaultRule::once("auth", FaultKind::Delay).delay_ms(3_000));
    let auth = AuthRequest::new(
        Amount::from_minor(1234)?,
        PaymentSource::Card("4111111111111111".parse()?),
    )
    .with_expiry("1230".parse()?);
    let outcome = gateway.auth(auth).await?;
    println!("{outcome}");
    if let AuthOutcome::Recovered { inquiry, cause, .. } = &outcome {
        println!("  lost because: {cause}");
        println!(
            "  found: retref {:?}, setlstat {:?}",
            inquiry.retref, inquiry.setlstat
        );
    }
    let charges = sim
        .ledger()
        .iter()
        .filter(|e| e.orderid.as_deref() == Some(outcome.order_id().as_str()))
        .count();
    println!("transactions on the books for this order: {charges} (never two)");
    sim.shutdown().await;
    Ok(())
}
