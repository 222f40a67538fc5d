//! What JavaScript passes in: plain objects with optional properties, turned into the Rust
//! request models by the models' own constructors and parsers. Every refusal names the
//! property at fault and says what to give instead; none repeats a card number.

use std::fmt::Display;
use std::str::FromStr;

use cardpointe::types::{AccountNumber, Cvv, EcomInd, Flag, Postal};
use cardpointe::{Amount, Expiry, OrderId, PaymentSource, ProfileRef, Retref, Token};
use napi::Either;
use napi_derive::napi;

use crate::error::Failure;

/// A required property, parsed.
pub(crate) fn required<T>(
    field: &'static str,
    value: Option<&str>,
    hint: &'static str,
) -> Result<T, Failure>
where
    T: FromStr,
    T::Err: Display,
{
    match value.map(str::trim) {
        None | Some("") => Err(Failure::invalid(field, format!("is required: {hint}"))),
        Some(text) => text
            .parse()
            .map_err(|e: T::Err| Failure::invalid(field, format!("{e} ({hint})"))),
    }
}

/// An optional property, parsed when present and not blank.
pub(crate) fn optional<T>(
    field: &'static str,
    value: Option<&str>,
    hint: &'static str,
) -> Result<Option<T>, Failure>
where
    T: FromStr,
    T::Err: Display,
{
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(_) => required(field, value, hint).map(Some),
    }
}

const AMOUNT_HINT: &str = "give dollars and cents as a string, for example \"12.50\" (a JavaScript number cannot hold money exactly)";

/// An amount property: a decimal string. A JavaScript number is refused with the reason.
pub(crate) fn amount(
    field: &'static str,
    value: Option<&Either<String, f64>>,
) -> Result<Option<Amount>, Failure> {
    match value {
        None => Ok(None),
        Some(Either::A(text)) => optional(field, Some(text), AMOUNT_HINT),
        Some(Either::B(_)) => Err(Failure::invalid(
            field,
            format!("is a number; {AMOUNT_HINT}"),
        )),
    }
}

const ACCOUNT_HINT: &str =
    "give a card number (digits only) or a CardSecure token (16 digits starting with 9)";
const EXPIRY_HINT: &str = "give the card's expiry as MMYY, for example \"1230\"";
const RETREF_HINT: &str = "give the retref of the gateway's answer, for example \"123456789012\"";
const ORDERID_HINT: &str = "give the order id the auth was sent with";
const PROFILE_HINT: &str =
    "give \"<profileid>\" or \"<profileid>/<acctid>\" as the profile result reports them";

/// The payment source of an `account` (card number or token, told apart the gateway's way)
/// or a stored `profile`.
fn source(account: Option<&str>, profile: Option<&str>) -> Result<PaymentSource, Failure> {
    if let Some(profile) = optional::<ProfileRef>("profile", profile, PROFILE_HINT)? {
        return Ok(PaymentSource::Profile(profile));
    }
    let number: AccountNumber = required("account", account, ACCOUNT_HINT)?;
    PaymentSource::from_fields(Some(&number), None, None, None)
        .map_err(|e| Failure::invalid("account", format!("{e} ({ACCOUNT_HINT})")))
}

/// `gateway.auth(input)`.
#[napi(object)]
#[derive(Clone, Default)]
#[allow(clippy::exhaustive_structs, reason = "a plain JavaScript object")]
pub struct AuthInput {
    /// Dollars and cents as a string (`"12.50"`); `"0.00"` verifies the card.
    #[napi(ts_type = "string")]
    pub amount: Option<Either<String, f64>>,
    /// A card number or a CardSecure token.
    pub account: Option<String>,
    /// Charge a stored profile instead of `account`: `"<profileid>"` or `"<profileid>/<acctid>"`.
    pub profile: Option<String>,
    /// Expiry `MMYY` (required for keyed cards).
    pub expiry: Option<String>,
    /// The card verification value.
    pub cvv2: Option<String>,
    /// Your order id; a unique one is generated when absent (it is how a lost answer is
    /// recovered, so never reuse one).
    pub orderid: Option<String>,
    /// Capture in the same call (a sale).
    pub capture: Option<bool>,
    /// Store the card as a profile when approved.
    pub create_profile: Option<bool>,
    /// Card-not-present origin: `E` e-commerce, `T` telephone/mail, `R` recurring.
    pub ecomind: Option<String>,
    /// Cardholder name.
    pub name: Option<String>,
    /// Street address (AVS).
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or province.
    pub region: Option<String>,
    /// ISO-2 country.
    pub country: Option<String>,
    /// Postal code (AVS).
    pub postal: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
}

impl AuthInput {
    /// The auth request.
    pub(crate) fn request(&self) -> Result<cardpointe::AuthRequest, Failure> {
        let amount = amount("amount", self.amount.as_ref())?
            .ok_or_else(|| Failure::invalid("amount", format!("is required: {AMOUNT_HINT}")))?;
        let source = source(self.account.as_deref(), self.profile.as_deref())?;
        let mut request = cardpointe::AuthRequest::new(amount, source);
        request.expiry = optional::<Expiry>("expiry", self.expiry.as_deref(), EXPIRY_HINT)?;
        request.cvv2 = optional::<Cvv>(
            "cvv2",
            self.cvv2.as_deref(),
            "give the 3 or 4 digits printed on the card",
        )?;
        request.orderid = optional::<OrderId>(
            "orderid",
            self.orderid.as_deref(),
            "give letters, digits and separators, unique per auth; or leave it out to have one generated",
        )?;
        if self.capture == Some(true) {
            request.capture = Some(Flag::Yes);
        }
        if self.create_profile == Some(true) {
            request = request.with_profile_creation();
        }
        request.ecomind = optional::<EcomInd>(
            "ecomind",
            self.ecomind.as_deref(),
            "give E (e-commerce), T (telephone or mail) or R (recurring)",
        )?;
        request.postal = optional::<Postal>(
            "postal",
            self.postal.as_deref(),
            "give the billing postal code",
        )?;
        request.name.clone_from(&self.name);
        request.address.clone_from(&self.address);
        request.city.clone_from(&self.city);
        request.region.clone_from(&self.region);
        request.country.clone_from(&self.country);
        request.phone.clone_from(&self.phone);
        request.email.clone_from(&self.email);
        Ok(request)
    }
}

/// `capture`, `void` and `refund`: the transaction, and optionally an amount.
#[napi(object)]
#[derive(Clone, Default)]
#[allow(clippy::exhaustive_structs, reason = "a plain JavaScript object")]
pub struct AdjustInput {
    /// The retref of the auth (or capture) to act on.
    pub retref: Option<String>,
    /// Dollars and cents as a string: capture, void or refund this much instead of all of it.
    #[napi(ts_type = "string")]
    pub amount: Option<Either<String, f64>>,
}

impl AdjustInput {
    /// The retref and the amount.
    pub(crate) fn parts(&self) -> Result<(Retref, Option<Amount>), Failure> {
        let retref = required("retref", self.retref.as_deref(), RETREF_HINT)?;
        Ok((retref, amount("amount", self.amount.as_ref())?))
    }
}

/// A retref argument.
pub(crate) fn retref(value: &str) -> Result<Retref, Failure> {
    required("retref", Some(value), RETREF_HINT)
}

/// An order id argument.
pub(crate) fn orderid(value: &str) -> Result<OrderId, Failure> {
    required("orderid", Some(value), ORDERID_HINT)
}

/// A profile argument (`"<profileid>"` or `"<profileid>/<acctid>"`).
pub(crate) fn profile(value: &str) -> Result<ProfileRef, Failure> {
    required("profile", Some(value), PROFILE_HINT)
}

/// A token argument.
pub(crate) fn token(value: &str) -> Result<Token, Failure> {
    required(
        "token",
        Some(value),
        "give a CardSecure token (16 digits starting with 9)",
    )
}

/// A report day (`MMDD` or `YYYYMMDD`).
pub(crate) fn report_date(
    value: Option<&str>,
) -> Result<Option<cardpointe::types::ReportDate>, Failure> {
    optional(
        "date",
        value,
        "give the day as MMDD or YYYYMMDD, for example \"20261204\"",
    )
}

/// `settlestat(query)`.
#[napi(object)]
#[derive(Clone, Default)]
#[allow(clippy::exhaustive_structs, reason = "a plain JavaScript object")]
pub struct SettlestatInput {
    /// The batches of this day (`MMDD` or `YYYYMMDD`).
    pub date: Option<String>,
    /// One batch.
    pub batchid: Option<String>,
}

/// `profileCreate` / `profileUpdate`: the account to store and its holder.
#[napi(object)]
#[derive(Clone, Default)]
#[allow(clippy::exhaustive_structs, reason = "a plain JavaScript object")]
pub struct ProfileInput {
    /// A card number or CardSecure token.
    pub account: Option<String>,
    /// Expiry `MMYY`.
    pub expiry: Option<String>,
    /// The profile (`"<profileid>"`) to add the account to, or `"<profileid>/<acctid>"` to
    /// update; required for `profileUpdate`.
    pub profile: Option<String>,
    /// Make this the profile's default account.
    pub default_account: Option<bool>,
    /// Account holder name.
    pub name: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Street address.
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or province.
    pub region: Option<String>,
    /// ISO-2 country.
    pub country: Option<String>,
    /// Postal code.
    pub postal: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
}

impl ProfileInput {
    /// The profile request; `update` requires `profile`.
    pub(crate) fn request(&self, update: bool) -> Result<cardpointe::ProfileRequest, Failure> {
        let source = source(self.account.as_deref(), None)?;
        let mut request = cardpointe::ProfileRequest::create(source)
            .map_err(|e| Failure::invalid("account", format!("{e} ({ACCOUNT_HINT})")))?;
        let target = if update {
            Some(required::<ProfileRef>(
                "profile",
                self.profile.as_deref(),
                PROFILE_HINT,
            )?)
        } else {
            optional::<ProfileRef>("profile", self.profile.as_deref(), PROFILE_HINT)?
        };
        if let Some(target) = target {
            request = request.for_profile(target);
            if update {
                request.profileupdate = Some(Flag::Yes);
            }
        }
        request.expiry = optional::<Expiry>("expiry", self.expiry.as_deref(), EXPIRY_HINT)?;
        if let Some(default) = self.default_account {
            request.defaultacct = Some(Flag::from(default));
        }
        request.postal = optional::<Postal>(
            "postal",
            self.postal.as_deref(),
            "give the billing postal code",
        )?;
        request.name.clone_from(&self.name);
        request.company.clone_from(&self.company);
        request.address.clone_from(&self.address);
        request.city.clone_from(&self.city);
        request.region.clone_from(&self.region);
        request.country.clone_from(&self.country);
        request.phone.clone_from(&self.phone);
        request.email.clone_from(&self.email);
        Ok(request)
    }
}

/// `sigcap(input)`.
#[napi(object)]
#[derive(Clone, Default)]
#[allow(clippy::exhaustive_structs, reason = "a plain JavaScript object")]
pub struct SigcapInput {
    /// The transaction to attach the signature to.
    pub retref: Option<String>,
    /// The signature: Base64 of a gzipped BMP (as the VP3300 and CardPointe terminals make it).
    pub signature: Option<String>,
}

/// `tokenize(card)`: a keyed card for CardSecure.
#[napi(object)]
#[derive(Clone, Default)]
#[allow(clippy::exhaustive_structs, reason = "a plain JavaScript object")]
pub struct CardInput {
    /// The card number (spaces and dashes allowed).
    pub number: Option<String>,
    /// Expiry: `MMYY`, `MM/YY` or `MM/YYYY`.
    pub expiry: Option<String>,
    /// The card verification value, if the customer gave it.
    pub cvv: Option<String>,
}
