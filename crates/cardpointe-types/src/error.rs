//! The crate's typed errors: what was wrong with a value, a request or a response body.
//!
//! Messages never contain card digits: an error about a secret value names the position and the
//! kind of problem, not the value.

/// Why a value was refused by one of the validating constructors (`Amount`, `MerchantId`, …).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// The value was empty (or only blanks).
    #[error("{kind} is empty; give a value")]
    Empty {
        /// What kind of value was being built (`"merchant id"`, `"retref"`, …).
        kind: &'static str,
    },
    /// The value has the wrong length.
    #[error("{kind} is {len} characters long; it must be {min} to {max} characters")]
    Length {
        /// What kind of value was being built.
        kind: &'static str,
        /// The length found.
        len: usize,
        /// The shortest accepted length.
        min: usize,
        /// The longest accepted length.
        max: usize,
    },
    /// A character that the value may not contain. For secret values only non-digits are
    /// reported, so the message never repeats card digits.
    #[error("{kind} has {found:?} at position {position}; only {allowed} are allowed")]
    Character {
        /// What kind of value was being built.
        kind: &'static str,
        /// Zero-based character position of the offending character.
        position: usize,
        /// The offending character.
        found: char,
        /// What is allowed, in words.
        allowed: &'static str,
    },
    /// An order id made only of digits that passes the Luhn check: the gateway would mask it as
    /// a card number and later look-ups by order id would fail.
    #[error(
        "{kind} is a digit string that passes the Luhn check, so the gateway would mask it as a card number; add a letter or a separator"
    )]
    LooksLikeCardNumber {
        /// What kind of value was being built.
        kind: &'static str,
    },
    /// A card number whose check digit is wrong (a mistyped digit).
    #[error("{kind} fails the Luhn check; a digit was probably mistyped")]
    LuhnCheckFailed {
        /// What kind of value was being built.
        kind: &'static str,
    },
    /// A value with a fixed leading character lacks it (tokens start with `9`).
    #[error("{kind} must start with {expected:?}")]
    Prefix {
        /// What kind of value was being built.
        kind: &'static str,
        /// The required first character.
        expected: char,
    },
    /// A number outside its range (a month of 13, an account id of 0, an amount too large).
    #[error("{kind} {value} is out of range; it must be {min} to {max}")]
    Range {
        /// What kind of value was being built.
        kind: &'static str,
        /// The value found.
        value: i128,
        /// The smallest accepted value.
        min: i128,
        /// The largest accepted value.
        max: i128,
    },
    /// An amount with more than two digits after the decimal point.
    #[error("amount has {digits} digits after the decimal point; at most 2 (cents) are allowed")]
    AmountPrecision {
        /// How many fraction digits were given.
        digits: usize,
    },
    /// A value that is not in any of the accepted shapes.
    #[error("{kind} is not in an accepted form; expected {expected}")]
    Format {
        /// What kind of value was being built.
        kind: &'static str,
        /// The accepted forms, in words.
        expected: &'static str,
    },
}

/// Why a response (or request) body could not be read as the expected type.
///
/// Neither the `Display` text nor the [`source`](std::error::Error::source) chain quotes the
/// body: serde_json's own messages can (`invalid type: string "4111…"`), so only the kind of
/// fault and its position are kept ([`JsonFault`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The body is not JSON of the expected shape.
    #[error("the {operation} body is not the expected JSON: {source}")]
    Json {
        /// The operation whose body was being read (`"auth"`, `"inquire"`, …).
        operation: &'static str,
        /// What was wrong and where, without the data.
        #[source]
        source: JsonFault,
    },
    /// The credential test answered without the `CardConnect REST Servlet` greeting.
    #[error(
        "the credential-test body has no `CardConnect REST Servlet` greeting; check the base URL"
    )]
    NoGreeting,
}

/// Why a request could not be written as JSON.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The operation goes to a merchant and none was given.
    #[error(
        "the {operation} request has no merchant id: give the client one \
         (ClientBuilder::merchant_id, CARDPOINTE_MERCHID) or the request its own (with_merchid)"
    )]
    NoMerchantId {
        /// The operation whose request was being written.
        operation: &'static str,
    },
    /// serde_json refused the value (cannot happen for this crate's own types; kept for custom
    /// operations).
    #[error("the {operation} request could not be written as JSON: {source}")]
    Json {
        /// The operation whose request was being written.
        operation: &'static str,
        /// What was wrong, without the data.
        #[source]
        source: JsonFault,
    },
}

/// What serde_json found wrong with a body, without any of the body: the kind of fault and its
/// line and column. The one place that turns a `serde_json::Error` into something safe to log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{} at line {line} column {column}", kind.describe())]
#[non_exhaustive]
pub struct JsonFault {
    /// What kind of fault.
    pub kind: JsonFaultKind,
    /// One-based line of the fault (0 when serde_json gives none, as when writing).
    pub line: usize,
    /// One-based column of the fault (0 when serde_json gives none).
    pub column: usize,
}

/// The kinds of [`JsonFault`] (serde_json's categories).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JsonFaultKind {
    /// Not JSON at all (an HTML page, a text message, a stray byte).
    Syntax,
    /// JSON, but not of the expected shape (a missing field, a wrong type, an unknown value).
    Data,
    /// JSON that stops early (a truncated body).
    Eof,
    /// The reader or writer underneath failed.
    Io,
}

impl JsonFaultKind {
    const fn describe(self) -> &'static str {
        match self {
            Self::Syntax => "not JSON",
            Self::Data => "JSON of an unexpected shape",
            Self::Eof => "truncated JSON",
            Self::Io => "an I/O failure",
        }
    }
}

impl JsonFault {
    /// The kind and position of `error`; its message (which may quote the data) is dropped.
    #[must_use]
    pub fn new(error: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        let kind = match error.classify() {
            Category::Io => JsonFaultKind::Io,
            Category::Syntax => JsonFaultKind::Syntax,
            Category::Data => JsonFaultKind::Data,
            Category::Eof => JsonFaultKind::Eof,
        };
        Self {
            kind,
            line: error.line(),
            column: error.column(),
        }
    }
}

impl From<&serde_json::Error> for JsonFault {
    fn from(error: &serde_json::Error) -> Self {
        Self::new(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_fault_keeps_the_position_but_not_the_quoted_value() {
        let err = serde_json::from_str::<u64>(r#""4111111111111111""#).unwrap_err();
        assert!(
            err.to_string().contains("4111111111111111"),
            "serde quotes it"
        );
        let fault = JsonFault::new(&err);
        assert_eq!(fault.kind, JsonFaultKind::Data);
        let parse = ParseError::Json {
            operation: "auth",
            source: fault,
        };
        let text = format!("{parse} {parse:?}");
        assert!(!text.contains("4111"), "{text}");
        assert!(text.contains("line 1"), "{text}");
    }
}
