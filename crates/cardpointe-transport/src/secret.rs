//! Credentials: a user name and a password that is masked in `Debug` and zeroed on drop.

use std::fmt;

use bytes::Bytes;
use http::HeaderValue;
use zeroize::{Zeroize, Zeroizing};

/// A password for the CardPointe Gateway.
///
/// `Debug` prints `Password(***)`; the memory is zeroed when the value is dropped. There is no
/// `Display` and no accessor: the only thing the client does with it is build the `Authorization`
/// header, whose buffer is zeroed too when the last clone of the [`Client`](crate::Client) goes.
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wraps a password.
    pub fn new(password: impl Into<String>) -> Self {
        Self(Zeroizing::new(password.into()))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl From<String> for Password {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Password {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

/// Basic-auth credentials for the CardPointe Gateway (spec 1.2).
///
/// Credentials can be scoped to one merchant id or to every merchant id of a site; the gateway
/// answers HTTP 401 both for a wrong password and for a merchant id the credentials do not cover.
#[derive(Clone)]
pub struct Credentials {
    username: String,
    password: Password,
}

impl Credentials {
    /// Credentials from a user name and a password.
    pub fn new(username: impl Into<String>, password: impl Into<Password>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }

    /// The user name (not secret).
    pub fn username(&self) -> &str {
        &self.username
    }

    pub(crate) fn password(&self) -> &Password {
        &self.password
    }

    /// The `Authorization: Basic …` header value, marked sensitive (never indexed by HPACK), in a
    /// buffer that is zeroed when its last clone is dropped.
    pub(crate) fn authorization(&self) -> Option<HeaderValue> {
        let mut plain = Zeroizing::new(Vec::with_capacity(
            self.username.len() + 1 + self.password.expose().len(),
        ));
        plain.extend_from_slice(self.username.as_bytes());
        plain.push(b':');
        plain.extend_from_slice(self.password.expose().as_bytes());
        let mut header = ZeroizedBuf(Vec::with_capacity(6 + plain.len().div_ceil(3) * 4));
        header.0.extend_from_slice(b"Basic ");
        base64_encode(&plain, &mut header.0);
        let mut value = HeaderValue::from_maybe_shared(Bytes::from_owner(header)).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &self.password)
            .finish()
    }
}

/// A byte buffer that zeroes itself on drop; the owner of the shared `Authorization` bytes.
struct ZeroizedBuf(Vec<u8>);

impl AsRef<[u8]> for ZeroizedBuf {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for ZeroizedBuf {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// Standard base64 (RFC 4648, with padding), enough for a Basic-auth header.
fn base64_encode(input: &[u8], out: &mut Vec<u8>) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let symbol = |index: u32| ALPHABET.get((index & 63) as usize).copied().unwrap_or(b'=');
    for chunk in input.chunks(3) {
        let b0 = chunk.first().copied().map_or(0, u32::from);
        let b1 = chunk.get(1).copied().map_or(0, u32::from);
        let b2 = chunk.get(2).copied().map_or(0, u32::from);
        let triple = (b0 << 16) | (b1 << 8) | b2;
        out.push(symbol(triple >> 18));
        out.push(symbol(triple >> 12));
        out.push(if chunk.len() > 1 {
            symbol(triple >> 6)
        } else {
            b'='
        });
        out.push(if chunk.len() > 2 {
            symbol(triple)
        } else {
            b'='
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            let mut out = Vec::new();
            base64_encode(input.as_bytes(), &mut out);
            assert_eq!(out, expected.as_bytes(), "input {input:?}");
        }
    }

    #[test]
    fn authorization_header_is_basic_base64_and_sensitive() {
        let header = Credentials::new("testing", "testing123")
            .authorization()
            .expect("ascii credentials make a header");
        assert_eq!(header.as_bytes(), b"Basic dGVzdGluZzp0ZXN0aW5nMTIz");
        assert!(header.is_sensitive());
    }

    #[test]
    fn debug_never_shows_the_password() {
        let text = format!("{:?}", Credentials::new("testing", "hunter2-secret"));
        assert!(text.contains("testing"));
        assert!(!text.contains("hunter2"));
        assert!(text.contains("***"));
    }
}
