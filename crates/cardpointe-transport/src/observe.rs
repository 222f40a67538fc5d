//! What an application sees of each call without parsing logs: a [`CallRecord`] handed to the
//! observer set with [`ClientBuilder::on_call`](crate::ClientBuilder::on_call), once per call
//! (after its retries), and the application's name in the `User-Agent`
//! ([`ClientBuilder::app_info`](crate::ClientBuilder::app_info)).
//!
//! A record carries no body, path, header or query: nothing in it can hold card data. A safe
//! auth's recovery shows as its own calls (`inquireByOrderid`, `voidByOrderId`), each with a
//! record of its own, right after the `auth` record whose answer was lost.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The observer of every call a [`Client`](crate::Client) makes.
pub type CallObserver = Arc<dyn Fn(&CallRecord) + Send + Sync>;

/// A [`CallObserver`] that builders and clients can hold and print.
#[derive(Clone)]
pub(crate) struct Observer(pub(crate) CallObserver);

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CallObserver")
    }
}

/// One finished call, as an observer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallRecord {
    /// The operation's name as the gateway's path names it (`auth`, `inquireByOrderid`, …).
    pub operation: &'static str,
    /// The HTTP status of the last answer, if one came.
    pub status: Option<u16>,
    /// From the first attempt to the end, retries and their waits included.
    pub duration: Duration,
    /// Attempts after the first (0 when the first answered or failed for good).
    pub retries: u32,
    /// How the call ended.
    pub outcome: CallOutcome,
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallOutcome {
    /// An HTTP answer came (any status but 401; a decline is an answer).
    Answered,
    /// No usable answer; `maybe_sent` says whether the gateway may have acted on the request.
    Failed {
        /// Whether the request may have reached the gateway.
        maybe_sent: bool,
        /// It ran out of time.
        timeout: bool,
    },
}

impl fmt::Display for CallRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.operation)?;
        match (self.outcome, self.status) {
            (CallOutcome::Answered, Some(status)) => write!(f, "answered {status}")?,
            (CallOutcome::Answered, None) => f.write_str("answered")?,
            (CallOutcome::Failed { timeout: true, .. }, _) => f.write_str("timed out")?,
            (CallOutcome::Failed { .. }, Some(status)) => write!(f, "failed ({status})")?,
            (CallOutcome::Failed { .. }, None) => f.write_str("failed")?,
        }
        write!(f, " in {} ms", self.duration.as_millis())?;
        if self.retries > 0 {
            write!(f, " after {} retries", self.retries)?;
        }
        if let CallOutcome::Failed {
            maybe_sent: true, ..
        } = self.outcome
        {
            f.write_str(" (may have reached the gateway)")?;
        }
        Ok(())
    }
}

/// The `User-Agent` value: ours, then the application's `name/version` when given.
pub(crate) fn user_agent(app: Option<&(String, String)>) -> String {
    let ours = concat!("cardpointe-rs/", env!("CARGO_PKG_VERSION"));
    match app {
        Some((name, version)) => format!("{ours} {name}/{version}"),
        None => ours.to_owned(),
    }
}

/// Whether `text` may stand as a `User-Agent` product name or version (RFC 9110 token).
pub(crate) fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::{CallOutcome, CallRecord, is_token, user_agent};
    use std::time::Duration;

    #[test]
    fn the_user_agent_names_us_then_the_app() {
        assert!(user_agent(None).starts_with("cardpointe-rs/"));
        let ua = user_agent(Some(&("pos-app".into(), "2.3.1".into())));
        assert!(
            ua.starts_with("cardpointe-rs/") && ua.ends_with(" pos-app/2.3.1"),
            "{ua}"
        );
    }

    #[test]
    fn app_names_are_tokens() {
        assert!(is_token("pos-app") && is_token("2.3.1-beta+7"));
        assert!(!is_token("") && !is_token("my app") && !is_token("a/b") && !is_token("é"));
        assert!(!is_token(&"x".repeat(65)));
    }

    #[test]
    fn a_record_reads_as_a_sentence() {
        let record = CallRecord {
            operation: "auth",
            status: None,
            duration: Duration::from_millis(45_010),
            retries: 0,
            outcome: CallOutcome::Failed {
                maybe_sent: true,
                timeout: true,
            },
        };
        assert_eq!(
            record.to_string(),
            "auth timed out in 45010 ms (may have reached the gateway)"
        );
        let record = CallRecord {
            operation: "inquire",
            status: Some(200),
            duration: Duration::from_millis(12),
            retries: 2,
            outcome: CallOutcome::Answered,
        };
        assert_eq!(
            record.to_string(),
            "inquire answered 200 in 12 ms after 2 retries"
        );
    }
}
