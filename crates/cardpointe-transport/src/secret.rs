//! Credentials: a user name and a password that is masked in `Debug` and zeroed on drop.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
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
        // Encoded straight into the zeroizing buffer (no intermediate String to leave behind).
        let encoded = base64::encoded_len(plain.len(), true)?;
        let mut header = ZeroizedBuf(vec![0; 6 + encoded]);
        let (scheme, rest) = header.0.split_at_mut(6);
        scheme.copy_from_slice(b"Basic ");
        STANDARD.encode_slice(&*plain, rest).ok()?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_of_credentials_of_every_padding_length_decodes_back() {
        for (user, password) in [
            ("u", "p"),
            ("us", "p"),
            ("use", "p"),
            ("testing", "testing123"),
        ] {
            let header = Credentials::new(user, password)
                .authorization()
                .expect("ascii credentials make a header");
            let encoded = header
                .as_bytes()
                .strip_prefix(b"Basic ")
                .expect("Basic scheme");
            let decoded = STANDARD.decode(encoded).expect("valid base64");
            assert_eq!(decoded, format!("{user}:{password}").as_bytes());
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
