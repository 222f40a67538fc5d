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
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The body is not JSON of the expected shape.
    #[error("the {operation} body is not the expected JSON: {source}")]
    Json {
        /// The operation whose body was being read (`"auth"`, `"inquire"`, …).
        operation: &'static str,
        /// What serde_json found wrong, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// The credential test answered without the `CardConnect REST Servlet` greeting.
    #[error(
        "the credential-test body has no `CardConnect REST Servlet` greeting; check the base URL"
    )]
    NoGreeting,
}

/// Why a request could not be written as JSON.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// serde_json refused the value (cannot happen for this crate's own types; kept for custom
    /// operations).
    #[error("the {operation} request could not be written as JSON: {source}")]
    Json {
        /// The operation whose request was being written.
        operation: &'static str,
        /// The serde_json error.
        #[source]
        source: serde_json::Error,
    },
}
