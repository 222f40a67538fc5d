//! A reader checkout in four calls — configure, find a reader, connect, check out — on the
//! emulator's virtual VP3300 (a real VP3300 over Bluetooth LE: `DiscoveryOptions::bluetooth()`).
//!
//! `cargo run -p cardpointe --features reader-simulator --example reader_checkout`

mod support;

use cardpointe::Amount;
use cardpointe::checkout::ReaderSession;
use cardpointe::reader::{DiscoveryOptions, Reader};

#[tokio::main]
pub(crate) async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (gateway, sim) = support::connect().await?;
    let found = Reader::discover(DiscoveryOptions::simulated()).await?;
    let mut reader = ReaderSession::connect(found.into_iter().next().ok_or("no reader")?).await?;
    let result = gateway
        .checkout(Amount::from_minor(1999)?, &mut reader, |event| {
            println!("  · {event:?}")
        })
        .await?;
    println!("\nreceipt:\n{}", result.receipt);
    reader.into_inner().disconnect().await?;
    if let Some(sim) = sim {
        sim.shutdown().await;
    }
    Ok(())
}
