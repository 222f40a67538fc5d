//! What the command prints when something fails: what was wrong, and what to do.

use std::fmt;
use std::process::ExitCode;

/// A failure of a command, with a hint and an exit code.
#[derive(Debug)]
pub(crate) struct CliError {
    message: String,
    hint: Option<String>,
    code: u8,
}

/// Exit codes: 0 success/approved, 1 error, 2 usage (clap), 3 declined or not approved.
pub(crate) const EXIT_ERROR: u8 = 1;
/// A gateway answer that is not an approval.
pub(crate) const EXIT_DECLINED: u8 = 3;

impl CliError {
    /// A failure saying `message`.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
            code: EXIT_ERROR,
        }
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
        let mut out = Self::new(chain(&e));
        out.hint = hint.map(str::to_owned);
        out
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
        Self::new(format!("invalid value: {e}"))
    }
}

impl From<cardpointe::cardsecure::ValidationError> for CliError {
    fn from(e: cardpointe::cardsecure::ValidationError) -> Self {
        Self::new(format!("the card is not valid: {e}"))
            .hint("check the number, the expiry (MM/YY) and the CVV")
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        Self::new(format!("I/O error: {e}"))
    }
}

/// A non-approval as an error carrying exit code 3, after the answer was printed.
pub(crate) fn declined() -> CliError {
    CliError {
        message: "the gateway did not approve".to_owned(),
        hint: None,
        code: EXIT_DECLINED,
    }
}

/// Whether the error is the quiet "declined" exit.
pub(crate) fn is_declined(e: &CliError) -> bool {
    e.code == EXIT_DECLINED
}
