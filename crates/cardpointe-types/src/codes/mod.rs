//! Response codes as data: every code of the spec's PPS table, the FNOR table and the processor
//! tables of its Appendix A, each with its `respstat`, its text and a [`Category`] an app can
//! branch on; plus the CardSecure error codes.
//!
//! ```
//! use cardpointe_types::codes::{self, Category};
//! use cardpointe_types::RespProc;
//!
//! let info = codes::lookup(&RespProc::Fnor, "NU").expect("in the FNOR table");
//! assert_eq!(info.text, "Insufficient funds");
//! assert_eq!(info.category, Category::InsufficientFunds);
//! // NASH shares the FNOR table.
//! assert_eq!(codes::lookup(&RespProc::Nash, "05").map(|i| i.category), Some(Category::DoNotHonor));
//! ```

mod tables;

pub use tables::{AMEX, CARDSECURE_ERRORS, FNOR, FOMA, PMT, PPS, PSTR, PTAM, RPCT, VANT, VPS};

use crate::{RespProc, RespStat};

/// What a response code means, coarsely enough to branch on.
///
/// The categories were assigned from each code's documented text by keyword rules with a few
/// reviewed overrides (see `tools/gen_codes.py`); the text itself is kept in [`CodeInfo::text`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Category {
    /// Approved in full.
    Approved,
    /// Approved for less than requested (the response `amount` is what was approved).
    PartialApproval,
    /// Not enough money on the account.
    InsufficientFunds,
    /// The issuer declines without saying why.
    DoNotHonor,
    /// The card/account number or token is invalid or unknown.
    InvalidCard,
    /// The card is expired or the expiry is wrong.
    Expired,
    /// Lost, stolen or to be retained: do not retry, do not hand the card back.
    PickUp,
    /// Call the issuer for a voice authorization.
    ReferToIssuer,
    /// CVV did not match or is required.
    CvvMismatch,
    /// Address or postal code did not verify.
    AvsMismatch,
    /// PIN wrong, missing or undecryptable.
    PinError,
    /// Suspected fraud or security violation.
    Fraud,
    /// A count or amount limit was exceeded.
    LimitExceeded,
    /// The amount is invalid for this transaction.
    InvalidAmount,
    /// The merchant/terminal set-up does not allow it.
    InvalidMerchant,
    /// This kind of transaction is not permitted for this card or merchant.
    NotPermitted,
    /// A duplicate of an earlier transaction.
    Duplicate,
    /// The referenced transaction or profile does not exist.
    NotFound,
    /// The transaction is in the wrong state (batched, not settled, too old to void, …).
    InvalidState,
    /// A request field is malformed or missing: fix the request.
    InvalidRequest,
    /// A temporary problem: retry later (respstat `B` is always this).
    RetryLater,
    /// A gateway or host system error.
    GatewayError,
    /// Declined, no finer reason.
    Declined,
    /// No table entry and no `respstat`.
    Unknown,
}

/// One row of a response-code table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodeInfo {
    /// The code as the host sends it (`"00"`, `"000"`, `"NU"`).
    pub code: &'static str,
    /// The `respstat` the documentation gives for it.
    pub stat: RespStat,
    /// The documented `resptext`.
    pub text: &'static str,
    /// What it means.
    pub category: Category,
}

impl CodeInfo {
    /// A table row.
    #[must_use]
    pub const fn new(
        code: &'static str,
        stat: RespStat,
        text: &'static str,
        category: Category,
    ) -> Self {
        Self {
            code,
            stat,
            text,
            category,
        }
    }
}

/// The table of a response processor, if this crate has it (`NASH` uses the FNOR table).
#[must_use]
pub fn table_for(proc: &RespProc) -> Option<&'static [CodeInfo]> {
    Some(match proc {
        RespProc::Pps => PPS,
        RespProc::Fnor | RespProc::Nash => FNOR,
        RespProc::Rpct => RPCT,
        RespProc::Amex => AMEX,
        RespProc::Foma => FOMA,
        RespProc::Pmt => PMT,
        RespProc::Ptam => PTAM,
        RespProc::Vps => VPS,
        RespProc::Vant => VANT,
        RespProc::Pstr => PSTR,
        _ => return None,
    })
}

/// Looks a code up in its processor's table (exact match: leading zeros are significant).
#[must_use]
pub fn lookup(proc: &RespProc, code: &str) -> Option<&'static CodeInfo> {
    table_for(proc)?.iter().find(|i| i.code == code)
}

/// The documented message of a CardSecure `errorcode`.
#[must_use]
pub fn cardsecure_error_message(code: u32) -> Option<&'static str> {
    CARDSECURE_ERRORS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, m)| *m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_row_is_unique_per_processor() {
        for proc in RespProc::KNOWN {
            if let Some(t) = table_for(proc) {
                for (i, a) in t.iter().enumerate() {
                    assert!(
                        t.iter().skip(i + 1).all(|b| b.code != a.code),
                        "{proc}: {} twice",
                        a.code
                    );
                }
            }
        }
    }

    #[test]
    fn table_sizes_match_the_spec() {
        assert_eq!(RPCT.len(), 227);
        assert_eq!(AMEX.len(), 22);
        assert_eq!(FOMA.len(), 18);
        assert_eq!(PMT.len(), 74);
        assert_eq!(PTAM.len(), 36);
        assert_eq!(VPS.len(), 53);
        assert_eq!(PSTR.len(), 27);
        assert_eq!(FNOR.len(), 42);
        assert_eq!(PPS.len(), 61);
    }

    #[test]
    fn respstat_b_codes_are_retry_later() {
        for t in [PPS, FNOR, RPCT, AMEX, FOMA, PMT, PTAM, VPS, VANT, PSTR] {
            for i in t {
                if i.stat == RespStat::Retry {
                    assert_eq!(i.category, Category::RetryLater, "{}", i.text);
                }
                if i.stat == RespStat::Approved {
                    assert!(
                        matches!(i.category, Category::Approved | Category::PartialApproval),
                        "{}",
                        i.text
                    );
                }
            }
        }
    }

    #[test]
    fn well_known_codes_have_the_expected_meaning() {
        let cat = |p: RespProc, c: &str| lookup(&p, c).map(|i| i.category);
        assert_eq!(cat(RespProc::Pps, "29"), Some(Category::NotFound));
        assert_eq!(cat(RespProc::Pps, "62"), Some(Category::RetryLater));
        assert_eq!(cat(RespProc::Pps, "28"), Some(Category::InvalidState));
        assert_eq!(cat(RespProc::Pps, "16"), Some(Category::Expired));
        assert_eq!(cat(RespProc::Fnor, "10"), Some(Category::PartialApproval));
        assert_eq!(cat(RespProc::Fnor, "01"), Some(Category::ReferToIssuer));
        assert_eq!(
            cat(RespProc::Rpct, "116"),
            Some(Category::InsufficientFunds)
        );
        assert_eq!(cat(RespProc::Rpct, "101"), Some(Category::Expired));
        assert_eq!(cat(RespProc::Rpct, "704"), Some(Category::PickUp));
        assert_eq!(cat(RespProc::Rpct, "002"), Some(Category::PartialApproval));
        assert_eq!(cat(RespProc::Rpct, "00"), None);
        assert_eq!(cat(RespProc::Vant, "51"), Some(Category::InsufficientFunds));
        assert_eq!(cat(RespProc::Pstr, "00"), Some(Category::Approved));
    }

    #[test]
    fn cardsecure_errors_have_their_messages() {
        assert_eq!(cardsecure_error_message(0), Some("No error"));
        assert_eq!(
            cardsecure_error_message(54),
            Some("Card number check (Luhn formula) failed")
        );
        assert_eq!(cardsecure_error_message(1), None);
    }
}
