//! Builds and tests the language packages in `crates/` from source, as their users get them.

pub(crate) mod node;
pub(crate) mod python;
