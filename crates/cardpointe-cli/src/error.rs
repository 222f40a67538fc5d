//! What the command prints when something fails: what was wrong, and what to do.

use std::fmt;
use std::process::ExitCode;

/// A failure of a command, with a hint and an exit code.
#[derive(Debug)]
pub(crate) struct CliError {
    kind: ErrorKind,
    message: String,
    hint: Option<String>,
    code: u8,
    /// Whether the request may have reached the gateway (then it must not simply be repeated).
    maybe_sent: bool,
}

/// What kind of failure, as `--json` names it in `error.kind`: a stable contract for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    /// The command line itself: an unknown command or flag, a missing argument.
    Usage,
    /// A value refused before anything was sent (amount, card number, expiry, ids…).
    InvalidInput,
    /// Missing or unusable connection settings (site, URL, merchant id, CA file).
    Configuration,
    /// The gateway refused the credentials or the merchant id.
    Authentication,
    /// The gateway could not be reached, or the connection broke.
    Connection,
    /// No answer in time.
    Timeout,
    /// The gateway answered something unusable (status, body).
    Gateway,
    /// The card reader failed (Bluetooth, the reader's own errors).
    Reader,
    /// A local file or terminal could not be read or written.
    Io,
    /// The gateway answered, and did not approve.
    Declined,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// The stable name in `--json` output.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Usage => "usage",
            Self::InvalidInput => "invalid_input",
            Self::Configuration => "configuration",
            Self::Authentication => "authentication",
            Self::Connection => "connection",
            Self::Timeout => "timeout",
            Self::Gateway => "gateway",
            Self::Reader => "reader",
            Self::Io => "io",
            Self::Declined => "declined",
            Self::Other => "error",
        }
    }
}

/// Exit codes: 0 success/approved, 1 error, 2 usage (clap), 3 declined or not approved.
pub(crate) const EXIT_ERROR: u8 = 1;
/// A command line clap (or we) refused.
pub(crate) const EXIT_USAGE: u8 = 2;
/// A gateway answer that is not an approval.
pub(crate) const EXIT_DECLINED: u8 = 3;

impl CliError {
    /// A failure saying `message`.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Other,
            message: message.into(),
            hint: None,
            code: EXIT_ERROR,
            maybe_sent: false,
        }
    }

    /// Names the kind of failure (`error.kind` in `--json` output).
    #[must_use]
    pub(crate) const fn kind(mut self, kind: ErrorKind) -> Self {
        self.kind = kind;
        self
    }

    /// A usage error (exit code 2, like clap's own).
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        let mut out = Self::new(message).kind(ErrorKind::Usage);
        out.code = EXIT_USAGE;
        out
    }

    /// The error as `--json` prints it on stderr:
    /// `{"error":{"kind":…,"message":…,"hint":…,"may_have_been_sent":…}}`.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "error": {
                "kind": self.kind.as_str(),
                "message": self.message,
                "hint": self.hint,
                "may_have_been_sent": self.maybe_sent,
            }
        })
    }

    /// Adds what to do about it.
    #[must_use]
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The process exit code.
    pub(crate) fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl From<cardpointe::Error> for CliError {
    fn from(e: cardpointe::Error) -> Self {
        let hint = match &e {
            cardpointe::Error::Transport(t) if t.is_auth() => Some(
                "check CARDPOINTE_USERNAME, CARDPOINTE_PASSWORD and CARDPOINTE_MERCHID for this site",
            ),
            cardpointe::Error::Transport(t) if t.is_connect() => Some(
                "check the site/base URL and your network; for an emulator pass its CA with --ca-cert",
            ),
            cardpointe::Error::Transport(t) if t.is_config() => {
                Some("see `cardpointe --help` for the connection flags and CARDPOINTE_* variables")
            }
            _ if e.maybe_sent() => Some(
                "the request may have reached the gateway: look it up (cardpointe inquire --order-id …) before repeating it",
            ),
            _ => None,
        };
        let kind = match &e {
            cardpointe::Error::Transport(t)
            | cardpointe::Error::CardSecure(cardpointe::cardsecure::Error::Transport(t)) => {
                transport_kind(t)
            }
            cardpointe::Error::Value(_)
            | cardpointe::Error::CardSecure(cardpointe::cardsecure::Error::Invalid(_)) => {
                ErrorKind::InvalidInput
            }
            cardpointe::Error::CardSecure(_) => ErrorKind::Gateway,
            cardpointe::Error::Reader(_) | cardpointe::Error::CardReader(_) => ErrorKind::Reader,
            _ => ErrorKind::Other,
        };
        let mut out = Self::new(chain(&e)).kind(kind);
        out.hint = hint.map(str::to_owned);
        out.maybe_sent = e.maybe_sent();
        out
    }
}

/// The kind of a transport failure.
fn transport_kind(t: &cardpointe::transport::Error) -> ErrorKind {
    if t.is_auth() {
        ErrorKind::Authentication
    } else if t.is_config() {
        ErrorKind::Configuration
    } else if t.is_timeout() {
        ErrorKind::Timeout
    } else if t.is_connect() || t.is_io() {
        ErrorKind::Connection
    } else {
        ErrorKind::Gateway
    }
}

/// The error and its causes, outermost first: `a: b: c` (each layer says what it knows; a
/// cause whose text a layer above already repeated is not printed twice).
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let said = c.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = c.source();
    }
    text
}

impl From<cardpointe::transport::Error> for CliError {
    fn from(e: cardpointe::transport::Error) -> Self {
        cardpointe::Error::from(e).into()
    }
}

impl From<cardpointe::types::ValueError> for CliError {
    fn from(e: cardpointe::types::ValueError) -> Self {
        Self::new(format!("invalid value: {e}")).kind(ErrorKind::InvalidInput)
    }
}

impl From<cardpointe::cardsecure::ValidationError> for CliError {
    fn from(e: cardpointe::cardsecure::ValidationError) -> Self {
        Self::new(format!("the card is not valid: {e}"))
            .kind(ErrorKind::InvalidInput)
            .hint("check the number, the expiry (MM/YY) and the CVV")
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        Self::new(format!("I/O error: {e}")).kind(ErrorKind::Io)
    }
}

/// A non-approval as an error carrying exit code 3, after the answer was printed.
pub(crate) fn declined() -> CliError {
    CliError {
        kind: ErrorKind::Declined,
        message: "the gateway did not approve".to_owned(),
        hint: None,
        code: EXIT_DECLINED,
        maybe_sent: false,
    }
}

/// Whether the error is the quiet "declined" exit.
pub(crate) fn is_declined(e: &CliError) -> bool {
    e.code == EXIT_DECLINED
}
