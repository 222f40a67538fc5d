//! Tolerant reading of the gateway's JSON, in one place.
//!
//! The real gateway is loose: almost every value is a string, but some are numbers or booleans,
//! blanks stand for "absent", the UAT host shuffles keys and injects junk ones, and some bodies
//! are one object where another time they are a list. Every optional field of every model goes
//! through [`opt`], which accepts all of that; writing stays strict (see each type's `Serialize`).

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON scalar read as text: strings as they are, integers as their digits, floats in a form
/// that always keeps a decimal point (so `5.0` is never mistaken for 5 cents), booleans as
/// `true`/`false`.
/// Strings borrowed from the input (no escapes) are not copied.
#[derive(Debug)]
pub(crate) enum Scalar<'de> {
    /// A JSON string, or a number/boolean rendered as text.
    Text(Cow<'de, str>),
    /// JSON `null`.
    Null,
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number, boolean or null")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(Cow::Owned(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(Cow::Owned(v.to_string())))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(Cow::Owned(v.to_string())))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar<'de>, E> {
        // `{:?}` prints the shortest round-trip form and always keeps a `.` for finite values.
        Ok(Scalar::Text(Cow::Owned(format!("{v:?}"))))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(Cow::Borrowed(if v {
            "true"
        } else {
            "false"
        })))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar<'de>, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

/// Reads one scalar.
pub(crate) fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar<'de>, D::Error> {
    d.deserialize_any(ScalarVisitor)
}

/// A type that can be read tolerantly from the gateway's JSON as an optional field.
pub(crate) trait FromWire: Sized {
    /// Reads an optional value; `None` for `null` and, for validated newtypes, for blank text.
    ///
    /// # Errors
    /// The deserializer's error when the value is present but malformed.
    fn from_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error>;
}

/// Reads an optional field tolerantly (used by every optional field of every model).
///
/// # Errors
/// The deserializer's error when the value is present but malformed.
pub(crate) fn opt<'de, D: Deserializer<'de>, T: FromWire>(d: D) -> Result<Option<T>, D::Error> {
    T::from_wire(d)
}

/// Reads a required field tolerantly: like [`opt`], but `null`/blank is an error.
///
/// # Errors
/// The deserializer's error when the value is absent, blank or malformed.
pub(crate) fn req<'de, D: Deserializer<'de>, T: FromWire>(d: D) -> Result<T, D::Error> {
    T::from_wire(d)?.ok_or_else(|| de::Error::custom("a required field is null or blank"))
}

/// Implements [`FromWire`] for a type that parses from text with `FromStr`: blank → `None`.
macro_rules! from_wire_via_from_str {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::wire::FromWire for $t {
            fn from_wire<'de, D: ::serde::Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error> {
                match $crate::wire::scalar(d)? {
                    $crate::wire::Scalar::Null => Ok(None),
                    $crate::wire::Scalar::Text(t) if t.trim().is_empty() => Ok(None),
                    $crate::wire::Scalar::Text(t) => t
                        .parse::<$t>()
                        .map(Some)
                        .map_err(::serde::de::Error::custom),
                }
            }
        }
    )*};
}
pub(crate) use from_wire_via_from_str;

/// Implements [`FromWire`] (`null` → `None`) for a type that derives `Deserialize` (objects).
macro_rules! from_wire_via_deserialize {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::wire::FromWire for $t {
            fn from_wire<'de, D: ::serde::Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error> {
                <Option<$t> as ::serde::Deserialize>::deserialize(d)
            }
        }
    )*};
}
pub(crate) use from_wire_via_deserialize;

/// Implements `Serialize` (as its `Display` text) and `Deserialize` (tolerantly, via
/// [`FromWire`]) for a newtype with `FromStr` + `Display`.
macro_rules! text_serde {
    ($($t:ty),* $(,)?) => {$(
        $crate::wire::from_wire_via_from_str!($t);
        impl ::serde::Serialize for $t {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $t {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::wire::req(d)
            }
        }
    )*};
}
pub(crate) use text_serde;

from_wire_via_from_str!(u32, u64, i64);

/// Strings keep blanks (`" "` is a meaningful AVS answer, `""` an explicit empty value).
impl FromWire for String {
    fn from_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error> {
        Ok(match scalar(d)? {
            Scalar::Null => None,
            Scalar::Text(t) => Some(t.into_owned()),
        })
    }
}

/// Booleans: JSON `true`/`false`, and the flag spellings `Y`/`y`/`N`/`n`, `true`/`false` in a string.
impl FromWire for bool {
    fn from_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error> {
        match scalar(d)? {
            Scalar::Null => Ok(None),
            Scalar::Text(t) => parse_flag(&t).map_err(de::Error::custom),
        }
    }
}

/// Parses a flag: `Y`/`N` in either case, `true`/`false`, `1`/`0`; blank → `None`.
pub(crate) fn parse_flag(t: &str) -> Result<Option<bool>, &'static str> {
    match t.trim() {
        "" => Ok(None),
        "Y" | "y" | "true" | "TRUE" | "True" | "1" | "yes" | "Yes" | "YES" => Ok(Some(true)),
        "N" | "n" | "false" | "FALSE" | "False" | "0" | "no" | "No" | "NO" => Ok(Some(false)),
        _ => Err("a flag must be Y or N (either case) or a JSON boolean"),
    }
}

/// Lists: a JSON array, or a single object standing for a one-item list (profile read,
/// inquireByOrderid and friends); `null` → `None`.
impl<T: for<'a> Deserialize<'a>> FromWire for Vec<T> {
    fn from_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error> {
        d.deserialize_any(ListOrOne(PhantomData)).map(Some)
    }
}

/// Reads a JSON array of `T`, or one `T` object as a one-item list.
///
/// # Errors
/// The deserializer's error when neither shape fits.
pub(crate) fn list_or_one<'de, D: Deserializer<'de>, T: for<'a> Deserialize<'a>>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    d.deserialize_any(ListOrOne(PhantomData))
}

struct ListOrOne<T>(PhantomData<T>);

impl<'de, T: for<'a> Deserialize<'a>> Visitor<'de> for ListOrOne<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array or a single object")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(256));
        while let Some(item) = seq.next_element::<T>()? {
            out.push(item);
        }
        Ok(out)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Vec<T>, A::Error> {
        let one = T::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(vec![one])
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<T>, E> {
        // The UAT host sometimes sends "" where a list is empty.
        if v.trim().is_empty() {
            Ok(Vec::new())
        } else {
            Err(de::Error::invalid_type(
                de::Unexpected::Other("text"),
                &self,
            ))
        }
    }
}

/// A `Y`/`N` flag field that writes `"Y"`/`"N"` and reads `Y`/`y`/`N`/`n`, `true`/`false` (string
/// or JSON boolean), `1`/`0` and `yes`/`no`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[allow(
    clippy::exhaustive_enums,
    reason = "a flag is yes or no; exhaustive matching is the point"
)]
pub enum Flag {
    /// `Y`.
    Yes,
    /// `N` (the gateway's default for every flag).
    #[default]
    No,
}

impl Flag {
    /// `true` for [`Flag::Yes`].
    #[must_use]
    pub const fn is_yes(self) -> bool {
        matches!(self, Self::Yes)
    }
}

impl From<bool> for Flag {
    fn from(v: bool) -> Self {
        if v { Self::Yes } else { Self::No }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_yes() { "Y" } else { "N" })
    }
}

impl FromStr for Flag {
    type Err = crate::ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match parse_flag(s) {
            Ok(Some(v)) => Ok(v.into()),
            Ok(None) => Err(crate::ValueError::Empty { kind: "flag" }),
            Err(_) => Err(crate::ValueError::Format {
                kind: "flag",
                expected: "Y or N (either case) or a JSON boolean",
            }),
        }
    }
}

text_serde!(Flag);

/// Declares a model struct whose optional fields are all `Option<T>`, read with [`opt`] (tolerant,
/// blank → `None`), skipped when `None` on write. Required fields (if any) come first in an
/// `@required { … }` block and are read with [`req`].
macro_rules! model {
    (
        $(#[$smeta:meta])*
        pub struct $name:ident {
            $( @required {
                $( $(#[$rmeta:meta])* $rfield:ident : $rty:ty ),* $(,)?
            } )?
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$smeta])*
        pub struct $name {
            $($(
                $(#[$rmeta])*
                #[serde(deserialize_with = "crate::wire::req")]
                pub $rfield: $rty,
            )*)?
            $(
                $(#[$fmeta])*
                #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::wire::opt")]
                pub $field: Option<$ty>,
            )*
        }
    };
}
pub(crate) use model;
