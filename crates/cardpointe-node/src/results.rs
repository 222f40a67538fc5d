//! Results as plain JavaScript objects: each is the Rust response model (its serde form, the
//! gateway's own field names) read into a typed struct whose TypeScript interface napi
//! generates, plus `approved`, decided by the Rust model (`HasOutcome`). Declines are values.
//!
//! Every result also answers `util.inspect` (what `console.log` prints) with a masked copy:
//! tokens show only their last four, signatures only their length.

use cardpointe::HasOutcome;
use cardpointe::types::{MaskedAccount, Token};
use napi::bindgen_prelude::JsObjectValue as _;
use napi::{Env, JsValue as _, Property, Unknown};
use napi_derive::napi;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::error::{ErrorInfo, Failure};

/// Reads a wire value as text: strings as they are, numbers and booleans written out, null
/// as absent. Response fields are text on the wire except for a few the gateway sends raw.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) => Some(s),
        Value::Bool(b) => Some(if b { "Y" } else { "N" }.to_owned()),
        other => Some(other.to_string()),
    })
}

/// Declares a result object: text fields read from the wire form of a response model.
macro_rules! result_object {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident $(as $wire:literal)?, )*
        }
    ) => {
        $(#[$meta])*
        #[napi(object)]
        #[derive(Clone, Debug, Default, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        #[allow(clippy::exhaustive_structs, reason = "a plain JavaScript object, built only here")]
        pub struct $name {
            /// `true` only when `respstat` is `A` (approved); a decline is `false`, not an error.
            #[serde(default)]
            pub approved: bool,
            $(
                $(#[$fmeta])*
                #[serde(default, deserialize_with = "text", skip_serializing_if = "Option::is_none")]
                $(#[serde(alias = $wire)])?
                pub $field: Option<String>,
            )*
        }

        impl $name {
            /// The result of a response model.
            pub(crate) fn of<R: Serialize + HasOutcome>(response: &R) -> Result<Self, Failure> {
                let mut result: Self = convert(response)?;
                result.approved = response.is_approved();
                Ok(result)
            }
        }
    };
}

/// A response model, serialized as the gateway writes it, read into a result struct.
fn convert<T: DeserializeOwned>(response: &impl Serialize) -> Result<T, Failure> {
    serde_json::to_value(response)
        .and_then(serde_json::from_value)
        .map_err(|e| Failure::configuration(format!("cannot convert the answer: {e}")))
}

/// A response model as a JSON value, for the report endpoints returned as plain JSON.
pub(crate) fn json(response: &impl Serialize) -> Result<Value, Failure> {
    convert(response)
}

result_object! {
    /// The gateway's answer to `auth`.
    pub struct AuthResult {
        /// `A` approved, `B` retry later, `C` declined.
        respstat,
        /// The response code (processor- or gateway-specific).
        respcode,
        /// The response text.
        resptext,
        /// `PPS` or the processor that answered.
        respproc,
        /// Retrieval reference: needed for capture, void, refund and inquire.
        retref,
        /// The merchant.
        merchid,
        /// The approved amount, dollars and cents (`"12.50"`; `"0.00"` on a decline).
        amount,
        /// The token, or the masked card number when the request asked to tokenize.
        account,
        /// The CardSecure token of the card.
        token,
        /// Expiry, `MMYY`.
        expiry,
        /// Authorization code.
        authcode,
        /// Batch, when captured.
        batchid,
        /// AVS result.
        avsresp,
        /// CVV result.
        cvvresp,
        /// Commercial card (`Y`/`N`).
        commcard,
        /// The profile created or charged.
        profileid,
        /// The account of that profile.
        acctid,
        /// The order id (with receipt data).
        orderid as "orderId",
        /// Settlement status.
        setlstat,
        /// How the card was presented.
        entrymode,
        /// `Corp`, `FSA+Prepaid`, `Prepaid`, `Purchase` …
        bintype,
    }
}

result_object! {
    /// The gateway's answer to `capture`.
    pub struct CaptureResult {
        /// `A` approved, `B` retry later, `C` declined.
        respstat,
        /// The response code.
        respcode,
        /// The response text.
        resptext,
        /// `PPS` or the processor.
        respproc,
        /// The merchant.
        merchid,
        /// Retrieval reference.
        retref,
        /// The captured amount, dollars and cents.
        amount,
        /// Settlement status (`Queued for Capture` …).
        setlstat,
        /// The batch it joined.
        batchid,
        /// The token (or masked card number).
        account,
        /// The token.
        token,
        /// Commercial card (`Y`/`N`).
        commcard,
        /// Authorization code.
        authcode,
        /// The order id (with receipt data).
        orderid as "orderId",
    }
}

result_object! {
    /// The gateway's answer to `void` and `voidByOrderId`.
    pub struct VoidResult {
        /// `A` approved, `B` retry later, `C` declined.
        respstat,
        /// The response code (PPS 29: nothing approved carries this order id).
        respcode,
        /// The response text.
        resptext,
        /// `PPS` or the processor.
        respproc,
        /// The merchant.
        merchid,
        /// Retrieval reference of the voided transaction.
        retref,
        /// The amount voided, dollars and cents.
        amount,
        /// Authorization code (`REVERS` for an approved void).
        authcode,
        /// The order id.
        orderid as "orderId",
    }
}

result_object! {
    /// The gateway's answer to `refund`.
    pub struct RefundResult {
        /// `A` approved, `B` retry later, `C` declined.
        respstat,
        /// The response code.
        respcode,
        /// The response text.
        resptext,
        /// `PPS` or the processor.
        respproc,
        /// The merchant.
        merchid,
        /// Retrieval reference of the refund (a new transaction).
        retref,
        /// The amount refunded, dollars and cents.
        amount,
        /// Authorization code.
        authcode,
        /// The order id.
        orderid as "orderId",
    }
}

result_object! {
    /// A transaction as `inquire` and `inquireByOrderid` report it.
    pub struct InquireResult {
        /// `A` approved, `B` retry later, `C` declined (PPS 29: not found).
        respstat,
        /// The response code.
        respcode,
        /// The response text.
        resptext,
        /// `PPS` or the processor.
        respproc,
        /// The merchant.
        merchid,
        /// The token (or masked card number).
        account,
        /// The token.
        token,
        /// Expiry, `MMYY`.
        expiry,
        /// The current amount, dollars and cents.
        amount,
        /// Currency.
        currency,
        /// Retrieval reference.
        retref,
        /// The order id.
        orderid as "orderId",
        /// Settlement status (`Authorized`, `Queued for Capture`, `Accepted`, `Voided` …).
        setlstat,
        /// The batch.
        batchid,
        /// Authorization code.
        authcode,
        /// When it was authorized.
        authdate,
        /// When it was captured.
        capturedate,
        /// When it settled.
        settledate,
        /// The last four digits of the account.
        lastfour,
        /// Cardholder name.
        name,
        /// The profile, when charged to one.
        profileid,
        /// The account of that profile.
        acctid,
        /// `Y` when it can still be voided.
        voidable,
        /// `Y` when it can be refunded.
        refundable,
        /// How the card was presented.
        entrymode,
        /// `Corp`, `Prepaid` …
        bintype,
    }
}

result_object! {
    /// A stored profile account, as `profile` create/update/get/delete report it.
    pub struct ProfileResult {
        /// `A` success, `C` refused.
        respstat,
        /// The response code.
        respcode,
        /// The response text.
        resptext,
        /// `PPS`.
        respproc,
        /// The merchant.
        merchid,
        /// The profile id (20 digits).
        profileid,
        /// The account id within the profile.
        acctid,
        /// `Y` for the profile's default account.
        defaultacct,
        /// The stored token.
        token,
        /// The token (or masked account).
        account,
        /// Card brand or account type.
        accttype,
        /// Expiry, `MMYY`.
        expiry,
        /// Account holder name.
        name,
        /// Company.
        company,
        /// Street address.
        address,
        /// City.
        city,
        /// State or province.
        region,
        /// Country.
        country,
        /// Postal code.
        postal,
        /// Phone.
        phone,
        /// E-mail.
        email,
    }
}

result_object! {
    /// The gateway's answer to `sigcap`.
    pub struct SigcapResult {
        /// `A` stored, `C` refused.
        respstat,
        /// The response code.
        respcode,
        /// The response text.
        resptext,
        /// `PPS`.
        respproc,
        /// The merchant.
        merchid,
        /// Retrieval reference the signature is attached to.
        retref,
    }
}

/// What the card behind a token is (`bin`).
#[napi(object)]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(
    clippy::exhaustive_structs,
    reason = "a plain JavaScript object, built only here"
)]
pub struct BinResult {
    /// Issuing country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Card product (`V` Visa, `M` Mastercard …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// The BIN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bin: Option<String>,
    /// `Credit`, `Debit` …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cardusestring: Option<String>,
    /// Issuer name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Sub-type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    /// A corporate card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corporate: Option<bool>,
    /// A prepaid card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prepaid: Option<bool>,
    /// A purchase card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchase: Option<bool>,
    /// An FSA/HSA card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fsa: Option<bool>,
    /// A US government (GSA) card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gsa: Option<bool>,
    /// Whether the BIN was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// Why not, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errormsg: Option<String>,
}

impl BinResult {
    /// The result of the BIN model.
    pub(crate) fn of(info: &cardpointe::types::BinInfo) -> Result<Self, Failure> {
        convert(info)
    }
}

/// The CardSecure token of a card (`tokenize`).
#[napi(object)]
#[derive(Clone, Debug, Serialize)]
#[allow(
    clippy::exhaustive_structs,
    reason = "a plain JavaScript object, built only here"
)]
pub struct TokenizeResult {
    /// The token: 16 digits starting with `9`, ending with the card's last four. Use it in
    /// place of the card number everywhere.
    pub token: String,
}

/// What happened to an authorization (`gateway.auth`). Every kind carries the order id the
/// auth was sent with; only `answered` carries the gateway's direct answer.
#[napi(object)]
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(
    clippy::exhaustive_structs,
    reason = "a plain JavaScript object, built only here"
)]
pub struct AuthOutcome {
    /// `answered`: the gateway answered (approved, declined or retry). `recovered`: the answer
    /// was lost and `inquireByOrderid` found the transaction (`inquiry`). `notProcessed`: lost,
    /// and the gateway has no such order: nothing was charged, retry with a new order id.
    /// `reversed`: lost, could not be looked up, and `voidByOrderId` reversed it. `nothingToReverse`:
    /// lost, and no approved transaction carries the order id. `notReversed`: the reversal was
    /// refused (for example already settled): look it up and refund if charged. `unknown`:
    /// nothing answered; look the order id up later before charging again.
    #[napi(
        ts_type = "'answered' | 'recovered' | 'notProcessed' | 'reversed' | 'nothingToReverse' | 'notReversed' | 'unknown'"
    )]
    pub kind: String,
    /// The order id the auth was sent with (generated when the input had none).
    pub orderid: String,
    /// Whether the card stands authorized now (approved answer, or an approved transaction found
    /// by the inquiry and not voided since).
    pub approved: bool,
    /// Whether the answer was lost and recovery ran.
    pub recovered: bool,
    /// The retrieval reference, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retref: Option<String>,
    /// One line saying what happened.
    pub summary: String,
    /// The gateway's answer (`answered`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<AuthResult>,
    /// The transaction as the gateway recorded it (`recovered`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inquiry: Option<InquireResult>,
    /// The last `voidByOrderId` answer (`reversed`, `nothingToReverse`, `notReversed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub void: Option<VoidResult>,
    /// How many `voidByOrderId` requests were sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub void_attempts: Option<u32>,
    /// Why the auth's answer was lost (every kind but `answered`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<ErrorInfo>,
}

impl AuthOutcome {
    /// The plain-object view of the facade's outcome.
    pub(crate) fn of(outcome: &cardpointe::AuthOutcome) -> Result<Self, Failure> {
        use cardpointe::AuthOutcome as O;
        let mut result = Self {
            kind: String::new(),
            orderid: outcome.order_id().as_str().to_owned(),
            approved: outcome.is_approved(),
            recovered: outcome.was_recovered(),
            retref: outcome.retref().map(|r| r.as_str().to_owned()),
            summary: outcome.to_string(),
            response: None,
            inquiry: None,
            void: None,
            void_attempts: None,
            cause: None,
        };
        let (kind, cause) = match outcome {
            O::Answered { response, .. } => {
                result.response = Some(AuthResult::of(response.as_ref())?);
                ("answered", None)
            }
            O::Recovered { inquiry, cause, .. } => {
                result.inquiry = Some(InquireResult::of(inquiry.as_ref())?);
                ("recovered", Some(cause))
            }
            O::NotProcessed { cause, .. } => ("notProcessed", Some(cause)),
            O::Reversed {
                void,
                attempts,
                cause,
                ..
            } => {
                result.void = Some(VoidResult::of(void.as_ref())?);
                result.void_attempts = Some(u32::from(*attempts));
                ("reversed", Some(cause))
            }
            O::NothingToReverse {
                void,
                attempts,
                cause,
                ..
            } => {
                result.void = Some(VoidResult::of(void.as_ref())?);
                result.void_attempts = Some(u32::from(*attempts));
                ("nothingToReverse", Some(cause))
            }
            O::NotReversed {
                void,
                attempts,
                cause,
                ..
            } => {
                result.void = Some(VoidResult::of(void.as_ref())?);
                result.void_attempts = Some(u32::from(*attempts));
                ("notReversed", Some(cause))
            }
            O::Unknown { cause, .. } => ("unknown", Some(cause)),
            _ => ("unknown", None),
        };
        result.kind = kind.to_owned();
        result.cause = cause.map(|c| Failure::facade(c).info());
        Ok(result)
    }
}

/// The copy `util.inspect` shows: every `token` (and token-shaped `account`) as the Rust
/// `Token`'s Debug shows it, `Token(…1111)`; every `signature` as its length. Masked accounts
/// from the gateway are masked already; any other long digit string in `account` goes through
/// the one PAN mask of `MaskedAccount`.
pub(crate) fn masked(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, v)| {
                    let shown = match (key.as_str(), v) {
                        ("token" | "account", Value::String(s)) => Value::String(mask_account(s)),
                        ("signature", Value::String(s)) => {
                            Value::String(format!("<{} chars>", s.len()))
                        }
                        _ => masked(v),
                    };
                    (key.clone(), shown)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(masked).collect()),
        other => other.clone(),
    }
}

fn mask_account(s: &str) -> String {
    if let Ok(token) = Token::new(s) {
        return format!("{token:?}");
    }
    MaskedAccount::new(s).map_or_else(|_| "<masked>".to_owned(), |m| m.as_str().to_owned())
}

/// A result as a JavaScript object whose `util.inspect` shows the [`masked`] copy (a
/// non-enumerable `Symbol.for('nodejs.util.inspect.custom')` method: invisible to
/// `Object.keys`, `JSON.stringify` and deep equality). A list gets the method on itself and on
/// each of its objects.
pub(crate) fn to_js<'env>(env: &'env Env, result: &impl Serialize) -> napi::Result<Unknown<'env>> {
    let value = serde_json::to_value(result)?;
    value_to_js(env, &value)
}

fn value_to_js<'env>(env: &'env Env, value: &Value) -> napi::Result<Unknown<'env>> {
    let js = match value {
        Value::Array(items) => {
            let mut array = env.create_array(u32::try_from(items.len()).unwrap_or(u32::MAX))?;
            for (i, item) in (0_u32..).zip(items) {
                array.set(i, value_to_js(env, item)?)?;
            }
            array.to_unknown()
        }
        Value::Object(_) => env.to_js_value(value)?,
        _ => return env.to_js_value(value),
    };
    let shown = masked(value);
    let mut object = js.coerce_to_object()?;
    let inspect =
        env.create_function_from_closure::<(), _, _>("inspect", move |_ctx| Ok(shown.clone()))?;
    let key = env.symbol_for("nodejs.util.inspect.custom")?;
    object.define_properties(&[Property::new().with_name(env, key)?.with_value(&inspect)])?;
    Ok(object.to_unknown())
}
