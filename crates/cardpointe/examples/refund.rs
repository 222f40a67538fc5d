//! Sell (auth + capture), let the batch settle, then refund part of it.
//!
//! `cargo run -p cardpointe --example refund`

mod support;

use cardpointe::{Amount, HasOutcome, RefundRequest};

#[tokio::main]
pub(crate) async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (gateway, sim) = support::connect().await?;
    let mut sale = support::test_auth(5000)?.with_capture(true);
    sale.orderid = Some(cardpointe::new_order_id());
    let outcome = gateway.auth(sale).await?;
    let retref = outcome
        .retref()
        .cloned()
        .ok_or("the sale was not approved")?;
    println!("sale: {outcome}");
    if let Some(sim) = &sim {
        // The emulator settles batches on a schedule; settle now (a real site settles nightly).
        sim.settle_now();
    }
    let refund = gateway
        .refund(&RefundRequest::new(retref).with_amount(Amount::from_minor(1250)?))
        .await?;
    println!(
        "refund: approved={} {:?} retref {:?}",
        refund.is_approved(),
        refund.resptext,
        refund.retref
    );
    if let Some(sim) = sim {
        sim.shutdown().await;
    }
    Ok(())
}
