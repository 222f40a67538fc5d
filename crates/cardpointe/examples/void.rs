//! Authorize, then void the authorization.
//!
//! `cargo run -p cardpointe --example void`

mod support;

use cardpointe::{HasOutcome, VoidRequest};

#[tokio::main]
pub(crate) async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (gateway, sim) = support::connect().await?;
    let outcome = gateway.auth(support::test_auth(1500)?).await?;
    let retref = outcome
        .retref()
        .cloned()
        .ok_or("the auth was not approved")?;
    let void = gateway.void(&VoidRequest::new(retref)).await?;
    println!(
        "void: approved={} {:?} authcode {:?}",
        void.is_approved(),
        void.resptext,
        void.authcode
    );
    if let Some(sim) = sim {
        sim.shutdown().await;
    }
    Ok(())
}
