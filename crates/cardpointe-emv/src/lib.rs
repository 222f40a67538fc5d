//! EMV BER-TLV for cardpointe-rs (being built: see issue 3).
#![no_std]
