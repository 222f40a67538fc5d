//! The HTTPS client of cardpointe-rs: puts CardPointe Gateway and CardSecure requests on the
//! wire with hyper 1 and rustls.
//!
//! - **One [`Client`] per merchant configuration**, cheap to clone, sharing one connection
//!   pool (HTTP/1.1 keep-alive, HTTP/2 when the server offers it).
//! - **Configuration that prevents the classic mistakes**: an [`Environment`] builds the right
//!   base URL for production or UAT from a site name (or takes an explicit base URL for the
//!   emulator); [`Credentials`] hold a [`Password`] that is masked in `Debug` and zeroed on
//!   drop; [`Timeouts`] wait longer than the gateway's 32-second processor timeout for payments
//!   and less for inquiries, and a single call can override them.
//! - **TLS is always verified** (rustls with the ring provider, TLS 1.2 and 1.3, Mozilla's roots
//!   compiled in). A custom root can be added; plain HTTP is allowed only to a loopback address
//!   and only after [`ClientBuilder::allow_plain_http_to_loopback`].
//! - **One opaque [`Error`]** with predicates ([`is_timeout`](Error::is_timeout),
//!   [`is_connect`](Error::is_connect), [`is_auth`](Error::is_auth),
//!   [`status`](Error::status), [`is_decode`](Error::is_decode), [`is_config`](Error::is_config))
//!   and [`maybe_sent`](Error::maybe_sent): whether the request may have reached the gateway,
//!   which decides what is safe to do next.
//! - **Nothing is retried blindly** ([`RetryPolicy`]): reads may be retried with backoff; a write
//!   only when it certainly never left the machine.
//! - **Redacting `tracing`**: one `cardpointe.call` span per call with the operation, merchant
//!   id, method, status, duration and retries. Paths, bodies and headers are never recorded, so
//!   card data, tokens, CVVs, reader data and the `Authorization` header never appear at any
//!   level; error excerpts of response bodies are masked ([`redact`]).
//!
//! # Example
//!
//! ```no_run
//! use cardpointe_transport::{Client, Credentials, Environment, Method, Request, Service};
//! use std::time::Duration;
//!
//! # async fn run() -> Result<(), cardpointe_transport::Error> {
//! let client = Client::builder(Environment::uat("fts")?)
//!     .credentials(Credentials::new("testing", "testing123"))
//!     .merchant_id("496160873888")
//!     .build()?;
//!
//! // Typed calls: `client.call(&AuthRequest::new(..))` for any `cardpointe-types` operation;
//! // the client fills in its merchant id.
//! // The raw path underneath:
//! let request = Request::new(Service::Gateway, Method::GET, "inquire/343005123105/496160873888", "inquire")
//!     .with_timeout(Duration::from_secs(10));
//! match client.execute(request).await {
//!     Ok(response) => println!("HTTP {}", response.status()),
//!     Err(e) if e.maybe_sent() => println!("unknown outcome, recover by order id: {e}"),
//!     Err(e) => println!("not sent: {e}"),
//! }
//! # Ok(()) }
//! ```
//!
//! Configuration can also come from the environment: [`Client::from_env`] reads
//! `CARDPOINTE_SITE` (`fts-uat` selects UAT), `CARDPOINTE_MERCHID`, `CARDPOINTE_USERNAME`,
//! `CARDPOINTE_PASSWORD`, `CARDPOINTE_BASE_URL` (which wins over the site), `CARDPOINTE_CA_CERT`
//! (a PEM file of extra roots) and `CARDPOINTE_ALLOW_PLAIN_HTTP=loopback` (plain HTTP to a
//! loopback emulator, asked for by name).
//!
//! ```
//! use cardpointe_transport::{ClientBuilder, Environment};
//!
//! // Plain HTTP to anything but loopback is refused when the client is built.
//! # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! # rt.block_on(async {
//! let err = ClientBuilder::new(Environment::base_url("http://10.0.0.7:8080").unwrap())
//!     .allow_plain_http_to_loopback()
//!     .build()
//!     .unwrap_err();
//! assert!(err.is_config());
//! # });
//! ```
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod call;
mod client;
mod config;
mod environment;
mod error;
mod observe;
pub mod redact;
mod request;
mod secret;

pub use call::CallOptions;
pub use client::Client;
pub use config::{ClientBuilder, RetryPolicy, Timeouts, env_vars};
pub use environment::Environment;
pub use error::Error;
pub use http::{Method, StatusCode};
pub use observe::{CallObserver, CallOutcome, CallRecord};
pub use request::{CallClass, Request, Response, Service};
pub use secret::{Credentials, Password};
