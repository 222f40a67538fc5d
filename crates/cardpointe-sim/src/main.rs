//! `cardpointe-sim`: run the CardPointe Gateway + CardSecure emulator as a program. Its flags
//! and behaviour are [`cardpointe_sim::serve`]'s, shared with `cardpointe sim`.

use std::process::ExitCode;

use cardpointe_sim::serve::{ADMIN_HELP, ServeArgs, serve};
use clap::Parser;

/// A local, faithful emulator of the CardPointe Gateway and CardSecure (UAT behaviour).
#[derive(Debug, Parser)]
#[command(name = "cardpointe-sim", version, about, after_help = ADMIN_HELP)]
struct Cli {
    /// Print one JSON line when ready (URLs, CA path, credentials) instead of the banner.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    serve: ServeArgs,
}

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    cli.serve.json = cli.json;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(error) => {
            eprintln!("cannot start the tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(cli.serve, |_| {})) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
