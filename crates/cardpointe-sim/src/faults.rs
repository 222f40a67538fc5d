//! Test modes chosen per request: delays, dropped connections before or after the transaction
//! is recorded, 500s, 429s and malformed JSON — so reliability tests can prove that nothing is
//! lost or charged twice.

use serde::{Deserialize, Serialize};

/// What goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer normally, `delay_ms` late.
    Delay,
    /// Drop the connection without running the request (nothing is recorded).
    CloseBefore,
    /// Run the request (it is recorded), then drop the connection without answering.
    CloseAfter,
    /// Answer HTTP 500 without running the request.
    ServerError,
    /// Run the request (recorded) and answer HTTP 200 with a truncated, unparsable JSON body.
    MalformedJson,
    /// Answer HTTP 429 without running the request, as the test site's rate limiter does
    /// (nothing is recorded).
    TooManyRequests,
}

/// A rule: which requests it hits, what happens, and how often.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FaultRule {
    /// Endpoint name (`auth`, `capture`, `void`, `voidByOrderId`, `refund`, `inquire`,
    /// `inquireByOrderid`, `profile`, `tokenize`, …); `None` hits every gateway/CardSecure call.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Only requests whose body or path carries this orderid.
    #[serde(default)]
    pub orderid: Option<String>,
    /// The fault.
    pub fault: FaultKind,
    /// Delay for [`FaultKind::Delay`] (milliseconds).
    #[serde(default)]
    pub delay_ms: u64,
    /// How many requests it hits before it is used up; `None` = forever.
    #[serde(default)]
    pub times: Option<u32>,
    /// Probability (0..=1) that a matching request is hit; `None` = always.
    #[serde(default)]
    pub probability: Option<f64>,
}

impl FaultRule {
    /// A rule hitting every request to `endpoint` once.
    #[must_use]
    pub fn once(endpoint: &str, fault: FaultKind) -> Self {
        Self {
            endpoint: Some(endpoint.to_owned()),
            orderid: None,
            fault,
            delay_ms: 0,
            times: Some(1),
            probability: None,
        }
    }

    /// Sets how many requests the rule hits (`None`: forever).
    #[must_use]
    pub const fn times(mut self, times: Option<u32>) -> Self {
        self.times = times;
        self
    }

    /// Sets the delay for [`FaultKind::Delay`].
    #[must_use]
    pub const fn delay_ms(mut self, ms: u64) -> Self {
        self.delay_ms = ms;
        self
    }

    /// Restricts the rule to one orderid.
    #[must_use]
    pub fn for_orderid(mut self, orderid: &str) -> Self {
        self.orderid = Some(orderid.to_owned());
        self
    }

    /// Hits matching requests with this probability.
    #[must_use]
    pub const fn probability(mut self, p: f64) -> Self {
        self.probability = Some(p);
        self
    }

    pub(crate) fn matches(&self, endpoint: &str, orderid: Option<&str>) -> bool {
        self.endpoint.as_deref().is_none_or(|e| e == endpoint)
            && self.orderid.as_deref().is_none_or(|o| Some(o) == orderid)
            && self.times != Some(0)
    }
}
