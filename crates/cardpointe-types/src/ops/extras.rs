//! Structures shared by several requests and responses: Level 3 line items, user fields,
//! receipts, EMV tag data, BIN information, and the masked `account` echo of responses.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Serialize, Serializer};

use crate::wire::{from_wire_via_deserialize, model};
use crate::{Amount, Token, ValueError};

model! {
    /// One Level 3 line item (`items[]` of capture/auth, spec §2.2). Amounts use the dual
    /// notation on input and the decimal one on output.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct LineItem {
        /// Line number (≤ 4).
        lineno: String,
        /// Material/product code (≤ 12).
        material: String,
        /// Description (≤ 26; required by the gateway).
        description: String,
        /// UPC (≤ 14, not all zeros).
        upc: String,
        /// Quantity, up to 3 decimals, as text.
        quantity: String,
        /// Unit of measure (≤ 8).
        uom: String,
        /// Unit cost.
        unitcost: Amount,
        /// Net amount (always positive).
        netamnt: Amount,
        /// Tax amount.
        taxamnt: Amount,
        /// Discount amount.
        discamnt: Amount,
    }
}

impl LineItem {
    /// A line item with a description (the one field the gateway requires).
    #[must_use]
    pub fn new(description: impl Into<String>) -> Self {
        Self {
            description: Some(description.into()),
            ..Self::default()
        }
    }
}

/// `userfields`: merchant key/value pairs, order preserved. Read from either documented shape (an
/// array of single-key objects, or one flat object); written as the array.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserFields {
    /// The pairs, in order. Values are kept as JSON (usually strings).
    pub fields: Vec<(String, serde_json::Value)>,
}

impl UserFields {
    /// Adds a text field.
    #[must_use]
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields
            .push((key.into(), serde_json::Value::String(value.into())));
        self
    }

    /// The first value under `key`, if it is text.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_str())
    }
}

impl Serialize for UserFields {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct One<'a>(&'a str, &'a serde_json::Value);
        impl Serialize for One<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry(self.0, self.1)?;
                m.end()
            }
        }
        let mut seq = s.serialize_seq(Some(self.fields.len()))?;
        for (k, v) in &self.fields {
            seq.serialize_element(&One(k, v))?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for UserFields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = UserFields;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of single-key objects or a flat object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UserFields, A::Error> {
                let mut fields = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                    fields.push((k, v));
                }
                Ok(UserFields { fields })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<UserFields, A::Error> {
                let mut fields = Vec::new();
                while let Some(obj) =
                    seq.next_element::<serde_json::Map<String, serde_json::Value>>()?
                {
                    fields.extend(obj);
                }
                Ok(UserFields { fields })
            }
        }
        d.deserialize_any(V)
    }
}

/// Receipt data (`receiptData` for `receipt:"Y"`, `receiptObj` for `receipt:"json"`).
/// Keys this crate does not name (the EMV fields of `receiptObj`) are kept in `extra`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Receipt {
    /// Merchant name (DBA).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::opt"
    )]
    pub dba: Option<String>,
    /// Merchant address, line 1.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::opt"
    )]
    pub address1: Option<String>,
    /// Merchant address, line 2.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::opt"
    )]
    pub address2: Option<String>,
    /// Merchant phone.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::opt"
    )]
    pub phone: Option<String>,
    /// Receipt header text.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::opt"
    )]
    pub header: Option<String>,
    /// Receipt footer text.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::opt"
    )]
    pub footer: Option<String>,
    /// Transaction time, `YYYYMMDDHHMMSS`.
    #[serde(
        rename = "dateTime",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::opt"
    )]
    pub date_time: Option<String>,
    /// Cardholder name.
    #[serde(
        rename = "nameOnCard",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::opt"
    )]
    pub name_on_card: Option<String>,
    /// Order note.
    #[serde(
        rename = "orderNote",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::opt"
    )]
    pub order_note: Option<String>,
    /// Items text.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::opt"
    )]
    pub items: Option<String>,
    /// `Credit`, `Debit` or `Star` (`receiptObj`).
    #[serde(
        rename = "routeIndicator",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::opt"
    )]
    pub route_indicator: Option<String>,
    /// Every other key, verbatim (the EMV fields of `receiptObj`).
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// `emvTagData`: the EMV receipt items, sent by the gateway as **a string containing a JSON
/// object** (keys `TVR`, `ARC`, `PIN`, `Signature`, `Mode`, `TSI`, `AID`, `IAD`,
/// `Application Label`, `Application Preferred Name`, `Entry method`, `Network Label`). Read from
/// that string (or from a plain object); written back as the string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmvTagData {
    /// The items, by name. Non-text values are kept as their JSON text.
    pub tags: BTreeMap<String, String>,
}

impl EmvTagData {
    /// One item by its documented name (`"AID"`, `"TVR"`, `"Application Label"`, …).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.tags.get(name).map(String::as_str)
    }

    /// The application identifier.
    #[must_use]
    pub fn aid(&self) -> Option<&str> {
        self.get("AID")
    }

    /// The terminal verification results.
    #[must_use]
    pub fn tvr(&self) -> Option<&str> {
        self.get("TVR")
    }

    /// The application label to print.
    #[must_use]
    pub fn application_label(&self) -> Option<&str> {
        self.get("Application Label")
    }

    fn from_map(map: serde_json::Map<String, serde_json::Value>) -> Self {
        let tags = map
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, text)
            })
            .collect();
        Self { tags }
    }
}

impl FromStr for EmvTagData {
    type Err = serde_json::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(s).map(Self::from_map)
    }
}

impl Serialize for EmvTagData {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(&self.tags).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for EmvTagData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => s.parse().map_err(de::Error::custom),
            serde_json::Value::Object(m) => Ok(Self::from_map(m)),
            _ => Err(de::Error::custom(
                "emvTagData must be a JSON object or a string holding one",
            )),
        }
    }
}

impl crate::wire::FromWire for EmvTagData {
    fn from_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Null => Ok(None),
            serde_json::Value::String(s) if s.trim().is_empty() => Ok(None),
            serde_json::Value::String(s) => s.parse().map(Some).map_err(de::Error::custom),
            serde_json::Value::Object(m) => Ok(Some(Self::from_map(m))),
            _ => Err(de::Error::custom(
                "emvTagData must be a JSON object or a string holding one",
            )),
        }
    }
}

model! {
    /// BIN information (`binInfo` of an auth with `bin:"Y"`, and the body of the `bin` endpoint).
    /// Full detail only for Visa/Mastercard; other brands give `country`, `product`, `bin`.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct BinInfo {
        /// Issuing country.
        country: String,
        /// Product: `A`, `D`, `M`, `N`, `V`.
        product: String,
        /// The BIN (6 digits in `binInfo`).
        bin: String,
        /// Card use, e.g. `Credit Hybrid (PIN and Signature)`.
        cardusestring: String,
        /// GSA card.
        gsa: bool,
        /// Corporate card.
        corporate: bool,
        /// FSA card.
        fsa: bool,
        /// Sub-type text.
        subtype: String,
        /// Purchase card.
        purchase: bool,
        /// Prepaid card.
        prepaid: bool,
        /// Issuer name.
        issuer: String,
        /// Low end of the BIN range (masked after 6 digits, `601100XXX`).
        binlo: String,
        /// High end of the BIN range (masked after 6 digits).
        binhi: String,
        /// `bin` endpoint: `true` when the request was fine (even with no data).
        success: bool,
        /// `bin` endpoint: why there is no data (`No bin information found.`, `Token not found`).
        errormsg: String,
    }
}

from_wire_via_deserialize!(LineItem, Receipt, BinInfo, UserFields);

/// The `account` echo of a response: a token, a masked PAN (`41XXXXXXXXXX1111`), or whatever
/// non-card text the request carried (`larry`). As a safety net, any value with more than ten
/// digits that is not a token is masked on the way in by the one PAN masking rule (first 6 and
/// last 4 at most, `X` for the rest), so a clear PAN can never sit in a response model.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MaskedAccount(String);

impl MaskedAccount {
    /// Wraps (and if needed masks) the value.
    ///
    /// # Errors
    /// [`ValueError`] for empty text or text longer than 512 characters.
    pub fn new(value: impl Into<String>) -> Result<Self, ValueError> {
        let value = value.into();
        crate::ids::check_len("account", &value, 1, 512)?;
        if Token::looks_like_token(&value) {
            return Ok(Self(value));
        }
        let digits = value.chars().filter(char::is_ascii_digit).count();
        if digits <= 10 {
            return Ok(Self(value));
        }
        let masked = cardpointe_emv::mask_pan(
            &value,
            cardpointe_emv::PanMask::FIRST_SIX_LAST_FOUR.with_fill('X'),
        );
        Ok(Self(masked))
    }

    /// The (masked) text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The token, when the echo is one.
    #[must_use]
    pub fn token(&self) -> Option<Token> {
        Token::new(self.0.as_str()).ok()
    }
}

impl fmt::Display for MaskedAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for MaskedAccount {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

crate::wire::text_serde!(MaskedAccount);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emv_tag_data_is_read_from_a_string_holding_json() {
        let body = r#"{"emvTagData":"{\"TVR\":\"0080008000\",\"AID\":\"A0000000031010\",\"Application Label\":\"VISA CREDIT\"}"}"#;
        #[derive(Deserialize)]
        struct W {
            #[serde(rename = "emvTagData")]
            e: EmvTagData,
        }
        let w: W = serde_json::from_str(body).unwrap();
        assert_eq!(w.e.aid(), Some("A0000000031010"));
        assert_eq!(w.e.tvr(), Some("0080008000"));
        assert_eq!(w.e.application_label(), Some("VISA CREDIT"));
        let again = serde_json::to_string(&w.e).unwrap();
        assert!(again.starts_with("\"{"), "{again}");
    }

    #[test]
    fn user_fields_read_both_shapes_and_keep_order() {
        let a: UserFields = serde_json::from_str(r#"[{"b":"2"},{"a":"1"}]"#).unwrap();
        let o: UserFields = serde_json::from_str(r#"{"b":"2","a":"1"}"#).unwrap();
        assert_eq!(a.get("a"), Some("1"));
        assert_eq!(o.get("b"), Some("2"));
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"[{"b":"2"},{"a":"1"}]"#
        );
    }

    #[test]
    fn masked_account_never_keeps_a_clear_pan() {
        let m = MaskedAccount::new("4111111111111111").unwrap();
        assert_eq!(m.as_str(), "411111XXXXXX1111");
        let t = MaskedAccount::new("9418594164541111").unwrap();
        assert_eq!(t.as_str(), "9418594164541111");
        assert!(t.token().is_some());
        assert_eq!(MaskedAccount::new("larry").unwrap().as_str(), "larry");
        assert_eq!(
            MaskedAccount::new("41XXXXXXXXXX1111").unwrap().as_str(),
            "41XXXXXXXXXX1111"
        );
    }
}
