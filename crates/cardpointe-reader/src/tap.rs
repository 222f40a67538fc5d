//! The raw frame tap: every frame that crosses the link, rendered for debugging with card data
//! masked.

use std::fmt::{self, Write as _};

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

/// One frame seen on the link. Its text never contains card data: sensitive tags (PAN,
/// tracks, track-equivalent data, cardholder name, MSR records, encrypted blocks and their
/// masked copies) show as `<masked n bytes>`, and card-command data that is not TLV is
/// withheld.
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

/// Tags whose values are card data (or masked copies of it) and are never shown.
const SENSITIVE: &[u32] = &[
    0x56, 0x57, 0x5A, 0x5F20, 0x9F1F, 0x9F20, 0x9F6B, 0xDFEE23, 0xDFEE31, 0xDFEE32, 0xDFEF17,
    0xDFEF18, 0xDFEF4D, 0xDFEF5B, 0xDFEF5D, 0xFFEE13, 0xFFEE14,
];

/// Commands whose data may carry card data; their data is shown as TLVs (masked) or withheld.
const CARD_COMMANDS: &[u8] = &[0x02, 0x03, 0x60, 0x61];

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
                push_hex(&mut text, data);
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

fn push_hex(out: &mut String, bytes: &[u8]) {
    for b in bytes {
        let _ = write!(out, "{b:02X}");
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
        if render_tlvs(&mut rendered, tlvs, 0) {
            if !head.is_empty() {
                push_hex(out, head);
                out.push(' ');
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

/// Renders TLVs, masking sensitive values; `false` when the bytes are not well-formed TLV.
fn render_tlvs(out: &mut String, mut input: &[u8], depth: usize) -> bool {
    if depth > 4 {
        return false;
    }
    while !input.is_empty() {
        let Some((tag, tag_len, value, rest)) = next_tlv(input) else {
            return false;
        };
        let _ = write!(out, "{tag:X}=");
        let first = input.first().copied().unwrap_or(0);
        // ID TECH's 2-byte FFxx tags are primitive although bit 6 of FF is set.
        let constructed = first & 0x20 != 0 && !(first == 0xFF && tag_len == 2);
        if SENSITIVE.contains(&tag) {
            let _ = write!(out, "<masked {} bytes>", value.len());
        } else if constructed {
            out.push('{');
            let mut inner = String::new();
            if !render_tlvs(&mut inner, value, depth + 1) {
                return false;
            }
            out.push_str(inner.trim_end());
            out.push('}');
        } else {
            push_hex(out, value);
        }
        out.push(' ');
        input = rest;
    }
    true
}

/// `(tag, tag length, value, rest)`; ID TECH's `FFE0..FFEA` / `FFF0..FFFE` are 2-byte tags.
fn next_tlv(input: &[u8]) -> Option<(u32, usize, &[u8], &[u8])> {
    let first = *input.first()?;
    let mut tag = u32::from(first);
    let mut pos = 1;
    if first & 0x1F == 0x1F {
        let second = *input.get(1)?;
        let quirk =
            first == 0xFF && ((0xE0..=0xEA).contains(&second) || (0xF0..=0xFE).contains(&second));
        tag = (tag << 8) | u32::from(second);
        pos = 2;
        let mut byte = second;
        while !quirk && byte & 0x80 != 0 {
            byte = *input.get(pos)?;
            tag = (tag << 8) | u32::from(byte);
            pos += 1;
            if pos > 4 {
                return None;
            }
        }
    }
    let tag_len = pos;
    let len_byte = *input.get(pos)?;
    pos += 1;
    let len = match len_byte {
        0..=0x7F => usize::from(len_byte),
        0x81 => {
            pos += 1;
            usize::from(*input.get(pos - 1)?)
        }
        0x82 => {
            pos += 2;
            usize::from(u16::from_be_bytes([
                *input.get(pos - 2)?,
                *input.get(pos - 1)?,
            ]))
        }
        _ => return None,
    };
    let value = input.get(pos..pos.checked_add(len)?)?;
    Some((tag, tag_len, value, input.get(pos + len..)?))
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
        assert!(tapped.text.contains("5A=<masked 8 bytes>"), "{tapped}");
        assert!(tapped.text.contains("FFEE01={DFEE30=0C}"), "{tapped}");
        assert!(!tapped.text.contains("4788"), "{tapped}");
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
