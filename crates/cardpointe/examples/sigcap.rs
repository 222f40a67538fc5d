//! Attach a signature (base64 of a gzipped BMP) to an authorization.
//!
//! `cargo run -p cardpointe --example sigcap`

mod support;

use cardpointe::{HasOutcome, SigcapRequest};

/// A tiny placeholder signature image (base64 of gzipped bytes).
const SIGNATURE: &str = "H4sIAAAAAAAAA3PyDHFVSM7PS0nNK1EoSS0uUUjOzy1ITS4tSQUAmGz9sxcAAAA=";

#[tokio::main]
pub(crate) async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (gateway, sim) = support::connect().await?;
    let outcome = gateway.auth(support::test_auth(3100)?).await?;
    let retref = outcome
        .retref()
        .cloned()
        .ok_or("the auth was not approved")?;
    let sigcap = gateway
        .sigcap(&SigcapRequest::new(retref, SIGNATURE))
        .await?;
    println!(
        "sigcap: approved={} {:?}",
        sigcap.is_approved(),
        sigcap.resptext
    );
    if let Some(sim) = sim {
        sim.shutdown().await;
    }
    Ok(())
}
