//! `cardpointe reader scan|info|read`: the emulator's virtual VP3300 (the default), or a real
//! one over Bluetooth LE with `--ble` — both through `cardpointe-reader`'s [`Reader`] API, the
//! one an app uses. The demo and `tokenize --reader` open their reader here too.

use std::time::Duration;

use cardpointe::checkout::ReaderSession;
use cardpointe::reader::{
    BleOptions, ConnectOptions, Discovery, DiscoveryOptions, LinkError, Reader, ReaderError,
};
use cardpointe::{Amount, CardReader as _, CheckoutEvent};
use cardpointe_vp3300::command::{self, Interfaces};
use cardpointe_vp3300_sim::{DeviceConfig, Entry, Presentation, TestCard};
use serde_json::json;

use crate::error::CliError;
use crate::gateway_cmd::parse_amount;

/// `reader` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum ReaderCmd {
    /// List VP3300 readers: the virtual one, or those in range over Bluetooth LE (--ble).
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
    /// Scan Bluetooth LE for a real VP3300 instead of using the emulator's virtual one.
    #[arg(long)]
    ble: bool,
    /// Use the emulator's virtual VP3300 (the default).
    #[arg(long = "virtual", conflicts_with = "ble")]
    virtual_reader: bool,
    /// With --ble: the reader whose advertised name ends with this (default: the strongest
    /// signal).
    #[arg(long, requires = "ble")]
    name: Option<String>,
    /// With --ble: how long to scan, in seconds.
    #[arg(long, default_value_t = 5)]
    scan_secs: u64,
}

impl Which {
    /// A real reader over Bluetooth LE (`ble`), or the virtual one.
    pub(crate) fn new(ble: bool) -> Self {
        Self {
            ble,
            virtual_reader: !ble,
            name: None,
            scan_secs: 5,
        }
    }

    fn discovery_options(&self, virtual_config: DeviceConfig) -> DiscoveryOptions {
        if self.ble {
            let mut options = BleOptions::default();
            options.scan_time = Duration::from_secs(self.scan_secs.max(1));
            DiscoveryOptions::bluetooth_with(options)
        } else {
            DiscoveryOptions::simulated_with(virtual_config)
        }
    }
}

/// What a failed scan or connection means for the user.
fn reader_error(e: ReaderError) -> CliError {
    reader_error_text(e).kind(crate::error::ErrorKind::Reader)
}

fn reader_error_text(e: ReaderError) -> CliError {
    match e {
        ReaderError::Link(LinkError::NoBluetooth { .. }) => CliError::new(e.to_string()).hint(
            "drop --ble to use the emulator's virtual reader, or turn Bluetooth on \
             (on Linux: bluetoothd and the D-Bus system bus running)",
        ),
        ReaderError::Link(_) => CliError::new(format!("Bluetooth: {e}"))
            .hint("wake the reader (press its button) and keep it close, then try again"),
        other => CliError::new(format!("the reader: {other}")),
    }
}

/// The virtual reader's setup: the UAT Visa, presented by `entry` (the best way the reader
/// offers when `None`) after 300 ms.
pub(crate) fn virtual_config(entry: Option<Entry>) -> DeviceConfig {
    virtual_config_with(TestCard::uat_visa(), entry, Duration::from_millis(300))
}

/// The virtual reader's setup: `card`, presented by `entry` after `delay`.
pub(crate) fn virtual_config_with(
    card: TestCard,
    entry: Option<Entry>,
    delay: Duration,
) -> DeviceConfig {
    DeviceConfig::with_cards([match entry {
        Some(entry) => Presentation::by(card, entry),
        None => Presentation::best(card),
    }
    .after(delay)])
}

/// Finds and connects the reader `which` names: a real VP3300 over Bluetooth LE, or the
/// virtual one set up by `virtual_config`.
pub(crate) async fn open(which: &Which, virtual_config: DeviceConfig) -> Result<Reader, CliError> {
    let discovery = Discovery::new();
    let found = discovery
        .discover(which.discovery_options(virtual_config))
        .await
        .map_err(reader_error)?;
    let reader = found
        .into_iter()
        .find(|r| which.name.as_deref().is_none_or(|n| r.name().ends_with(n)))
        .ok_or_else(|| {
            CliError::new("no VP3300 found in range")
                .hint("wake the reader (press its button), or drop --ble to use the virtual one")
        })?;
    discovery
        .connect(reader, ConnectOptions::default())
        .await
        .map_err(reader_error)
}

/// Runs a reader subcommand.
pub(crate) async fn run(cmd: ReaderCmd, json: bool) -> Result<(), CliError> {
    match cmd {
        ReaderCmd::Scan(which) => {
            let found = Reader::discover(which.discovery_options(virtual_config(None)))
                .await
                .map_err(reader_error)?;
            let names: Vec<(String, Option<i16>)> = found
                .iter()
                .map(|r| (r.name().to_owned(), r.rssi()))
                .collect();
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
            let reader = open(&which, virtual_config(None)).await?;
            let info = reader.info().clone();
            let _ = reader.disconnect().await;
            let firmware = info.firmware.unwrap_or_default();
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({
                        "name": info.name,
                        "firmware": firmware,
                        "serial": info.serial,
                        "battery_percent": info.battery_percent,
                    }))
                    .unwrap_or_default()
                );
            } else {
                println!(
                    "reader    {}\nfirmware  {firmware}\nserial    {}",
                    info.name,
                    info.serial.as_deref().unwrap_or("(not set)")
                );
                if let Some(percent) = info.battery_percent {
                    println!("battery   {percent} %");
                }
            }
            Ok(())
        }
        ReaderCmd::Read {
            which,
            amount,
            entry,
        } => {
            let entry = match entry {
                crate::demo::EntryChoice::Swipe => Entry::Swipe,
                crate::demo::EntryChoice::Tap => Entry::Tap,
                crate::demo::EntryChoice::Chip => Entry::Insert,
                crate::demo::EntryChoice::Manual => {
                    return Err(CliError::new("a reader cannot read a keyed card")
                        .hint("use --entry chip, swipe or tap"));
                }
            };
            let reader = open(&which, virtual_config(Some(entry))).await?;
            let name = reader.info().name.clone();
            let mut session = ReaderSession::new(reader).with_card_timeout(Duration::from_secs(30));
            if entry == Entry::Tap {
                // With the chip slot open the reader runs the contact flow; a tap needs 02-40.
                session = session.with_interfaces(Interfaces::new(true, true, false));
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
            let read = session.read_card(amount, &mut progress).await;
            if read.is_ok() {
                // Nothing is charged: tell the reader the host could not go online.
                let _ = session
                    .complete(command::HostResponse::unable_to_go_online())
                    .await;
            }
            let _ = session.into_inner().disconnect().await;
            let data = read?;
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
