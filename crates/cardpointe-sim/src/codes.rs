//! The response codes the emulator writes: `cardpointe-types`' tables (spec §3.3, §3.4 and
//! Appendix A), the one home of every code, its `respstat` and its text. The emulator speaks
//! the gateway's vocabulary through the model crate rather than a copy of it, so a code fixed
//! there is fixed in what the emulator answers too.

use cardpointe_types::RespStat;
use cardpointe_types::codes::CodeInfo;
pub(crate) use cardpointe_types::codes::{FNOR, PPS, PSTR, RPCT};

/// Looks a code up in a table: its `respstat` and documented `resptext`.
pub(crate) fn lookup(table: &'static [CodeInfo], code: &str) -> Option<(RespStat, &'static str)> {
    table
        .iter()
        .find(|info| info.code == code)
        .map(|info| (info.stat, info.text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_hold_the_codes_the_rules_rely_on() {
        assert_eq!(
            lookup(PPS, "29"),
            Some((RespStat::Declined, "Txn not found"))
        );
        assert_eq!(lookup(PPS, "62"), Some((RespStat::Retry, "Timed out")));
        assert_eq!(
            lookup(FNOR, "NU"),
            Some((RespStat::Declined, "Insufficient funds"))
        );
        assert_eq!(
            lookup(RPCT, "116"),
            Some((RespStat::Declined, "Not sufficient funds"))
        );
        assert_eq!(
            lookup(RPCT, "963"),
            Some((RespStat::Declined, "Acquirer channel unavailable"))
        );
        assert_eq!(lookup(PSTR, "00"), Some((RespStat::Approved, "Success")));
        assert_eq!(PPS.len(), 61);
        assert_eq!(FNOR.len(), 42);
        assert_eq!(RPCT.len(), 227);
    }
}
