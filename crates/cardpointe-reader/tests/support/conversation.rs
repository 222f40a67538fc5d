//! The card reads and devices the reader conversation tests share (`reader_e2e.rs` through the
//! `Reader` API, `connection_pair.rs` through `Connection` without tokio).
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use cardpointe_vp3300::TransactionRequest;
use cardpointe_vp3300::command::{Interfaces, Payment};
use cardpointe_vp3300_sim::{DeviceConfig, Entry, Presentation, Scenario, TestCard};

/// A $12.34 purchase on `interfaces`, 10 s for the card, 2 s margin.
pub fn request(interfaces: Interfaces) -> TransactionRequest {
    let mut request = TransactionRequest::new(Payment::purchase_usd(1234), interfaces);
    request.card_timeout = Duration::from_secs(10);
    request.margin = Duration::from_secs(2);
    request
}

/// Swipe only.
pub fn swipe() -> Interfaces {
    Interfaces::new(true, false, false)
}

/// The default device, presented exactly these cards.
pub fn cards(presentations: impl IntoIterator<Item = Presentation>) -> DeviceConfig {
    DeviceConfig::with_cards(presentations)
}

/// A device whose every answer takes `delay`.
pub fn slow(
    delay: Duration,
    presentations: impl IntoIterator<Item = Presentation>,
) -> DeviceConfig {
    let mut config = cards(presentations);
    config.scenario = Scenario::SlowFirmware { delay };
    config
}

/// The UAT Visa, swiped.
pub fn swiped_visa() -> Presentation {
    Presentation::by(TestCard::uat_visa(), Entry::Swipe)
}
