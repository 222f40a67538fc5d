//! Shared by the reliability tests: an emulator, a gateway over real HTTPS to it, a seeded
//! RNG so failures reproduce, and the UAT card data the leak tests search for.
#![allow(dead_code)]

use std::time::Duration;

use cardpointe::transport::{Client, Credentials, Environment, RetryPolicy, Timeouts};
use cardpointe::{Gateway, RecoveryPolicy};
use cardpointe_sim::Sim;

/// The UAT test Visa (approves below $1000).
pub(crate) const VISA: &str = "4111111111111111";
/// The UAT Visa that always declines.
pub(crate) const DECLINED_VISA: &str = "4387751111111038";

/// A client for `sim` with these timeouts and retries (the emulator's CA trusted, its
/// credentials unless `password` overrides them).
pub(crate) fn client_for(
    sim: &Sim,
    timeouts: Timeouts,
    retry: RetryPolicy,
    password: Option<&str>,
) -> Client {
    let (user, sim_password) = sim.credentials();
    Client::builder(Environment::base_url(&sim.base_url()).expect("the emulator's URL parses"))
        .credentials(Credentials::new(user, password.unwrap_or(sim_password)))
        .merchant_id(sim.merchid())
        .add_root_certificate_der(sim.root_certificate_der().to_vec())
        .timeouts(timeouts)
        .retry_policy(retry)
        .build()
        .expect("a client for the emulator")
}

/// A gateway for `sim` with generous timeouts (a loaded CI machine never turns an ordinary
/// answer into a recovery) and a short recovery pause.
pub(crate) fn gateway_for(sim: &Sim) -> Gateway {
    let client = client_for(
        sim,
        Timeouts::default()
            .with_payment(Duration::from_secs(20))
            .with_inquiry(Duration::from_secs(20)),
        RetryPolicy::never(),
        None,
    );
    Gateway::new(client)
        .with_recovery(RecoveryPolicy::default().with_pause(Duration::from_millis(20)))
}

/// xorshift64*: a tiny, seeded generator so every run draws the same plan.
#[derive(Debug, Clone)]
pub(crate) struct XorShift(u64);

impl XorShift {
    /// A generator from `seed` (0 is replaced: xorshift needs a non-zero state).
    pub(crate) const fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}
