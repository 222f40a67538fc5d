//! Python arguments → the Rust layers' validated values. Every refusal is an `InvalidInput`
//! naming the argument and saying how to fix it, raised before anything is sent; the rules are
//! the Rust constructors' own (`cardpointe-types`, `cardpointe-cardsecure`), not copies.

use std::str::FromStr;

use cardpointe::cardsecure::{ManualCard, ValidationError};
use cardpointe::types::ReportDate;
use cardpointe::{
    AccountId, Amount, Expiry, OrderId, PaymentSource, ProfileId, ProfileRef, Retref, Token,
};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt};

use crate::errors::invalid_input;

/// An amount in minor units (cents): a Python `int`, never a float (money is exact).
pub(crate) fn amount(field: &str, value: &Bound<'_, PyAny>) -> PyResult<Amount> {
    if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
        let kind = value
            .get_type()
            .name()
            .map_or_else(|_| "?".to_owned(), |n| n.to_string());
        return Err(invalid_input(
            field,
            format!(
                "give an int of minor units (cents), e.g. 1999 for 19.99, not a {kind} \
                 (floats cannot hold money exactly)"
            ),
        ));
    }
    let minor: i64 = value
        .extract()
        .map_err(|_| invalid_input(field, "the amount does not fit in 64 bits"))?;
    Amount::from_minor(minor).map_err(|e| invalid_input(field, e))
}

/// An optional amount.
pub(crate) fn opt_amount(
    field: &str,
    value: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<Amount>> {
    value
        .filter(|v| !v.is_none())
        .map(|v| amount(field, v))
        .transpose()
}

/// A value parsed by its Rust type's `FromStr`, the error naming `field`.
pub(crate) fn parse<T>(field: &str, text: &str) -> PyResult<T>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e| invalid_input(field, e))
}

/// An optional parsed value.
pub(crate) fn opt_parse<T>(field: &str, text: Option<&str>) -> PyResult<Option<T>>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    text.map(|t| parse(field, t)).transpose()
}

/// A retrieval reference.
pub(crate) fn retref(text: &str) -> PyResult<Retref> {
    Retref::new(text).map_err(|e| invalid_input("retref", e))
}

/// An order id (refuses Luhn-valid digit strings the gateway would mask).
pub(crate) fn order_id(text: &str) -> PyResult<OrderId> {
    OrderId::new(text).map_err(|e| invalid_input("orderid", e))
}

/// A CardSecure/gateway token.
pub(crate) fn token(text: &str) -> PyResult<Token> {
    Token::new(text).map_err(|e| invalid_input("token", e))
}

/// `profileid` or `profileid/acctid`.
pub(crate) fn profile_ref(field: &str, text: &str) -> PyResult<ProfileRef> {
    match text.split_once('/') {
        Some((profile, account)) => Ok(ProfileRef::new(
            ProfileId::new(profile).map_err(|e| invalid_input(field, e))?,
            Some(AccountId::new(account).map_err(|e| invalid_input(field, e))?),
        )),
        None => Ok(ProfileRef::new(
            ProfileId::new(text).map_err(|e| invalid_input(field, e))?,
            None,
        )),
    }
}

/// A report day: `MMDD` or `YYYYMMDD`.
pub(crate) fn report_date(text: Option<&str>) -> PyResult<Option<ReportDate>> {
    opt_parse("date", text)
}

/// A keyed card, validated locally (Luhn, brand length, expiry in the future, CVV length).
pub(crate) fn manual_card(
    number: &str,
    expiry: Option<&str>,
    cvv: Option<&str>,
) -> PyResult<ManualCard> {
    let expiry = expiry.ok_or_else(|| {
        invalid_input(
            "expiry",
            "a keyed card needs its expiry: pass expiry=\"MMYY\" (or \"MM/YY\")",
        )
    })?;
    ManualCard::new(number, expiry, cvv).map_err(|e| {
        let field = validation_field(&e);
        invalid_input(field, e)
    })
}

/// Which argument a card validation error is about.
fn validation_field(error: &ValidationError) -> &'static str {
    match error {
        ValidationError::ExpiryFormat { .. }
        | ValidationError::ExpiryMonth { .. }
        | ValidationError::Expired { .. } => "expiry",
        ValidationError::CvvLength { .. } => "cvv2",
        _ => "card",
    }
}

/// What pays: exactly one of a keyed card, a token or a stored profile.
pub(crate) struct Source {
    /// The payment source.
    pub(crate) source: PaymentSource,
    /// Its expiry (required for keyed cards; optional with a token).
    pub(crate) expiry: Option<Expiry>,
    /// The keyed card's CVV.
    pub(crate) cvv: Option<cardpointe::types::Cvv>,
}

/// One payment source from the `card=`/`token=`/`profile=` arguments.
pub(crate) fn source(
    card: Option<&str>,
    token_text: Option<&str>,
    profile: Option<&str>,
    expiry: Option<&str>,
    cvv2: Option<&str>,
) -> PyResult<Source> {
    let given = [card.is_some(), token_text.is_some(), profile.is_some()]
        .iter()
        .filter(|g| **g)
        .count();
    if given != 1 {
        return Err(invalid_input(
            "card",
            "give exactly one payment source: card=\"4111…\" (with expiry), token=\"9…\" or \
             profile=\"profileid[/acctid]\"",
        ));
    }
    if let Some(number) = card {
        let keyed = manual_card(number, expiry, cvv2)?;
        return Ok(Source {
            source: PaymentSource::Card(keyed.number().clone()),
            expiry: Some(keyed.expiry()),
            cvv: keyed.cvv().cloned(),
        });
    }
    let expiry = opt_parse::<Expiry>("expiry", expiry)?;
    let cvv = opt_parse::<cardpointe::types::Cvv>("cvv2", cvv2)?;
    if let Some(text) = token_text {
        return Ok(Source {
            source: PaymentSource::Token(token(text)?),
            expiry,
            cvv,
        });
    }
    let reference = profile_ref("profile", profile.unwrap_or_default())?;
    Ok(Source {
        source: PaymentSource::Profile(reference),
        expiry,
        cvv,
    })
}
