//! Safe authorization: a unique order id on every `auth`, and recovery when the answer is lost
//! (gateway spec section 5, "Timeouts and reliability").
//!
//! 1. The `auth` is sent **once**. If its answer is lost after the request may have reached
//!    the gateway (timeout, connection reset, 5xx, unreadable body), nothing is resent.
//! 2. `inquireByOrderid/{orderid}/{merchid}/1` learns the outcome: found → the transaction as
//!    the gateway recorded it ([`AuthOutcome::Recovered`]); PPS 29 "Txn not found" → the auth
//!    never reached the gateway ([`AuthOutcome::NotProcessed`]; retry with a **new** order id).
//! 3. If the inquiry gets no answer either (or the policy skips it), `voidByOrderId` is sent up
//!    to three times ([`AuthOutcome::Reversed`] once one is approved, or
//!    [`AuthOutcome::NothingToReverse`] if every answer says there is nothing approved).
//! 4. If nothing answers at all, [`AuthOutcome::Unknown`]: the order id is what support needs.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cardpointe_transport::CallOptions;
use cardpointe_types::{
    AuthRequest, AuthResponse, HasOutcome, InquireByOrderIdRequest, InquireResponse, OrderId,
    RespProc, RespStat, VoidByOrderIdRequest, VoidResponse,
};

use crate::{Error, Gateway};

/// How [`Gateway::auth`] recovers a lost answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecoveryPolicy {
    /// Ask `inquireByOrderid` first (default `true`). When `false`, a lost answer is reversed
    /// with `voidByOrderId` straight away.
    pub inquire_first: bool,
    /// How many `voidByOrderId` requests to send at most (default 3, the gateway's advice).
    pub void_attempts: u8,
    /// The pause before each recovery request (default 1 s), so a slow original request has
    /// time to finish at the gateway before it is looked up or reversed.
    pub pause: Duration,
    /// The timeout of each recovery request (default 30 s).
    pub timeout: Duration,
}

impl Default for RecoveryPolicy {
    fn default() -> Self {
        Self {
            inquire_first: true,
            void_attempts: 3,
            pause: Duration::from_secs(1),
            timeout: Duration::from_secs(30),
        }
    }
}

impl RecoveryPolicy {
    /// The same policy with another pause between recovery requests.
    #[must_use]
    pub const fn with_pause(mut self, pause: Duration) -> Self {
        self.pause = pause;
        self
    }

    /// The same policy with another timeout per recovery request.
    #[must_use]
    pub const fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The same policy, skipping the inquiry (reverse at once).
    #[must_use]
    pub const fn void_only(mut self) -> Self {
        self.inquire_first = false;
        self
    }

    /// The same policy with another number of `voidByOrderId` attempts (at least 1).
    #[must_use]
    pub const fn with_void_attempts(mut self, attempts: u8) -> Self {
        self.void_attempts = if attempts == 0 { 1 } else { attempts };
        self
    }
}

/// What happened to an authorization. Every variant carries the order id it was sent with.
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthOutcome {
    /// The gateway answered: approved, declined, or `respstat` B (retry later).
    Answered {
        /// The order id sent.
        order_id: OrderId,
        /// The answer.
        response: Box<AuthResponse>,
    },
    /// The answer was lost; `inquireByOrderid` found the transaction. Its `respstat` says
    /// whether it was approved (then the charge stands: capture or void it as the business
    /// requires) or declined.
    Recovered {
        /// The order id sent.
        order_id: OrderId,
        /// The transaction as the gateway recorded it.
        inquiry: Box<InquireResponse>,
        /// Why the answer was lost.
        cause: Error,
    },
    /// The answer was lost and the gateway has no transaction with this order id: the auth
    /// never arrived. Nothing was charged; retry with a **new** order id.
    NotProcessed {
        /// The order id sent.
        order_id: OrderId,
        /// Why the answer was lost.
        cause: Error,
    },
    /// The answer was lost, the outcome could not be looked up, and `voidByOrderId` reversed
    /// the authorization. Nothing stays charged.
    Reversed {
        /// The order id sent.
        order_id: OrderId,
        /// The approved void.
        void: Box<VoidResponse>,
        /// How many `voidByOrderId` requests were sent.
        attempts: u8,
        /// Why the auth's answer was lost.
        cause: Error,
    },
    /// The answer was lost, the outcome could not be looked up, and `voidByOrderId` answered
    /// "not found" (PPS 29) — no approved transaction carries this order id — without any
    /// attempt reversing one: nothing is charged.
    NothingToReverse {
        /// The order id sent.
        order_id: OrderId,
        /// The last void answer.
        void: Box<VoidResponse>,
        /// How many `voidByOrderId` requests were sent.
        attempts: u8,
        /// Why the auth's answer was lost.
        cause: Error,
    },
    /// The answer was lost, the outcome could not be looked up, and the gateway refused
    /// `voidByOrderId` for a reason other than "not found" — for example PPS 27, the
    /// transaction is already batched or settled. **An approved transaction may stand** under
    /// the order id: look it up (`inquireByOrderid`) and refund it if it was charged.
    NotReversed {
        /// The order id sent.
        order_id: OrderId,
        /// The refusal (its `retref`, when present, names the transaction).
        void: Box<VoidResponse>,
        /// How many `voidByOrderId` requests were sent.
        attempts: u8,
        /// Why the auth's answer was lost.
        cause: Error,
    },
    /// Nothing answered: neither the auth, the inquiry nor any void. The outcome is unknown;
    /// look the order id up later (or ask support) before charging again.
    Unknown {
        /// The order id sent.
        order_id: OrderId,
        /// Why the auth's answer was lost.
        cause: Error,
        /// The last recovery failure.
        last_recovery_error: Option<Error>,
    },
}

impl AuthOutcome {
    /// The order id the auth carried.
    #[must_use]
    pub fn order_id(&self) -> &OrderId {
        match self {
            Self::Answered { order_id, .. }
            | Self::Recovered { order_id, .. }
            | Self::NotProcessed { order_id, .. }
            | Self::Reversed { order_id, .. }
            | Self::NothingToReverse { order_id, .. }
            | Self::NotReversed { order_id, .. }
            | Self::Unknown { order_id, .. } => order_id,
        }
    }

    /// The gateway's direct answer, when it came.
    #[must_use]
    pub fn response(&self) -> Option<&AuthResponse> {
        match self {
            Self::Answered { response, .. } => Some(response),
            _ => None,
        }
    }

    /// Whether the card stands charged (authorized) now: an approved answer, or an approved
    /// transaction found by the inquiry (and not voided since).
    #[must_use]
    pub fn is_approved(&self) -> bool {
        match self {
            Self::Answered { response, .. } => response.is_approved(),
            Self::Recovered { inquiry, .. } => {
                inquiry.is_approved()
                    && !matches!(
                        inquiry.setlstat,
                        Some(cardpointe_types::SettlementStatus::Voided)
                    )
            }
            _ => false,
        }
    }

    /// The retrieval reference of the approved (or declined) transaction, when known.
    #[must_use]
    pub fn retref(&self) -> Option<&cardpointe_types::Retref> {
        match self {
            Self::Answered { response, .. } => response.retref.as_ref(),
            Self::Recovered { inquiry, .. } => inquiry.retref.as_ref(),
            Self::NotReversed { void, .. } => void.retref.as_ref(),
            _ => None,
        }
    }

    /// Whether the answer was lost and recovery ran.
    #[must_use]
    pub fn was_recovered(&self) -> bool {
        !matches!(self, Self::Answered { .. })
    }
}

impl fmt::Display for AuthOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = |o: &cardpointe_types::Outcome| {
            format!(
                "{} {} {:?}",
                o.stat.map_or("?", RespStat::as_str),
                o.code.as_ref().map_or("", |c| c.as_str()),
                o.text.as_deref().unwrap_or("")
            )
        };
        match self {
            Self::Answered { order_id, response } => {
                write!(f, "order {order_id}: {}", text(&response.outcome()))
            }
            Self::Recovered {
                order_id, inquiry, ..
            } => write!(
                f,
                "order {order_id}: answer lost, recovered by inquireByOrderid: {}",
                text(&inquiry.outcome())
            ),
            Self::NotProcessed { order_id, .. } => write!(
                f,
                "order {order_id}: answer lost; the gateway never received the auth (nothing \
                 charged, retry with a new order id)"
            ),
            Self::Reversed {
                order_id, attempts, ..
            } => write!(
                f,
                "order {order_id}: answer lost; reversed by voidByOrderId (attempt {attempts})"
            ),
            Self::NothingToReverse {
                order_id, attempts, ..
            } => write!(
                f,
                "order {order_id}: answer lost; {attempts} voidByOrderId found nothing approved \
                 (nothing charged)"
            ),
            Self::NotReversed { order_id, void, .. } => write!(
                f,
                "order {order_id}: answer lost; voidByOrderId was refused ({}): the \
                 authorization may stand — look the order id up and refund it if it was charged",
                text(&void.outcome())
            ),
            Self::Unknown { order_id, .. } => write!(
                f,
                "order {order_id}: outcome unknown (no answer to the auth, the inquiry or the \
                 voids); look the order id up before charging again"
            ),
        }
    }
}

/// A fresh order id: `cp-` + milliseconds since 1970 + a process counter + a per-process
/// random part, all hex. Unique per process and, in practice, across processes; never a
/// Luhn-valid digit string (the gateway masks those and then cannot find them).
#[must_use]
pub fn new_order_id() -> OrderId {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let salt = {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(millis);
        h.write_u64(n);
        h.write_u32(std::process::id());
        h.finish() & 0xFFFF_FFFF
    };
    let text = format!("cp-{millis:x}-{n:x}-{salt:08x}");
    // Always valid: ASCII letters, digits and '-', under 50 characters, not all digits.
    OrderId::new(text).unwrap_or_else(|_| fallback_order_id(n))
}

fn fallback_order_id(n: u64) -> OrderId {
    // Unreachable in practice; kept so the function is total without a panic path.
    OrderId::new(format!("cp-{n:x}")).unwrap_or_else(|_| fallback_order_id(n.wrapping_add(1)))
}

/// Whether an inquiry answer is the gateway's "Txn not found" (PPS 29).
fn is_not_found(r: &InquireResponse) -> bool {
    r.respproc.as_ref() == Some(&RespProc::Pps)
        && r.respcode.as_ref().is_some_and(|c| c.as_str() == "29")
        && r.retref.is_none()
}

/// Whether a `voidByOrderId` decline is the gateway's "Txn not found" (PPS 29): no approved
/// transaction carries the order id. Any other decline (PPS 27 "Txn Batched", too old, a
/// host refusal …) means one may stand and could not be reversed.
fn is_void_not_found(r: &VoidResponse) -> bool {
    r.respstat == Some(RespStat::Declined)
        && r.respcode.as_ref().is_some_and(|c| c.as_str() == "29")
}

pub(crate) async fn safe_auth(
    gateway: &Gateway,
    mut request: AuthRequest,
) -> Result<AuthOutcome, Error> {
    let order_id = match &request.orderid {
        Some(id) => id.clone(),
        None => {
            let id = new_order_id();
            request.orderid = Some(id.clone());
            id
        }
    };
    // The `cardpointe.auth` span of `Gateway::auth`, when called through it.
    tracing::Span::current().record("orderid", tracing::field::display(order_id.as_str()));
    let cause = match gateway.call(&request).await {
        Ok(response) => {
            return Ok(AuthOutcome::Answered {
                order_id,
                response: Box::new(response),
            });
        }
        Err(e) if !e.maybe_sent() => return Err(e),
        Err(e) => e,
    };
    // The recovery asks the merchant the auth went to: its own, or (None) the client's.
    let merchid = request.merchid.take();
    drop(request);
    tracing::warn!(
        operation = "auth",
        orderid = %order_id,
        error = %cause,
        "the auth's answer was lost; recovering by order id"
    );
    let policy = gateway.recovery().clone();
    let mut last_error = None;

    if policy.inquire_first {
        tokio::time::sleep(policy.pause).await;
        let mut inquiry = InquireByOrderIdRequest::new(order_id.clone());
        inquiry.merchid.clone_from(&merchid);
        match gateway
            .call_with(&inquiry, CallOptions::new().with_timeout(policy.timeout))
            .await
        {
            Ok(found) => {
                // Several matches happen only when an order id was reused: prefer the latest
                // approved one, as voidByOrderId does.
                let chosen = found
                    .iter()
                    .rev()
                    .find(|r| r.is_approved())
                    .or_else(|| found.last())
                    .cloned();
                match chosen {
                    Some(r) if is_not_found(&r) => {
                        tracing::info!(orderid = %order_id, "recovery: the auth never arrived");
                        return Ok(AuthOutcome::NotProcessed { order_id, cause });
                    }
                    Some(r) if r.respstat != Some(RespStat::Retry) && r.retref.is_some() => {
                        tracing::info!(orderid = %order_id, "recovery: found by inquireByOrderid");
                        return Ok(AuthOutcome::Recovered {
                            order_id,
                            inquiry: Box::new(r),
                            cause,
                        });
                    }
                    // An empty list or a retry answer: not conclusive, reverse instead.
                    _ => {}
                }
            }
            Err(e) => {
                tracing::warn!(orderid = %order_id, error = %e, "recovery: inquiry failed");
                last_error = Some(e);
            }
        }
    }

    let mut void = VoidByOrderIdRequest::new(order_id.clone());
    void.merchid.clone_from(&merchid);
    let mut nothing: Option<(VoidResponse, u8)> = None;
    for attempt in 1..=policy.void_attempts.max(1) {
        tokio::time::sleep(policy.pause).await;
        // `voidByOrderId` is declared unsafe to resend, so the transport never repeats it after
        // it may have reached the gateway: each attempt here is one request on the wire.
        match gateway
            .call_with(&void, CallOptions::new().with_timeout(policy.timeout))
            .await
        {
            Ok(answer) if answer.is_approved() => {
                tracing::info!(orderid = %order_id, attempt, "recovery: reversed by voidByOrderId");
                return Ok(AuthOutcome::Reversed {
                    order_id,
                    void: Box::new(answer),
                    attempts: attempt,
                    cause,
                });
            }
            // "Not found": no approved transaction carries the order id at this moment.
            Ok(answer) if is_void_not_found(&answer) => {
                nothing = Some((answer, attempt));
            }
            // Any other refusal is final: the transaction stands and cannot be voided.
            Ok(answer) if answer.respstat == Some(RespStat::Declined) => {
                tracing::warn!(
                    orderid = %order_id,
                    attempt,
                    respcode = answer.respcode.as_ref().map_or("", |c| c.as_str()),
                    "recovery: voidByOrderId refused; the authorization may stand"
                );
                return Ok(AuthOutcome::NotReversed {
                    order_id,
                    void: Box::new(answer),
                    attempts: attempt,
                    cause,
                });
            }
            Ok(_) => {
                tracing::warn!(orderid = %order_id, attempt, "recovery: void answered retry");
            }
            Err(e) => {
                tracing::warn!(orderid = %order_id, attempt, error = %e, "recovery: void failed");
                last_error = Some(e);
            }
        }
    }
    Ok(match nothing {
        // Every void is sent before concluding (a slow original could land between them); a
        // "not found" from any of them means no approved transaction stands under the order id.
        Some((answer, _)) => AuthOutcome::NothingToReverse {
            order_id,
            void: Box::new(answer),
            attempts: policy.void_attempts.max(1),
            cause,
        },
        None => AuthOutcome::Unknown {
            order_id,
            cause,
            last_recovery_error: last_error,
        },
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn generated_order_ids_are_unique_and_never_look_like_a_card_number() {
        let ids: Vec<OrderId> = (0..1000).map(|_| new_order_id()).collect();
        let distinct: HashSet<&str> = ids.iter().map(OrderId::as_str).collect();
        assert_eq!(distinct.len(), ids.len());
        for id in &ids {
            assert!(id.as_str().starts_with("cp-"));
            assert!(id.as_str().len() <= 50);
            assert!(!cardpointe_types::luhn_valid(id.as_str()));
        }
    }

    #[test]
    fn the_void_attempt_count_is_at_least_one() {
        assert_eq!(RecoveryPolicy::default().void_attempts, 3);
        assert_eq!(
            RecoveryPolicy::default()
                .with_void_attempts(0)
                .void_attempts,
            1
        );
    }

    #[test]
    fn only_pps_29_from_void_by_order_id_means_nothing_is_charged() {
        let mut r = VoidResponse::default();
        r.respstat = Some(RespStat::Declined);
        r.respcode = Some("29".parse().unwrap());
        assert!(is_void_not_found(&r));
        r.respcode = Some("27".parse().unwrap()); // Txn Batched: it stands
        assert!(!is_void_not_found(&r));
        r.respcode = Some("29".parse().unwrap());
        r.respstat = Some(RespStat::Approved);
        assert!(!is_void_not_found(&r));
    }

    #[test]
    fn a_not_found_inquiry_is_recognised_by_pps_29_without_a_retref() {
        let mut r = InquireResponse::default();
        r.respproc = Some(RespProc::Pps);
        r.respcode = Some("29".parse().unwrap());
        r.respstat = Some(RespStat::Declined);
        assert!(is_not_found(&r));
        r.retref = Some("329106371162".parse().unwrap());
        assert!(!is_not_found(&r));
    }
}
