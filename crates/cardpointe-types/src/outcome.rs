//! Outcomes of gateway calls: [`RespStat`], [`RespProc`], [`ResponseCode`] and the
//! [`Outcome`] view that pairs them with the code tables of [`crate::codes`].
//!
//! Declines are ordinary values, never errors: an app branches on [`Outcome::category`].

use std::fmt;
use std::str::FromStr;

use crate::ValueError;
use crate::codes::{Category, CodeInfo};

/// The gateway's three-way verdict (`respstat`, spec §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(
    clippy::exhaustive_enums,
    reason = "respstat has had exactly these three values for a decade; apps must match all"
)]
pub enum RespStat {
    /// `A`: approved / success.
    Approved,
    /// `B`: retry — a temporary problem (network, host down, timeout).
    Retry,
    /// `C`: declined or rejected; do not blindly retry.
    Declined,
}

impl RespStat {
    /// The wire letter.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "A",
            Self::Retry => "B",
            Self::Declined => "C",
        }
    }

    /// `true` for `A`.
    #[must_use]
    pub const fn is_approved(self) -> bool {
        matches!(self, Self::Approved)
    }
}

impl fmt::Display for RespStat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RespStat {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "A" | "a" => Ok(Self::Approved),
            "B" | "b" => Ok(Self::Retry),
            "C" | "c" => Ok(Self::Declined),
            _ => Err(ValueError::Format {
                kind: "respstat",
                expected: "A, B or C",
            }),
        }
    }
}

crate::wire::text_serde!(RespStat);

crate::enums::open_enum! {
    /// Who produced the response code (`respproc`, also `cardproc`; spec §3.2): the gateway
    /// itself (`PPS`) or a processor host.
    pub enum RespProc {
        /// The CardPointe Gateway itself (validation, look-ups, offline refunds, timeouts).
        Pps = "PPS",
        /// First Data North (default UAT test MID).
        Fnor = "FNOR",
        /// First Data Rapid Connect (VP3300 devices require it).
        Rpct = "RPCT",
        /// First Data Nashville (FNOR code set).
        Nash = "NASH",
        /// First Data Omaha.
        Foma = "FOMA",
        /// First Data South.
        Fdms = "FDMS",
        /// American Express direct.
        Amex = "AMEX",
        /// Chase Paymentech (Salem).
        Pmt = "PMT",
        /// Chase Paymentech Tampa.
        Ptam = "PTAM",
        /// TSYS.
        Vps = "VPS",
        /// Vantiv/Worldpay.
        Vant = "VANT",
        /// Elavon.
        Elv = "ELV",
        /// Moneris.
        Mns = "MNS",
        /// DPS Payment Express.
        Dps = "DPS",
        /// PayPal.
        Ppal = "PPAL",
        /// Credorax.
        Crdx = "CRDX",
        /// ProfitStars (ACH).
        Pstr = "PSTR",
        /// Seen in one settlestatByBatchSource example (undocumented).
        Rpch = "RPCH",
    }
}

impl RespProc {
    /// This host's response-code table from the spec, if the crate has one (NASH shares FNOR's).
    #[must_use]
    pub fn code_table(&self) -> Option<&'static [CodeInfo]> {
        crate::codes::table_for(self)
    }
}

/// A response code (`respcode`): 1–4 ASCII letters/digits whose meaning depends on
/// [`RespProc`]. Leading zeros are significant (`"00"` ≠ `"000"`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResponseCode(String);

impl ResponseCode {
    /// Validates a response code: 1–8 ASCII letters or digits (the openbatch endpoint uses
    /// words such as `success` and `noBatch`, so up to 16 characters are accepted).
    ///
    /// # Errors
    /// [`ValueError`] for an empty, too long or non-alphanumeric code.
    pub fn new(code: impl Into<String>) -> Result<Self, ValueError> {
        let code = code.into();
        crate::ids::check_len("respcode", &code, 1, 16)?;
        crate::ids::check_chars("respcode", &code, "ASCII letters and digits", |c| {
            c.is_ascii_alphanumeric()
        })?;
        Ok(Self(code))
    }

    /// The code as sent.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ResponseCode {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

crate::wire::text_serde!(ResponseCode);

/// What a response says happened, read together with the code tables.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outcome {
    /// The verdict (`respstat`), if the response had one.
    pub stat: Option<RespStat>,
    /// Who decided (`respproc`).
    pub proc: Option<RespProc>,
    /// The code (`respcode`).
    pub code: Option<ResponseCode>,
    /// The text the response carried (`resptext`).
    pub text: Option<String>,
    /// The table entry for (`respproc`, `respcode`), when the crate knows it.
    pub info: Option<&'static CodeInfo>,
}

impl Outcome {
    /// Builds the view and looks the code up in the tables.
    #[must_use]
    pub fn new(
        stat: Option<RespStat>,
        proc: Option<RespProc>,
        code: Option<ResponseCode>,
        text: Option<String>,
    ) -> Self {
        let info = match (&proc, &code) {
            (Some(p), Some(c)) => crate::codes::lookup(p, c.as_str()),
            _ => None,
        };
        Self {
            stat,
            proc,
            code,
            text,
            info,
        }
    }

    /// `true` only when `respstat` is `A`: the one success test every client uses.
    #[must_use]
    pub fn is_approved(&self) -> bool {
        self.stat.is_some_and(RespStat::is_approved)
    }

    /// What the code means: from the table when known, else from `respstat` alone
    /// (`A` → approved, `B` → retry later, `C` → declined, none → unknown).
    #[must_use]
    pub fn category(&self) -> Category {
        if let Some(info) = self.info {
            return info.category;
        }
        match self.stat {
            Some(RespStat::Approved) => Category::Approved,
            Some(RespStat::Retry) => Category::RetryLater,
            Some(RespStat::Declined) => Category::Declined,
            None => Category::Unknown,
        }
    }
}

/// Implemented by every response that carries `respstat`/`respcode`/`resptext`/`respproc`.
pub trait HasOutcome {
    /// The outcome view of this response.
    fn outcome(&self) -> Outcome;

    /// `true` only when `respstat` is `A`.
    fn is_approved(&self) -> bool {
        self.outcome().is_approved()
    }

    /// Sets `respstat`, `respcode`, `resptext` and `respproc` from a table row (how an emulator
    /// answers): `set_outcome(RespProc::Pps, codes::lookup(&RespProc::Pps, "29")?)`.
    fn set_outcome(&mut self, proc: RespProc, info: &CodeInfo);
}

/// Implements [`HasOutcome`] for a model with `respstat`, `respproc`, `respcode`, `resptext`.
macro_rules! has_outcome {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::outcome::HasOutcome for $t {
            fn outcome(&self) -> $crate::outcome::Outcome {
                $crate::outcome::Outcome::new(
                    self.respstat,
                    self.respproc.clone(),
                    self.respcode.clone(),
                    self.resptext.clone(),
                )
            }

            fn set_outcome(
                &mut self,
                proc: $crate::RespProc,
                info: &$crate::codes::CodeInfo,
            ) {
                self.respstat = Some(info.stat);
                self.respcode = $crate::ResponseCode::new(info.code).ok();
                self.resptext = Some(info.text.to_owned());
                self.respproc = Some(proc);
            }
        }
    )*};
}
pub(crate) use has_outcome;
