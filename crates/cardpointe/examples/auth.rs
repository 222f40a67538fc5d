//! Authorize a card (with a generated order id), as the official toolkits' `auth` example.
//!
//! `cargo run -p cardpointe --example auth`

mod support;

use cardpointe::HasOutcome;

#[tokio::main]
pub(crate) async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (gateway, sim) = support::connect().await?;
    let outcome = gateway.auth(support::test_auth(1999)?).await?;
    println!("{outcome}");
    if let Some(response) = outcome.response() {
        let o = response.outcome();
        println!(
            "approved: {}  category: {:?}",
            o.is_approved(),
            o.category()
        );
        println!(
            "retref: {:?}  authcode: {:?}",
            response.retref, response.authcode
        );
    }
    if let Some(sim) = sim {
        sim.shutdown().await;
    }
    Ok(())
}
