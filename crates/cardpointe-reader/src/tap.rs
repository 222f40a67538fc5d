//! The raw frame tap: every frame that crosses the link, rendered for debugging with card data
//! masked. What counts as card data, and how it shows, is `cardpointe-emv`'s masking
//! ([`is_sensitive`], [`MaskedValue`]): one list for the whole workspace.

use std::fmt::{self, Write as _};

use cardpointe_emv::{Hex, MaskedValue, Options, Tlvs, is_sensitive};
use cardpointe_vp3300::{Frame, FrameKind};

/// Which way a tapped frame went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TapDirection {
    /// Host to reader.
    Sent,
    /// Reader to host.
    Received,
}

/// One frame seen on the link. Its text never contains card data: sensitive tags show as
/// `cardpointe-emv`'s [`MaskedValue`] shows them (a PAN as first 6 / last 4 digits at most;
/// tracks, track-equivalent data, MSR records, names, PIN data and ciphertext as their length
/// only), and card-command data that is not TLV is withheld.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TappedFrame {
    /// Which way it went.
    pub direction: TapDirection,
    /// Command byte.
    pub command: u8,
    /// Sub-command (commands, callbacks) or status (responses).
    pub kind: FrameKind,
    /// Number of data bytes.
    pub data_len: usize,
    /// The rendering, card data masked.
    pub text: String,
}

impl fmt::Display for TappedFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Commands whose data may carry card data; their data is shown as TLVs (masked) or withheld.
const CARD_COMMANDS: &[u8] = &[0x02, 0x03, 0x60, 0x61];

/// How deep constructed TLVs are rendered; deeper data is withheld.
const MAX_DEPTH: usize = 4;

impl TappedFrame {
    /// Renders `frame`.
    #[must_use]
    pub fn new(direction: TapDirection, frame: &Frame) -> Self {
        let arrow = match direction {
            TapDirection::Sent => "->",
            TapDirection::Received => "<-",
        };
        let mut text = String::new();
        let _ = match frame.kind {
            FrameKind::Command { sub_command } => {
                write!(text, "{arrow} {:02X}-{sub_command:02X}", frame.command)
            }
            FrameKind::Response { status, .. } => {
                write!(text, "{arrow} {:02X} status {status}", frame.command)
            }
            FrameKind::Unsolicited { sub_command } => write!(
                text,
                "{arrow} {:02X}-{sub_command:02X} (from the reader)",
                frame.command
            ),
            _ => write!(text, "{arrow} {:02X}", frame.command),
        };
        let data = &frame.data[..];
        let _ = write!(text, " [{} bytes]", data.len());
        if !data.is_empty() {
            text.push(' ');
            if CARD_COMMANDS.contains(&frame.command) {
                render_card_data(&mut text, data, frame.command);
            } else {
                let _ = write!(text, "{}", Hex(data));
            }
        }
        Self {
            direction,
            command: frame.command,
            kind: frame.kind,
            data_len: data.len(),
            text,
        }
    }
}

fn render_card_data(out: &mut String, data: &[u8], command: u8) {
    // 02-40 answers start with an attribution byte, 02-40 requests with a timeout byte,
    // 60-10 requests with five bytes of flags and timeouts, 60-12 with the host result.
    for prefix in [0usize, 1, 5] {
        let Some((head, tlvs)) = data.split_at_checked(prefix) else {
            continue;
        };
        let mut rendered = String::new();
        if render_tlvs(&mut rendered, Tlvs::new(tlvs, Options::id_tech()), 0) {
            if !head.is_empty() {
                let _ = write!(out, "{} ", Hex(head));
            }
            out.push_str(rendered.trim_end());
            return;
        }
    }
    let _ = write!(
        out,
        "<{} bytes withheld: not TLV, command {command:02X}>",
        data.len()
    );
}

/// Renders TLVs (ID TECH dialect), card data masked the way `cardpointe-emv` decides; `false` when the bytes are not well-formed TLV.
fn render_tlvs(out: &mut String, tlvs: Tlvs<'_>, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    for item in tlvs {
        let Ok(tlv) = item else {
            return false;
        };
        let tag = tlv.tag();
        let _ = write!(out, "{tag}=");
        if is_sensitive(tag) {
            let _ = write!(out, "{}", MaskedValue::new(tag, tlv.value()));
        } else if tlv.is_constructed() {
            out.push('{');
            let mut inner = String::new();
            if !render_tlvs(&mut inner, tlv.children(), depth + 1) {
                return false;
            }
            out.push_str(inner.trim_end());
            out.push('}');
        } else {
            let _ = write!(out, "{}", Hex(tlv.value()));
        }
        out.push(' ');
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use cardpointe_vp3300::StatusCode;

    #[test]
    fn sensitive_tags_are_masked_and_the_rest_shown() {
        let mut data = vec![0xEC];
        data.extend_from_slice(&[0xDF, 0xEE, 0x25, 0x02, 0x00, 0x11]);
        data.extend_from_slice(&[0x5A, 0x08, 0x47, 0x88, 0x25, 0x00, 0x00, 0x12, 0x14, 0x43]);
        data.extend_from_slice(&[0xFF, 0xEE, 0x01, 0x05, 0xDF, 0xEE, 0x30, 0x01, 0x0C]);
        let frame = Frame::response(0x02, StatusCode::Ok, data);
        let tapped = TappedFrame::new(TapDirection::Received, &frame);
        assert!(tapped.text.contains("DFEE25=0011"), "{tapped}");
        assert!(tapped.text.contains("5A=478825******1443"), "{tapped}");
        assert!(tapped.text.contains("FFEE01={DFEE30=0C}"), "{tapped}");
        assert!(!tapped.text.contains("4788250000121443"), "{tapped}");
    }

    #[test]
    fn tracks_and_encrypted_blocks_show_only_their_length() {
        let mut data = vec![0xEC];
        data.extend_from_slice(&[0xDF, 0xEE, 0x23, 0x05, 0x02, 0x3B, 0x34, 0x37, 0x38]);
        data.extend_from_slice(&[0x57, 0x04, 0x47, 0x88, 0x25, 0x00]);
        let frame = Frame::response(0x02, StatusCode::Ok, data);
        let tapped = TappedFrame::new(TapDirection::Received, &frame);
        assert!(
            tapped.text.contains("DFEE23=<track data masked, 5 bytes>"),
            "{tapped}"
        );
        assert!(
            tapped.text.contains("57=<track data masked, 4 bytes>"),
            "{tapped}"
        );
        assert!(!tapped.text.contains("3B343738"), "{tapped}");
    }

    #[test]
    fn card_command_data_that_is_not_tlv_is_withheld() {
        let frame = Frame::response(
            0x60,
            StatusCode::Ok,
            vec![0x02, 0x9F, 0xFF, 0xFF, 0xFF, 0x41, 0x41],
        );
        let tapped = TappedFrame::new(TapDirection::Received, &frame);
        assert!(tapped.text.contains("withheld"), "{tapped}");
    }

    #[test]
    fn housekeeping_data_is_shown_in_hex() {
        let frame = Frame::command(0x01, 0x01, vec![0x01]);
        let tapped = TappedFrame::new(TapDirection::Sent, &frame);
        assert_eq!(tapped.text, "-> 01-01 [1 bytes] 01");
    }
}
