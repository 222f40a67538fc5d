//! Shared by the examples: a gateway on a real site when `CARDPOINTE_*` is set, else on an
//! emulator started in this process.
#![allow(dead_code, unreachable_pub)]

use cardpointe::transport::{Client, Credentials, Environment};
use cardpointe::{Amount, AuthRequest, Gateway, PaymentSource};
use cardpointe_sim::Sim;

/// The gateway to use, and the emulator behind it (when there is one; keep it alive).
pub async fn connect() -> Result<(Gateway, Option<Sim>), Box<dyn std::error::Error>> {
    let real = ["CARDPOINTE_SITE", "CARDPOINTE_BASE_URL"]
        .iter()
        .any(|v| std::env::var_os(v).is_some());
    if real {
        let gateway = Gateway::from_env()?;
        println!(
            "using the CardPointe site from CARDPOINTE_* (merchant {})",
            gateway.merchant_id()
        );
        return Ok((gateway, None));
    }
    let sim = Sim::builder().start().await?;
    let (user, password) = sim.credentials();
    let client = Client::builder(Environment::base_url(&sim.base_url())?)
        .credentials(Credentials::new(user, password))
        .merchant_id(sim.merchid())
        .add_root_certificate_der(sim.root_certificate_der().to_vec())
        .build()?;
    println!(
        "using the in-process emulator at {} (set CARDPOINTE_SITE to use a real site)",
        sim.base_url()
    );
    Ok((Gateway::new(client), Some(sim)))
}

/// An auth of `minor` cents on the UAT test Visa.
pub fn test_auth(minor: i64) -> Result<AuthRequest, Box<dyn std::error::Error>> {
    Ok(AuthRequest::new(
        Amount::from_minor(minor)?,
        PaymentSource::Card("4111111111111111".parse()?),
    )
    .with_expiry("1230".parse()?))
}
