//! `cardpointe sim`: the emulator as a server. Flags and behaviour are `cardpointe-sim`'s own
//! ([`cardpointe_sim::serve`]); this adds the hint to try the CLI against it.

use cardpointe_sim::serve::{ServeArgs, ServeError, serve};

use crate::error::CliError;

/// `sim` flags: exactly the `cardpointe-sim` binary's.
pub(crate) type SimArgs = ServeArgs;

/// Runs the emulator until Ctrl-C or SIGTERM.
pub(crate) async fn run(args: SimArgs) -> Result<(), CliError> {
    let ca_out = args.ca_out.clone();
    let json = args.json;
    serve(args, |sim| {
        if json {
            return; // stdout is the one ready line
        }
        println!("\nTry, in another shell:");
        println!(
            "  CARDPOINTE_BASE_URL={}{} CARDPOINTE_MERCHID={} CARDPOINTE_USERNAME={} CARDPOINTE_PASSWORD={}{} \\\n    cardpointe auth --amount 12.34 --card 4111111111111111 --expiry 1230",
            sim.base_url(),
            // Plain HTTP is allowed by name (and to loopback only): the same line works for the
            // CLI and for `Gateway::from_env`.
            if sim.base_url().starts_with("http://") {
                " CARDPOINTE_ALLOW_PLAIN_HTTP=loopback"
            } else {
                ""
            },
            sim.merchid(),
            sim.credentials().0,
            sim.credentials().1,
            ca_out
                .as_ref()
                .map(|p| format!(" CARDPOINTE_CA_CERT={}", p.display()))
                .unwrap_or_default()
        );
    })
    .await
    .map_err(|e| match e {
        ServeError::Start(_) => CliError::new(e.to_string())
            .hint("choose another address with --listen 127.0.0.1:0"),
        other => CliError::new(other.to_string()),
    })
}
