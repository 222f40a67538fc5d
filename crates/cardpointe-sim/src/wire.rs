//! The JSON wire conventions of the gateway: tolerant reading of request fields (strings or
//! numbers, any case of Y/N flags, extra keys), the dual amount notation, and response objects
//! written in insertion order (or shuffled, with junk keys, in UAT chaos mode).

use std::borrow::Cow;

use serde_json::{Map, Value};

/// `respstat` is the model crate's [`cardpointe_types::RespStat`]: one type for the verdict,
/// in what the emulator writes and what its clients read.
pub(crate) use cardpointe_types::RespStat;

/// Parses a request amount into minor units.
///
/// Strings with a decimal point are major units (`"10.00"`, `"10.5"`), strings without are
/// minor units (`"1000"`); JSON integers are minor units (a PHP client sends `500` for $5.00),
/// JSON fractions are major units. A leading `-` is allowed. Anything else is `None`
/// (PPS 43 "Invalid amount"). More than two decimals are refused, as is more than 12 digits.
pub(crate) fn parse_amount(value: &Value) -> Option<i64> {
    match value {
        Value::String(text) => parse_amount_text(text.trim()),
        Value::Number(number) => {
            if let Some(i) = number.as_i64() {
                (i.unsigned_abs() < 1_000_000_000_000).then_some(i)
            } else {
                let f = number.as_f64()?;
                let minor = (f * 100.0).round();
                (minor.is_finite() && minor.abs() < 1e12).then_some(minor as i64)
            }
        }
        _ => None,
    }
}

fn parse_amount_text(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.is_empty() || digits.len() > 14 {
        return None;
    }
    let minor = match digits.split_once('.') {
        Some((whole, frac)) => {
            if frac.len() > 2 || !all_digits(whole) || !(frac.is_empty() || all_digits(frac)) {
                return None;
            }
            if whole.is_empty() && frac.is_empty() {
                return None;
            }
            let whole: i64 = if whole.is_empty() {
                0
            } else {
                whole.parse().ok()?
            };
            let cents: i64 = match frac.len() {
                0 => 0,
                1 => frac.parse::<i64>().ok()? * 10,
                _ => frac.parse().ok()?,
            };
            whole.checked_mul(100)?.checked_add(cents)?
        }
        None => {
            if !all_digits(digits) {
                return None;
            }
            digits.parse().ok()?
        }
    };
    if minor >= 1_000_000_000_000 {
        return None;
    }
    Some(if negative { -minor } else { minor })
}

pub(crate) fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// Formats minor units as the gateway does in responses: `"9.98"`, `"0.00"`, `"-5.00"`.
pub(crate) fn format_amount(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Read access to a request object that never fails on a type surprise.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields<'a>(pub(crate) &'a Map<String, Value>);

impl<'a> Fields<'a> {
    /// The raw value.
    pub(crate) fn raw(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    /// A field as text: strings as-is (trimmed), numbers and booleans printed; empty → `None`.
    pub(crate) fn text(&self, name: &str) -> Option<String> {
        let text = match self.raw(name)? {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return None,
        };
        (!text.is_empty()).then_some(text)
    }

    /// A Y/N flag in any case (`"Y"`, `"y"`, `"yes"`, `true`, `"true"`).
    pub(crate) fn flag(&self, name: &str) -> bool {
        match self.raw(name) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => {
                let s = s.trim();
                s.eq_ignore_ascii_case("y")
                    || s.eq_ignore_ascii_case("yes")
                    || s.eq_ignore_ascii_case("true")
            }
            _ => false,
        }
    }
}

/// A JSON object under construction, in insertion order. Keys are mostly `'static` literals,
/// so building an answer allocates little.
#[derive(Debug, Clone, Default)]
pub(crate) struct Obj(pub(crate) Vec<(Cow<'static, str>, Value)>);

impl Obj {
    pub(crate) fn new() -> Self {
        Self(Vec::with_capacity(20))
    }

    /// Adds a string field.
    pub(crate) fn s(
        &mut self,
        key: impl Into<Cow<'static, str>>,
        value: impl Into<String>,
    ) -> &mut Self {
        self.0.push((key.into(), Value::String(value.into())));
        self
    }

    /// Adds a string field when present.
    pub(crate) fn opt(
        &mut self,
        key: impl Into<Cow<'static, str>>,
        value: Option<impl Into<String>>,
    ) -> &mut Self {
        if let Some(value) = value {
            self.s(key, value);
        }
        self
    }

    /// Adds any JSON value.
    pub(crate) fn v(&mut self, key: impl Into<Cow<'static, str>>, value: Value) -> &mut Self {
        self.0.push((key.into(), value));
        self
    }

    /// Replaces or adds a string field.
    pub(crate) fn set(&mut self, key: &'static str, value: impl Into<String>) -> &mut Self {
        let value = Value::String(value.into());
        if let Some(slot) = self.0.iter_mut().find(|(k, _)| k == key) {
            slot.1 = value;
        } else {
            self.0.push((Cow::Borrowed(key), value));
        }
        self
    }

    /// A response model of `cardpointe-types` as an answer object, so chaos mode and faults
    /// treat it like every other answer (keys in serde_json's map order). `None` only if the
    /// model does not serialise to a JSON object.
    pub(crate) fn from_model<T: serde::Serialize>(model: &T) -> Option<Self> {
        match serde_json::to_value(model) {
            Ok(Value::Object(map)) => Some(Self(
                map.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect(),
            )),
            _ => None,
        }
    }

    /// The value of a key.
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Into a `serde_json::Value` (key order then follows serde_json's map).
    pub(crate) fn into_value(self) -> Value {
        Value::Object(
            self.0
                .into_iter()
                .map(|(k, v)| (k.into_owned(), v))
                .collect(),
        )
    }

    /// Writes the object in insertion order.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        for (i, (key, value)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            // Writing JSON into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *out, key.as_ref());
            out.push(b':');
            let _ = serde_json::to_writer(&mut *out, value);
        }
        out.push(b'}');
    }
}

/// A small deterministic generator (SplitMix64) for ids, chaos and fault probabilities. The
/// emulator needs no cryptographic randomness.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix(pub(crate) u64);

impl SplitMix {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..bound` (`bound > 0`).
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }
}

/// A stable 64-bit hash (FNV-1a then a SplitMix finaliser) used to derive deterministic tokens;
/// stable across builds and restarts, unlike `std`'s `DefaultHasher`.
pub(crate) fn stable_hash(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xCBF2_9CE4_8422_2325;
    for part in parts {
        for byte in *part {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01B3);
        }
        hash ^= 0xFF;
        hash = hash.wrapping_mul(0x0100_0000_01B3);
    }
    SplitMix(hash).next_u64()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amounts_follow_the_dual_notation() {
        assert_eq!(parse_amount(&json!("10.00")), Some(1000));
        assert_eq!(parse_amount(&json!("998")), Some(998));
        assert_eq!(parse_amount(&json!("10.5")), Some(1050));
        assert_eq!(parse_amount(&json!(500)), Some(500));
        assert_eq!(parse_amount(&json!(5.5)), Some(550));
        assert_eq!(parse_amount(&json!("-1.00")), Some(-100));
        assert_eq!(parse_amount(&json!("111695")), Some(111_695));
        for bad in [
            json!("1.234"),
            json!("abc"),
            json!(""),
            json!("."),
            json!("1e3"),
            json!(null),
            json!([]),
        ] {
            assert_eq!(parse_amount(&bad), None, "{bad}");
        }
        assert_eq!(format_amount(998), "9.98");
        assert_eq!(format_amount(0), "0.00");
        assert_eq!(format_amount(-500), "-5.00");
    }

    #[test]
    fn flags_are_read_in_any_case() {
        let map = json!({"a":"y","b":"Y","c":true,"d":"N","e":"json"});
        let f = Fields(map.as_object().unwrap());
        assert!(f.flag("a") && f.flag("b") && f.flag("c"));
        assert!(!f.flag("d") && !f.flag("e") && !f.flag("missing"));
    }
}
