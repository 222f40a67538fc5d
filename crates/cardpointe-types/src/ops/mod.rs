//! One module per endpoint family: the request, its response and the [`Operation`] impl.
//!
//! [`Operation`]: crate::Operation

pub(crate) mod auth;
pub(crate) mod capture;
pub(crate) mod extras;
pub(crate) mod inquire;
pub(crate) mod refund;
pub(crate) mod void;
