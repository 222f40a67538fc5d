//! Authorize, then capture the authorization.
//!
//! `cargo run -p cardpointe --example capture`

mod support;

use cardpointe::{CaptureRequest, HasOutcome};

#[tokio::main]
pub(crate) async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (gateway, sim) = support::connect().await?;
    let outcome = gateway.auth(support::test_auth(4200)?).await?;
    let retref = outcome
        .retref()
        .cloned()
        .ok_or("the auth was not approved")?;
    println!("authorized: {outcome}");
    let capture = gateway.capture(&CaptureRequest::new(retref)).await?;
    println!(
        "capture: {:?} {:?} batch {:?} amount {:?}",
        capture.outcome().stat,
        capture.resptext,
        capture.batchid,
        capture.amount.map(|a| a.to_string())
    );
    if let Some(sim) = sim {
        sim.shutdown().await;
    }
    Ok(())
}
