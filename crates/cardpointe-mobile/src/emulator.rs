//! [`TestEmulator`] (feature `test-emulator`): the CardPointe emulator of `cardpointe-sim`
//! (Gateway and CardSecure over HTTPS on loopback, with its own certificate authority) started
//! in process, so an app's UI and integration tests tokenize without a network or credentials.

use std::sync::{Arc, Mutex};

use cardpointe_sim::Sim;

use crate::runtime;
use crate::tokenizer::{CardSecureConfig, TokenizeError};

/// A running emulator. Stop it with [`TestEmulator::shutdown`] (or let it go).
#[derive(uniffi::Object)]
pub struct TestEmulator {
    sim: Mutex<Option<Sim>>,
    config: CardSecureConfig,
}

impl std::fmt::Debug for TestEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestEmulator")
            .field("url", &self.config.url)
            .finish_non_exhaustive()
    }
}

#[uniffi::export]
impl TestEmulator {
    /// Starts the emulator on a free loopback port (UAT merchants and test credentials).
    ///
    /// # Errors
    /// [`TokenizeError::Configuration`] when it cannot listen; [`TokenizeError::Runtime`].
    #[uniffi::constructor]
    pub fn start() -> Result<Arc<Self>, TokenizeError> {
        let sim = runtime::block_on(Sim::builder().start())?.map_err(|e| {
            TokenizeError::Configuration(format!("the emulator did not start: {e}"))
        })?;
        let (username, password) = sim.credentials();
        let config = CardSecureConfig {
            url: sim.base_url(),
            username: username.to_owned(),
            password: password.to_owned(),
            merchant_id: sim.merchid().to_owned(),
            root_certificates_pem: Some(sim.root_certificate_pem().to_owned()),
            timeout_ms: None,
        };
        Ok(Arc::new(Self {
            sim: Mutex::new(Some(sim)),
            config,
        }))
    }

    /// The configuration a [`Tokenizer`](crate::Tokenizer) needs to tokenize on this emulator
    /// (its URL, test credentials, merchant id and certificate authority).
    #[must_use]
    pub fn cardsecure_config(&self) -> CardSecureConfig {
        self.config.clone()
    }

    /// Stops the emulator.
    pub fn shutdown(&self) {
        let sim = self
            .sim
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(sim) = sim {
            let _ = runtime::block_on(sim.shutdown());
        }
    }
}
