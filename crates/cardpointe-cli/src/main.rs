//! `cardpointe`: the command-line face of cardpointe-rs.
//!
//! - `cardpointe demo` — a whole mobile payment on this machine (emulated gateway, CardSecure
//!   and VP3300), then capture and refund.
//! - `cardpointe sim` — the emulator as a server.
//! - `cardpointe auth|capture|void|refund|inquire|settlestat|funding|profile|sigcap|bin` —
//!   gateway calls; `cardpointe tokenize` — CardSecure.
//! - `cardpointe reader scan|info|read` — the virtual VP3300, or a real one over BLE (`--ble`).
//! - `cardpointe decode frame|tlv|msr HEX` — what a reader log line means.
//!
//! Exit codes: 0 success (approved), 1 error, 2 usage, 3 the gateway did not approve.

mod config;
mod decode;
mod demo;
mod error;
mod gateway_cmd;
mod hexin;
mod reader_cmd;
mod sim_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::ConnArgs;
use crate::decode::{DirectionArg, Show};
use crate::error::CliError;

/// CardPointe mobile payments from the command line: a one-command demo, the emulator, gateway
/// calls, tokenization, reader tools and a decoder for reader logs.
///
/// Connection (gateway commands): flags, else CARDPOINTE_SITE / CARDPOINTE_BASE_URL,
/// CARDPOINTE_MERCHID, CARDPOINTE_USERNAME, CARDPOINTE_PASSWORD, CARDPOINTE_CA_CERT, else the
/// --config TOML file; or --sim for an in-process emulator.
///
/// Exit codes: 0 success, 1 error, 2 usage, 3 the gateway did not approve.
#[derive(Debug, Parser)]
#[command(name = "cardpointe", version, about, long_about)]
struct Cli {
    /// Output JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Log what happens (redacted: no card data, tokens or credentials) to stderr.
    #[arg(long, short, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

/// A gateway command's own flags and the connection flags (only the commands that talk to the
/// gateway or CardSecure take `--site`, `--base-url`, `--merchid`, `--sim`, …).
#[derive(Debug, clap::Args)]
struct WithConn<T: clap::Args> {
    #[command(flatten)]
    args: T,
    #[command(flatten)]
    conn: ConnArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Walk through a whole mobile payment on an in-process emulator and virtual VP3300.
    Demo(demo::DemoArgs),
    /// Run the CardPointe Gateway + CardSecure emulator as a server.
    #[command(after_help = cardpointe_sim::serve::ADMIN_HELP)]
    Sim(sim_cmd::SimArgs),
    /// Authorize (safely: unique order id, recovery of a lost answer).
    Auth(WithConn<gateway_cmd::AuthArgs>),
    /// Capture an authorization.
    Capture(WithConn<gateway_cmd::RetrefArgs>),
    /// Void an authorization or capture.
    Void(WithConn<gateway_cmd::RetrefArgs>),
    /// Refund a settled transaction.
    Refund(WithConn<gateway_cmd::RetrefArgs>),
    /// Look a transaction up by retref or order id.
    Inquire(WithConn<gateway_cmd::InquireArgs>),
    /// Settlement status of a day's batches.
    Settlestat(WithConn<gateway_cmd::DateArgs>),
    /// Funding (deposits, adjustments, chargebacks) of a day.
    Funding(WithConn<gateway_cmd::DateArgs>),
    /// Stored profiles: create, read, delete.
    #[command(subcommand)]
    Profile(gateway_cmd::ProfileCmd),
    /// Attach a signature to a transaction.
    Sigcap(WithConn<gateway_cmd::SigcapArgs>),
    /// What the card behind a token is.
    Bin(WithConn<gateway_cmd::BinArgs>),
    /// Tokenize a card (or a virtual reader's read) with CardSecure.
    Tokenize(WithConn<gateway_cmd::TokenizeArgs>),
    /// VP3300 readers: scan, info, read (the virtual one, or a real one with --ble).
    #[command(subcommand)]
    Reader(reader_cmd::ReaderCmd),
    /// Decode reader log data: NEO 2 frames, EMV TLV, enhanced MSR records.
    #[command(subcommand)]
    Decode(DecodeCmd),
    /// Print a shell completion script: `cardpointe completions bash > /etc/bash_completion.d/cardpointe`
    /// (also zsh, fish, powershell, elvish).
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
enum DecodeCmd {
    /// A NEO 2 frame (ViVOtech2 / ViVOpayV3).
    Frame {
        /// The frame as hex (spaces allowed); absent or `-`: one frame per line of stdin.
        hex: Option<String>,
        /// Which way it travelled, when the CRC byte order cannot tell.
        #[arg(long, value_enum, default_value_t = DirectionArg::Auto)]
        direction: DirectionArg,
        /// Show card-carrying data in clear.
        #[arg(long)]
        unmasked: bool,
    },
    /// EMV BER-TLV data.
    Tlv {
        /// The TLV bytes as hex; absent or `-`: one item per line of stdin.
        hex: Option<String>,
        /// Read the ID TECH dialect (FFE0..FFEA, FFF0..FFFE are 2-byte primitive tags).
        #[arg(long)]
        idtech: bool,
        /// Show card data (PAN, tracks, names) in clear.
        #[arg(long)]
        unmasked: bool,
    },
    /// An ID TECH enhanced (encrypted) MSR record: the binary record as hex, or the keyboard
    /// (hex-ASCII) form a reader in keyboard mode types (`02…;4111****1111=…?…03`).
    Msr {
        /// The record (either form); absent or `-`: one record per line of stdin.
        hex: Option<String>,
        /// Show track data and ciphertext in clear.
        #[arg(long)]
        unmasked: bool,
    },
}

fn main() -> ExitCode {
    quiet_broken_pipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version are not errors; a refused command line with --json is JSON too.
        Err(e) if e.use_stderr() && std::env::args_os().any(|a| a == "--json") => {
            let message = e.render().to_string();
            let first = message
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches("error: ");
            let error = CliError::usage(first.to_owned())
                .hint("see `cardpointe --help` or `cardpointe <command> --help`");
            eprintln!("{}", error.to_json());
            return error.exit_code();
        }
        Err(e) => e.exit(),
    };
    if let Command::Completions { shell } = cli.command {
        let mut command = <Cli as clap::CommandFactory>::command();
        clap_complete::generate(shell, &mut command, "cardpointe", &mut std::io::stdout());
        return ExitCode::SUCCESS;
    }
    if cli.verbose {
        use tracing_subscriber::layer::SubscriberExt as _;
        use tracing_subscriber::util::SubscriberInitExt as _;
        // Our crates at debug (their spans and events never carry card data, tokens or
        // credentials); the HTTP/TLS stack and the in-process emulator only when they warn.
        let filter = tracing_subscriber::filter::Targets::new()
            .with_target("cardpointe", tracing::Level::DEBUG)
            .with_target("cardpointe_sim", tracing::Level::WARN)
            .with_default(tracing::Level::WARN);
        tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    // Colour only for a person at a terminal, and never under NO_COLOR.
                    .with_ansi(
                        std::io::IsTerminal::is_terminal(&std::io::stderr())
                            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
                    )
                    .with_target(false),
            )
            .with(filter)
            .init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let json = cli.json;
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if error::is_declined(&e) => e.exit_code(),
        Err(e) => {
            if json {
                eprintln!("{}", e.to_json());
            } else {
                eprintln!("{e}");
            }
            e.exit_code()
        }
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let json = cli.json;
    match cli.command {
        Command::Demo(args) => demo::run(args, json).await,
        Command::Sim(mut args) => {
            args.json = json;
            sim_cmd::run(args).await
        }
        Command::Decode(cmd) => decode_cmd(cmd, json),
        // Handled before the runtime starts.
        Command::Completions { .. } => Ok(()),
        Command::Reader(cmd) => reader_cmd::run(cmd, json).await,
        gateway => {
            let conn_args = match &gateway {
                Command::Auth(c) => c.conn.clone(),
                Command::Capture(c) | Command::Void(c) | Command::Refund(c) => c.conn.clone(),
                Command::Inquire(c) => c.conn.clone(),
                Command::Settlestat(c) | Command::Funding(c) => c.conn.clone(),
                Command::Profile(c) => c.conn().clone(),
                Command::Sigcap(c) => c.conn.clone(),
                Command::Bin(c) => c.conn.clone(),
                Command::Tokenize(c) => c.conn.clone(),
                _ => return Ok(()),
            };
            let conn = conn_args.connect().await?;
            let result = match gateway {
                Command::Auth(c) => gateway_cmd::auth(&conn, c.args, json).await,
                Command::Capture(c) => gateway_cmd::capture(&conn, c.args, json).await,
                Command::Void(c) => gateway_cmd::void(&conn, c.args, json).await,
                Command::Refund(c) => gateway_cmd::refund(&conn, c.args, json).await,
                Command::Inquire(c) => gateway_cmd::inquire(&conn, c.args, json).await,
                Command::Settlestat(c) => gateway_cmd::settlestat(&conn, c.args, json).await,
                Command::Funding(c) => gateway_cmd::funding(&conn, c.args, json).await,
                Command::Profile(c) => gateway_cmd::profile(&conn, c, json).await,
                Command::Sigcap(c) => gateway_cmd::sigcap(&conn, c.args, json).await,
                Command::Bin(c) => gateway_cmd::bin(&conn, c.args, json).await,
                Command::Tokenize(c) => gateway_cmd::tokenize(&conn, c.args, json).await,
                _ => Ok(()),
            };
            conn.close().await;
            result
        }
    }
}

/// One pasted item decoded, as text or JSON. A hex item that is not hex fails here; an MSR
/// record may also be its keyboard (hex-ASCII) form, read as typed.
fn decode_item(cmd: &DecodeCmd, item: &str, json: bool, many: bool) -> Result<String, String> {
    let bytes = || hexin::decode(item).map_err(|e| e.message);
    match cmd {
        DecodeCmd::Frame {
            direction,
            unmasked,
            ..
        } => decode::frame(&bytes()?, *direction, show(*unmasked)).map(|f| {
            if json {
                to_json(&f, many)
            } else {
                decode::frame_text(&f)
            }
        }),
        DecodeCmd::Tlv {
            idtech, unmasked, ..
        } => {
            let bytes = bytes()?;
            decode::tlv(&bytes, *idtech, show(*unmasked)).map(|t| {
                if json {
                    to_json(&t, many)
                } else if *unmasked {
                    decode::tlv_text(&t)
                } else {
                    // The EMV crate's tree printer: decoded values, card data masked.
                    let options = if *idtech {
                        cardpointe_emv::Options::id_tech()
                    } else {
                        cardpointe_emv::Options::emv()
                    };
                    cardpointe_emv::print::tree(&bytes, options)
                        .to_string()
                        .trim_end()
                        .to_owned()
                }
            })
        }
        DecodeCmd::Msr { unmasked, .. } => decode::msr_item(item, show(*unmasked)).map(|m| {
            if json {
                to_json(&m, many)
            } else {
                decode::msr_text(&m)
            }
        }),
    }
}

fn decode_cmd(cmd: DecodeCmd, json: bool) -> Result<(), CliError> {
    let (input, kind) = match &cmd {
        DecodeCmd::Frame { hex, .. } => (hex.as_deref(), "frame"),
        DecodeCmd::Tlv { hex, .. } => (hex.as_deref(), "TLV"),
        DecodeCmd::Msr { hex, .. } => (hex.as_deref(), "MSR record"),
    };
    let items = hexin::items(input)?;
    if items.is_empty() {
        return Err(CliError::new(format!("no {kind} to decode"))
            .hint("give the hex as an argument, or pipe one item per line on stdin"));
    }
    let many = items.len() > 1;
    let mut failures = 0usize;
    for (n, item) in items.iter().enumerate() {
        let line = n + 1;
        let out = decode_item(&cmd, item, json, many);
        match out {
            Ok(text) => {
                if many && !json && n > 0 {
                    println!();
                }
                println!("{text}");
            }
            Err(message) => {
                eprintln!("error: item {line}: {message}");
                failures += 1;
            }
        }
    }
    if failures > 0 {
        return Err(CliError::new(format!(
            "{failures} of {} item(s) could not be decoded",
            items.len()
        ))
        .hint("each line must hold one whole item as hex"));
    }
    Ok(())
}

/// `cardpointe decode … | head` closes stdout early: end quietly instead of panicking in
/// `println!` (Rust ignores SIGPIPE; restoring it would need unsafe code).
/// The command as the user ran it, for hints: `cargo run -p cardpointe-cli --` for a binary in
/// a cargo target directory (`…/debug/` or `…/release/` under a directory holding cargo's
/// `CACHEDIR.TAG`, whatever the directory is called), else the program's own name
/// (`cardpointe` once installed).
pub(crate) fn invoked_as() -> String {
    let argv0 = std::env::args_os().next().map(std::path::PathBuf::from);
    let in_cargo_target = argv0.as_ref().and_then(|p| p.parent()).is_some_and(|dir| {
        dir.file_name()
            .is_some_and(|n| n == "debug" || n == "release")
            && dir
                .parent()
                .is_some_and(|target| target.join("CACHEDIR.TAG").is_file())
    });
    if in_cargo_target {
        return "cargo run -p cardpointe-cli --".to_owned();
    }
    argv0.as_ref().and_then(|p| p.file_stem()).map_or_else(
        || "cardpointe".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

const fn show(unmasked: bool) -> Show {
    if unmasked {
        Show::Unmasked
    } else {
        Show::Masked
    }
}

/// One JSON document; compact (one per line) when decoding several items.
fn to_json<T: serde::Serialize>(value: &T, compact: bool) -> String {
    if compact {
        serde_json::to_string(value).unwrap_or_default()
    } else {
        serde_json::to_string_pretty(value).unwrap_or_default()
    }
}
