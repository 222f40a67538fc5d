//! `cardpointe reader scan|info|read`: a VP3300 over Bluetooth LE, or the virtual one.

use std::time::Duration;

use cardpointe::{Amount, CardReader as _, CheckoutEvent};
use cardpointe_sim::reader::{DeviceConfig, Entry, Presentation, TestCard};
use cardpointe_vp3300::command::{self, FirmwareVersion, SerialNumber};
use serde_json::json;

use crate::error::CliError;
use crate::gateway_cmd::parse_amount;
use crate::pipe_reader::{Pipe, PipeReader};

/// `reader` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum ReaderCmd {
    /// List VP3300 readers in range (BLE), or the virtual one.
    Scan(Which),
    /// Firmware version and serial number of a reader.
    Info(Which),
    /// Wait for a card and show what the reader read (masked); nothing is charged.
    Read {
        #[command(flatten)]
        which: Which,
        /// Amount shown to the card, in dollars.
        #[arg(long, value_parser = parse_amount, default_value = "1.00")]
        amount: Amount,
        /// Virtual reader only: how the card is presented.
        #[arg(long, value_enum, default_value_t = crate::demo::EntryChoice::Chip)]
        entry: crate::demo::EntryChoice,
    },
}

/// Which reader.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Which {
    /// Use the emulator's virtual VP3300 instead of Bluetooth.
    #[arg(long = "virtual")]
    virtual_reader: bool,
    /// BLE: the reader whose advertised name ends with this (default: the strongest signal).
    #[arg(long)]
    name: Option<String>,
    /// BLE: how long to scan, in seconds.
    #[arg(long, default_value_t = 5)]
    scan_secs: u64,
}

fn virtual_config(entry: Option<Entry>) -> DeviceConfig {
    let card = TestCard::uat_visa();
    DeviceConfig::with_cards([match entry {
        Some(entry) => Presentation::by(card, entry),
        None => Presentation::best(card),
    }
    .after(Duration::from_millis(300))])
}

async fn open(which: &Which, entry: Option<Entry>) -> Result<(PipeReader, String), CliError> {
    if which.virtual_reader {
        let config = virtual_config(entry);
        let name = config.ble_name();
        return Ok((PipeReader::new(Pipe::virtual_reader(config)), name));
    }
    ble::open(which).await
}

/// Runs a reader subcommand.
pub(crate) async fn run(cmd: ReaderCmd, json: bool) -> Result<(), CliError> {
    match cmd {
        ReaderCmd::Scan(which) => {
            let names = if which.virtual_reader {
                vec![(virtual_config(None).ble_name(), None)]
            } else {
                ble::scan(&which).await?
            };
            if json {
                let list: Vec<_> = names
                    .iter()
                    .map(|(n, rssi)| json!({"name": n, "rssi": rssi}))
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&list).unwrap_or_default()
                );
            } else if names.is_empty() {
                println!("no VP3300 in range (is it on and not connected to another phone?)");
            } else {
                for (name, rssi) in names {
                    match rssi {
                        Some(r) => println!("{name}  {r} dBm"),
                        None => println!("{name}"),
                    }
                }
            }
            Ok(())
        }
        ReaderCmd::Info(which) => {
            let (mut reader, name) = open(&which, None).await?;
            let wait = Duration::from_secs(3);
            let version = reader.exchange(command::firmware_version(), wait).await?;
            let version = FirmwareVersion::from_response(&version).map_err(|e| {
                CliError::new(format!("the firmware version answer is not valid: {e}"))
            })?;
            let serial = reader.exchange(command::serial_number(), wait).await?;
            let serial = SerialNumber::from_response(&serial).map_err(|e| {
                CliError::new(format!("the serial number answer is not valid: {e}"))
            })?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &json!({"name": name, "firmware": version.as_str(), "serial": serial.0})
                    )
                    .unwrap_or_default()
                );
            } else {
                println!(
                    "reader    {name}\nfirmware  {}\nserial    {}",
                    version.as_str(),
                    serial.0
                );
            }
            Ok(())
        }
        ReaderCmd::Read {
            which,
            amount,
            entry,
        } => {
            let entry = match entry {
                crate::demo::EntryChoice::Swipe => Some(Entry::Swipe),
                crate::demo::EntryChoice::Tap => Some(Entry::Tap),
                crate::demo::EntryChoice::Chip => Some(Entry::Insert),
                crate::demo::EntryChoice::Manual => {
                    return Err(CliError::new("a reader cannot read a keyed card")
                        .hint("use --entry chip, swipe or tap"));
                }
            };
            let (mut reader, name) = open(&which, entry).await?;
            if entry == Some(Entry::Tap) {
                reader = reader.with_interfaces(cardpointe_vp3300::command::Interfaces::new(
                    true, true, false,
                ));
            }
            if !json {
                println!("reader {name}: present a card…");
            }
            let mut progress = |e: CheckoutEvent| {
                if let CheckoutEvent::ReaderPrompt(p) = e
                    && !json
                {
                    println!("  {p}");
                }
            };
            let data = reader.read_card(amount, &mut progress).await?;
            // Nothing is charged: tell the reader the host could not go online.
            let _ = reader
                .complete(command::HostResponse::unable_to_go_online())
                .await;
            let value = json!({
                "reader": name,
                "entry_mode": data.entry_mode().gateway_name(),
                "masked_pan": data.masked_pan(),
                "expiry": data.expiry_mmyy(),
                "encrypted": data.is_encrypted(),
                "ksn": data.ksn().map(|k| k.to_string()),
                "payload_length": data.payload().len(),
            });
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&value).unwrap_or_default()
                );
            } else {
                println!(
                    "read {} by {} (expiry {}, encrypted {}, KSN {}, {} characters of device data)",
                    data.masked_pan().unwrap_or("?"),
                    data.entry_mode().gateway_name(),
                    data.expiry_mmyy().unwrap_or_default(),
                    data.is_encrypted(),
                    data.ksn().map(|k| k.to_string()).unwrap_or_default(),
                    data.payload().len()
                );
            }
            Ok(())
        }
    }
}

#[cfg(feature = "ble")]
mod ble {
    use cardpointe::reader::{BleLink, BleOptions, ble};

    use super::Which;
    use crate::error::CliError;
    use crate::pipe_reader::{Pipe, PipeReader};

    fn options(which: &Which) -> BleOptions {
        let mut options = BleOptions::default();
        options.scan_time = std::time::Duration::from_secs(which.scan_secs.max(1));
        options
    }

    fn no_ble(e: impl std::fmt::Display) -> CliError {
        CliError::new(format!("Bluetooth: {e}"))
            .hint("check that Bluetooth is on (on Linux: BlueZ running), or add --virtual to use the emulator's reader")
    }

    pub(super) async fn scan(which: &Which) -> Result<Vec<(String, Option<i16>)>, CliError> {
        let options = options(which);
        let adapter = ble::platform_adapter(&options).await.map_err(no_ble)?;
        let found = ble::scan(&adapter, &options).await.map_err(no_ble)?;
        Ok(found.into_iter().map(|r| (r.name, r.rssi)).collect())
    }

    pub(super) async fn open(which: &Which) -> Result<(PipeReader, String), CliError> {
        let options = options(which);
        let adapter = ble::platform_adapter(&options).await.map_err(no_ble)?;
        let found = ble::scan(&adapter, &options).await.map_err(no_ble)?;
        let reader = found
            .into_iter()
            .find(|r| which.name.as_deref().is_none_or(|n| r.name.ends_with(n)))
            .ok_or_else(|| {
                CliError::new("no VP3300 found in range")
                    .hint("wake the reader (press its button), or add --virtual")
            })?;
        let name = reader.name.clone();
        let link = BleLink::connect(adapter, reader, options)
            .await
            .map_err(no_ble)?;
        Ok((PipeReader::new(Pipe::Ble(Box::new(link))), name))
    }
}

#[cfg(not(feature = "ble"))]
mod ble {
    use super::Which;
    use crate::error::CliError;
    use crate::pipe_reader::PipeReader;

    fn missing() -> CliError {
        CliError::new("this build has no Bluetooth support")
            .hint("rebuild with the default `ble` feature, or add --virtual")
    }

    pub(super) async fn scan(_: &Which) -> Result<Vec<(String, Option<i16>)>, CliError> {
        Err(missing())
    }

    pub(super) async fn open(_: &Which) -> Result<(PipeReader, String), CliError> {
        Err(missing())
    }
}
