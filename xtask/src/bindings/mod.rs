//! Builds and tests the language packages and bindings in `crates/` from source, as their users
//! get them (each builds its package, generates or packages the bindings and runs that language's
//! own tests).

pub(crate) mod kotlin;
pub(crate) mod node;
pub(crate) mod python;
