//! The whole payment in one call: a card (keyed here) → CardSecure token → safe auth →
//! receipt, printing each step as a UI would show it.
//!
//! `cargo run -p cardpointe --example checkout`

mod support;

use cardpointe::Amount;
use cardpointe::cardsecure::ManualCard;

#[tokio::main]
pub(crate) async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (gateway, sim) = support::connect().await?;
    let card = ManualCard::new("4111 1111 1111 1111", "12/30", Some("123"))?;
    let result = gateway
        .checkout(Amount::from_minor(2599)?, card, |event| {
            println!("  · {event:?}")
        })
        .await?;
    println!("\nreceipt:\n{}", result.receipt);
    if let Some(sim) = sim {
        sim.shutdown().await;
    }
    Ok(())
}
