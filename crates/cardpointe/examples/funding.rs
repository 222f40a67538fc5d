//! Read today's funding (deposits, adjustments, chargebacks) for the merchant.
//!
//! `cargo run -p cardpointe --example funding`

mod support;

use cardpointe::FundingRequest;

#[tokio::main]
pub(crate) async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (gateway, sim) = support::connect().await?;
    if let Some(sim) = &sim {
        let sale = support::test_auth(8800)?.with_capture(true);
        gateway.auth(sale).await?;
        sim.settle_now();
    }
    let funding = gateway.funding(&FundingRequest::new(None)).await?;
    println!("{funding:#?}");
    if let Some(sim) = sim {
        sim.shutdown().await;
    }
    Ok(())
}
