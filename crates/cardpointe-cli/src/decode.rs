//! `cardpointe decode frame|tlv|msr`: what a reader log line means, as text or a stable JSON
//! schema. Card data is masked unless `--unmasked` is given.

use cardpointe_emv::{Options, Sensitivity, Tag, Tlv, dict};
use cardpointe_vp3300::crc::crc16;
use cardpointe_vp3300::frame::{self, CrcOrder, Direction, FrameKind, Protocol, Status};
use cardpointe_vp3300::msr::{MsrRecord, lrc_and_checksum};
use serde::Serialize;

use crate::hexin::upper;

/// What to show of card data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Show {
    /// First six / last four of PANs, lengths of everything else.
    Masked,
    /// Everything, as read (`--unmasked`).
    Unmasked,
}

/// Which way a frame travelled, when the CRC byte order cannot tell (a bad CRC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum DirectionArg {
    /// From the CRC byte order (a bad CRC is read as reader → host).
    Auto,
    /// Host (phone/PC) → reader: commands.
    Host,
    /// Reader → host: responses and unsolicited frames.
    Reader,
}

/// Logs may hold any frame the 16-bit length field allows.
const MAX_DATA_LEN: usize = 0xFFFF;

fn masked_bytes(len: usize) -> String {
    format!("MASKED({len} bytes; --unmasked shows them)")
}

// ---------------------------------------------------------------------------------------------
// frame

/// The frame schema: `{"protocol","direction","command","sub_command","status","length",
/// "data","crc","crc_valid"}`, hex in upper case.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct FrameJson {
    /// `"V2"` (`ViVOtech2\0`) or `"V3"` (`ViVOpayV3\0`).
    pub(crate) protocol: &'static str,
    /// `"host_to_reader"` or `"reader_to_host"`.
    pub(crate) direction: &'static str,
    /// Command byte, hex.
    pub(crate) command: String,
    /// Sub-command byte, hex; `null` for protocol 2 responses (the status takes its place).
    pub(crate) sub_command: Option<String>,
    /// Status byte, hex; `null` for commands and unsolicited frames.
    pub(crate) status: Option<String>,
    /// Data length (bytes 12..13).
    pub(crate) length: usize,
    /// The data, hex; `MASKED(n bytes…)` for frames that carry card data unless `--unmasked`.
    pub(crate) data: String,
    /// The two CRC bytes as they appear on the wire, hex.
    pub(crate) crc: String,
    /// Whether the CRC matches (in either byte order).
    pub(crate) crc_valid: bool,
    #[serde(skip)]
    status_meaning: Option<&'static str>,
}

/// Commands whose reader answers carry card data (activate 02-40, 03-40, contact EMV 60-xx,
/// the transaction result 23-xx) — their data is masked unless `--unmasked`.
const fn carries_card_data(command: u8, direction: Direction) -> bool {
    matches!(direction, Direction::ReaderToHost) && matches!(command, 0x02 | 0x03 | 0x23 | 0x60)
}

/// Decodes one frame.
pub(crate) fn frame(
    bytes: &[u8],
    direction: DirectionArg,
    show: Show,
) -> Result<FrameJson, String> {
    let guess = match direction {
        DirectionArg::Host => Direction::HostToReader,
        DirectionArg::Auto | DirectionArg::Reader => Direction::ReaderToHost,
    };
    let total = match frame::frame_len(bytes, guess, MAX_DATA_LEN) {
        Ok(Status::Complete(total)) => total,
        Ok(_) => {
            return Err(format!(
                "the frame is incomplete: {} bytes given, a NEO 2 frame needs at least 16 \
                 (header, command, sub-command/status, length, CRC); paste the whole frame",
                bytes.len()
            ));
        }
        Err(e) => {
            return Err(format!(
                "{e}; a VP3300 frame starts with 56 69 56 4F 74 65 63 68 32 00 (\"ViVOtech2\\0\") or the ViVOpayV3 header"
            ));
        }
    };
    if bytes.len() < total {
        return Err(format!(
            "the frame declares {} data bytes, so it is {total} bytes long, but only {} were \
             given; paste the whole frame",
            total.saturating_sub(16),
            bytes.len()
        ));
    }
    if bytes.len() > total {
        return Err(format!(
            "{} bytes follow the end of the frame at offset {total}; give one frame per line",
            bytes.len() - total
        ));
    }
    let (covered, wire_crc) = bytes.split_at(total - 2);
    let computed = crc16(covered);
    let valid_order = if wire_crc == computed.to_be_bytes() {
        Some(CrcOrder::HighFirst)
    } else if wire_crc == computed.to_le_bytes() {
        Some(CrcOrder::LowFirst)
    } else {
        None
    };
    let direction = match (direction, valid_order) {
        (DirectionArg::Host, _) => Direction::HostToReader,
        (DirectionArg::Reader, _) => Direction::ReaderToHost,
        (DirectionArg::Auto, Some(CrcOrder::LowFirst)) => Direction::HostToReader,
        (DirectionArg::Auto, _) => Direction::ReaderToHost,
    };
    // Parse a copy whose CRC is made right, so a frame with a bad CRC still shows its fields.
    let mut fixed = bytes.to_vec();
    let crc_bytes = match direction {
        Direction::HostToReader => computed.to_le_bytes(),
        _ => computed.to_be_bytes(),
    };
    if let Some(tail) = fixed.get_mut(total - 2..) {
        tail.copy_from_slice(&crc_bytes);
    }
    let parsed = match frame::parse_frame(&fixed, direction, MAX_DATA_LEN) {
        Ok(Status::Complete(p)) => p,
        Ok(_) => return Err("the frame is incomplete".to_owned()),
        Err(e) => return Err(e.to_string()),
    };
    let f = parsed.frame;
    let (sub_command, status, status_meaning) = match f.kind {
        FrameKind::Command { sub_command } | FrameKind::Unsolicited { sub_command } => {
            (Some(format!("{sub_command:02X}")), None, None)
        }
        FrameKind::Response {
            status,
            sub_command,
        } => (
            sub_command.map(|s| format!("{s:02X}")),
            Some(format!("{:02X}", status.byte())),
            Some(status.meaning()),
        ),
        _ => (None, None, None),
    };
    let data =
        if show == Show::Masked && carries_card_data(f.command, direction) && !f.data.is_empty() {
            masked_bytes(f.data.len())
        } else {
            upper(f.data)
        };
    Ok(FrameJson {
        protocol: match f.protocol {
            Protocol::V3 => "V3",
            _ => "V2",
        },
        direction: match direction {
            Direction::HostToReader => "host_to_reader",
            _ => "reader_to_host",
        },
        command: format!("{:02X}", f.command),
        sub_command,
        status,
        length: f.data.len(),
        data,
        crc: upper(wire_crc),
        crc_valid: valid_order.is_some(),
        status_meaning,
    })
}

/// The text form of a decoded frame.
pub(crate) fn frame_text(f: &FrameJson) -> String {
    let mut out = format!(
        "protocol    {}\ndirection   {}\ncommand     {}",
        f.protocol, f.direction, f.command
    );
    if let Some(s) = &f.sub_command {
        out.push_str(&format!("\nsub-command {s}"));
    }
    if let Some(s) = &f.status {
        out.push_str(&format!(
            "\nstatus      {s} ({})",
            f.status_meaning.unwrap_or("unknown")
        ));
    }
    out.push_str(&format!(
        "\nlength      {}\ndata        {}\ncrc         {} ({})",
        f.length,
        if f.data.is_empty() { "(none)" } else { &f.data },
        f.crc,
        if f.crc_valid { "valid" } else { "INVALID" }
    ));
    out
}

// ---------------------------------------------------------------------------------------------
// tlv

/// One TLV object: `{"tag","name","length","value","children"}`; `children` only for
/// constructed tags.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct TlvJson {
    /// Tag, hex.
    pub(crate) tag: String,
    /// Dictionary name.
    pub(crate) name: &'static str,
    /// Value length.
    pub(crate) length: usize,
    /// Value, hex; card data masked unless `--unmasked` (PAN: first 6 / last 4).
    pub(crate) value: String,
    /// Nested objects, for constructed tags only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) children: Option<Vec<TlvJson>>,
}

/// Decodes a TLV buffer.
pub(crate) fn tlv(bytes: &[u8], id_tech: bool, show: Show) -> Result<Vec<TlvJson>, String> {
    let options = if id_tech {
        Options::id_tech()
    } else {
        Options::emv()
    };
    let items = cardpointe_emv::Tlvs::new(bytes, options);
    let out = level(items, show, 0)?;
    if out.is_empty() {
        return Err("no TLV objects were found (only padding?)".to_owned());
    }
    Ok(out)
}

fn level(
    items: cardpointe_emv::Tlvs<'_>,
    show: Show,
    depth: usize,
) -> Result<Vec<TlvJson>, String> {
    let mut out = Vec::new();
    for item in items {
        let tlv = item.map_err(|e| {
            format!("{e} (the objects before it are well formed; check for a missing byte, or try --idtech for ID TECH reader output)")
        })?;
        out.push(one(&tlv, show, depth)?);
    }
    Ok(out)
}

fn contains_card_data(tlv: &Tlv<'_>) -> bool {
    tlv.walk().any(|v| {
        v.map_or(true, |v| {
            v.tlv.marker().is_some() || cardpointe_emv::is_sensitive(v.tlv.tag())
        })
    })
}

fn one(tlv: &Tlv<'_>, show: Show, depth: usize) -> Result<TlvJson, String> {
    let tag = tlv.tag();
    let value = tlv.value();
    let shown = match show {
        Show::Unmasked => upper(value),
        Show::Masked if tlv.is_constructed() => {
            if contains_card_data(tlv) {
                masked_bytes(value.len())
            } else {
                upper(value)
            }
        }
        Show::Masked if tlv.marker().is_some() => masked_bytes(value.len()),
        Show::Masked => match cardpointe_emv::sensitivity(tag) {
            Sensitivity::Public => upper(value),
            Sensitivity::Pan => cardpointe_emv::MaskedValue::new(tag, value).to_string(),
            _ => masked_bytes(value.len()),
        },
    };
    let children = if tlv.is_constructed() {
        if depth > 32 {
            return Err("TLV nesting is deeper than 32 levels".to_owned());
        }
        Some(level(tlv.children(), show, depth + 1)?)
    } else {
        None
    };
    Ok(TlvJson {
        tag: tag_hex(tag),
        name: dict::name_of(tag),
        length: value.len(),
        value: shown,
        children,
    })
}

fn tag_hex(tag: Tag) -> String {
    tag.to_string()
}

/// The text form: one object per line, indented by depth, with decoded values when masked
/// output is allowed to show them.
pub(crate) fn tlv_text(items: &[TlvJson]) -> String {
    fn walk(items: &[TlvJson], depth: usize, out: &mut String) {
        for t in items {
            out.push_str(&"  ".repeat(depth));
            out.push_str(&format!("{} {} ({} bytes)", t.tag, t.name, t.length));
            match &t.children {
                Some(children) => {
                    out.push('\n');
                    walk(children, depth + 1, out);
                }
                None => out.push_str(&format!(": {}\n", t.value)),
            }
        }
    }
    let mut out = String::new();
    walk(items, 0, &mut out);
    out.trim_end().to_owned()
}

// ---------------------------------------------------------------------------------------------
// msr

/// Every field of an enhanced MSR record, with `lrc_valid` and `checksum_valid`.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct MsrJson {
    /// `"binary"` (the record's bytes as hex, as BLE and HID carry it) or `"keyboard"` (the
    /// hex-ASCII form a reader in keyboard mode types: hex fields, ASCII masked tracks).
    pub(crate) form: &'static str,
    /// Card-data length (bytes 1..2, little-endian): bytes, or characters in keyboard form.
    pub(crate) length: usize,
    /// Byte 3, hex.
    pub(crate) encode_type: String,
    /// Its meaning.
    pub(crate) encode_type_name: &'static str,
    /// Byte 4, hex.
    pub(crate) track_status: String,
    /// Byte 5.
    pub(crate) track1_length: u8,
    /// Byte 6.
    pub(crate) track2_length: u8,
    /// Byte 7.
    pub(crate) track3_length: u8,
    /// Byte 8, hex.
    pub(crate) clear_mask_status: String,
    /// Byte 9, hex.
    pub(crate) encrypted_hash_status: String,
    /// Field 11, hex (empty when absent).
    pub(crate) optional_status: String,
    /// Fields 12..14: clear/masked tracks (clear PAN digits masked unless `--unmasked`).
    pub(crate) track1: Option<String>,
    /// Track 2.
    pub(crate) track2: Option<String>,
    /// Track 3.
    pub(crate) track3: Option<String>,
    /// Fields 15..17: encrypted tracks (hex with `--unmasked`, else their length).
    pub(crate) track1_encrypted: Option<String>,
    /// Track 2, encrypted.
    pub(crate) track2_encrypted: Option<String>,
    /// Track 3, encrypted.
    pub(crate) track3_encrypted: Option<String>,
    /// Field 18, hex.
    pub(crate) session_id: Option<String>,
    /// Fields 19..21, hex.
    pub(crate) track1_hash: Option<String>,
    /// Track 2 hash.
    pub(crate) track2_hash: Option<String>,
    /// Track 3 hash.
    pub(crate) track3_hash: Option<String>,
    /// Field 22, ASCII.
    pub(crate) serial: Option<String>,
    /// Field 23, hex.
    pub(crate) ksn: Option<String>,
    /// Fields 24..26, hex.
    pub(crate) mac: Option<String>,
    /// Card-data bytes after the last known field, hex.
    pub(crate) trailing: String,
    /// The LRC byte of the record, hex.
    pub(crate) lrc: String,
    /// Whether it is the XOR of the card data.
    pub(crate) lrc_valid: bool,
    /// The checksum byte, hex.
    pub(crate) checksum: String,
    /// Whether it is the sum of the card data mod 256.
    pub(crate) checksum_valid: bool,
}

/// Masks a clear track: PAN digits beyond the first six and last four, the name, and
/// everything after the expiry/service code become `*`. Reader-masked tracks pass unchanged.
fn mask_track(text: &str) -> String {
    #[derive(PartialEq)]
    enum Part {
        Prefix,
        Pan,
        Name,
        Expiry(u8),
        Rest,
    }
    let chars: Vec<char> = text.chars().collect();
    let pan_len = chars
        .iter()
        .skip_while(|c| !c.is_ascii_digit() && **c != '*')
        .take_while(|c| c.is_ascii_digit() || **c == '*')
        .count();
    let mut part = Part::Prefix;
    let mut pan_index = 0;
    let mut out = String::with_capacity(text.len());
    for c in chars {
        if part == Part::Prefix && (c.is_ascii_digit() || c == '*') {
            part = Part::Pan;
        }
        let shown = match part {
            Part::Prefix => c,
            Part::Pan if c == '^' => {
                part = Part::Name;
                c
            }
            Part::Pan if c == '=' => {
                part = Part::Expiry(0);
                c
            }
            Part::Pan => {
                pan_index += 1;
                if pan_index <= 6 || pan_index + 4 > pan_len {
                    c
                } else {
                    '*'
                }
            }
            Part::Name if c == '^' => {
                part = Part::Expiry(0);
                c
            }
            Part::Name => '*',
            Part::Expiry(n) if c != '?' => {
                part = if n >= 3 {
                    Part::Rest
                } else {
                    Part::Expiry(n + 1)
                };
                c
            }
            _ if c == '?' => c,
            _ => '*',
        };
        out.push(shown);
    }
    out
}

/// Whether a pasted MSR record is the keyboard (hex-ASCII) form: its clear masked tracks hold
/// characters hex never does (sentinels, separators, mask characters).
fn is_keyboard_form(text: &str) -> bool {
    text.contains(['%', ';', '?', '=', '^', '*'])
}

/// Decodes one enhanced MSR record as pasted: the binary record as hex, or the keyboard
/// (hex-ASCII) form, told apart by their characters.
pub(crate) fn msr_item(text: &str, show: Show) -> Result<MsrJson, String> {
    let text = text.trim();
    if is_keyboard_form(text) {
        return msr_keyboard(text, show);
    }
    let bytes = crate::hexin::decode(text).map_err(|e| e.message)?;
    msr(&bytes, show)
}

/// Decodes the keyboard (hex-ASCII) form with `cardpointe-vp3300`'s parser. Its length, LRC
/// and checksum count the typed characters; they are reported as typed, with their checks,
/// and a wrong LRC or checksum does not hide the fields.
fn msr_keyboard(text: &str, show: Show) -> Result<MsrJson, String> {
    let hint = "the keyboard form is 02 LLLL (hex, little-endian) … hex fields, ASCII tracks, \
                hex … LRC CK 03, as a reader in keyboard mode types it";
    let bytes = text.as_bytes();
    let (Some(head), Some(tail)) = (
        bytes.get(..6),
        bytes.len().checked_sub(6).and_then(|at| bytes.get(at..)),
    ) else {
        return Err(format!("the record is too short for its envelope; {hint}"));
    };
    let chars = bytes.get(6..bytes.len() - 6).unwrap_or_default();
    let byte_at = |field: &[u8], i: usize| -> Option<u8> {
        let pair = std::str::from_utf8(field.get(i..i + 2)?).ok()?;
        u8::from_str_radix(pair, 16).ok()
    };
    let (Some(lo), Some(hi), Some(lrc), Some(checksum)) = (
        byte_at(head, 2),
        byte_at(head, 4),
        byte_at(tail, 0),
        byte_at(tail, 2),
    ) else {
        return Err(format!("the length, LRC or checksum is not hex; {hint}"));
    };
    // Parse a copy whose LRC and checksum are made right, so a bad one still shows the fields.
    let (want_lrc, want_sum) = lrc_and_checksum(chars);
    let mut fixed = zeroize::Zeroizing::new(bytes.to_vec());
    let sums = format!("{want_lrc:02X}{want_sum:02X}");
    if let Some(slot) = fixed
        .len()
        .checked_sub(6)
        .and_then(|at| fixed.get_mut(at..at + 4))
    {
        slot.copy_from_slice(sums.as_bytes());
    }
    let buf = cardpointe_vp3300::MsrRecordBuf::from_hex_ascii(&fixed)
        .map_err(|e| format!("{e} (read as the keyboard form; {hint})"))?;
    let mut json = msr(&buf.to_binary(), show)?;
    json.form = "keyboard";
    json.length = usize::from(u16::from_le_bytes([lo, hi]));
    json.lrc = format!("{lrc:02X}");
    json.lrc_valid = lrc == want_lrc;
    json.checksum = format!("{checksum:02X}");
    json.checksum_valid = checksum == want_sum;
    Ok(json)
}

/// Decodes one binary enhanced MSR record.
pub(crate) fn msr(bytes: &[u8], show: Show) -> Result<MsrJson, String> {
    let first = bytes.first().copied();
    if first != Some(0x02) {
        return Err(format!(
            "an MSR record starts with STX (02), found {}; give the binary record as hex \
             (02 LL LL … LRC CK 03)",
            first.map_or("nothing".to_owned(), |b| format!("{b:02X}"))
        ));
    }
    let (Some(&lo), Some(&hi)) = (bytes.get(1), bytes.get(2)) else {
        return Err("the record ends before its 2-byte length".to_owned());
    };
    let len = usize::from(u16::from_le_bytes([lo, hi]));
    let expected = len + 6;
    if bytes.len() != expected {
        return Err(format!(
            "the record declares {len} card-data bytes, so it should be {expected} bytes long \
             (STX, length, data, LRC, checksum, ETX), but {} were given",
            bytes.len()
        ));
    }
    let card = &bytes[3..3 + len];
    let (lrc, checksum) = (bytes[3 + len], bytes[4 + len]);
    let etx = bytes[5 + len];
    if etx != 0x03 {
        return Err(format!(
            "the record should end with ETX (03) at offset {}, found {etx:02X}",
            5 + len
        ));
    }
    let (want_lrc, want_sum) = lrc_and_checksum(card);
    let record = MsrRecord::parse_card_data(card, 3).map_err(|e| e.to_string())?;
    let hexo = |b: Option<&[u8]>| b.map(upper);
    let track = |t: &[u8]| -> Option<String> {
        if t.is_empty() {
            return None;
        }
        let text = String::from_utf8_lossy(t).into_owned();
        Some(match show {
            Show::Unmasked => text,
            Show::Masked => mask_track(&text),
        })
    };
    let encrypted = |t: &[u8]| -> Option<String> {
        if t.is_empty() {
            None
        } else if show == Show::Unmasked {
            Some(upper(t))
        } else {
            Some(masked_bytes(t.len()))
        }
    };
    Ok(MsrJson {
        form: "binary",
        length: len,
        encode_type: format!("{:02X}", record.encode_type.byte()),
        encode_type_name: match record.encode_type.byte() {
            0x80 => "ISO/ABA",
            0x81 => "AAMVA",
            0x83 => "other",
            0x84 => "raw (undecoded)",
            0x85 => "JIS II / manual entry",
            _ => "unknown",
        },
        track_status: format!("{:02X}", record.track_status.0),
        track1_length: record.track_lengths[0],
        track2_length: record.track_lengths[1],
        track3_length: record.track_lengths[2],
        clear_mask_status: format!("{:02X}", record.clear_status.0),
        encrypted_hash_status: format!("{:02X}", record.encrypted_status.0),
        optional_status: upper(record.optional),
        track1: track(record.masked_tracks[0]),
        track2: track(record.masked_tracks[1]),
        track3: track(record.masked_tracks[2]),
        track1_encrypted: encrypted(record.encrypted_tracks[0]),
        track2_encrypted: encrypted(record.encrypted_tracks[1]),
        track3_encrypted: encrypted(record.encrypted_tracks[2]),
        session_id: hexo(record.session_id),
        track1_hash: hexo(record.hashes[0]),
        track2_hash: hexo(record.hashes[1]),
        track3_hash: hexo(record.hashes[2]),
        serial: record
            .serial
            .map(|s| String::from_utf8_lossy(s).trim().to_owned()),
        ksn: record.ksn.map(|k| upper(k.as_bytes())),
        mac: hexo(record.mac),
        trailing: upper(record.trailing),
        lrc: format!("{lrc:02X}"),
        lrc_valid: lrc == want_lrc,
        checksum: format!("{checksum:02X}"),
        checksum_valid: checksum == want_sum,
    })
}

/// The text form of a decoded MSR record.
pub(crate) fn msr_text(m: &MsrJson) -> String {
    let value = serde_json::to_value(m).unwrap_or_default();
    let mut out = String::new();
    if let serde_json::Value::Object(map) = value {
        // serde_json's map is sorted; print in the record's own order instead.
        for key in [
            "form",
            "length",
            "encode_type",
            "encode_type_name",
            "track_status",
            "track1_length",
            "track2_length",
            "track3_length",
            "clear_mask_status",
            "encrypted_hash_status",
            "optional_status",
            "track1",
            "track2",
            "track3",
            "track1_encrypted",
            "track2_encrypted",
            "track3_encrypted",
            "session_id",
            "track1_hash",
            "track2_hash",
            "track3_hash",
            "serial",
            "ksn",
            "mac",
            "trailing",
            "lrc",
            "lrc_valid",
            "checksum",
            "checksum_valid",
        ] {
            match map.get(key) {
                None | Some(serde_json::Value::Null) => {}
                Some(serde_json::Value::String(s)) if s.is_empty() => {}
                Some(serde_json::Value::String(s)) => out.push_str(&format!("{key:<22} {s}\n")),
                Some(v) => out.push_str(&format!("{key:<22} {v}\n")),
            }
        }
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hexin::decode;

    const OK_RESPONSE: &str = "56 69 56 4F 74 65 63 68 32 00 01 00 00 00 12 53";
    const POLL_ON_DEMAND: &str = "56 69 56 4F 74 65 63 68 32 00 01 01 00 01 01 D7 34";

    #[test]
    fn a_reader_answer_is_read_with_its_status() {
        let f = frame(
            &decode(OK_RESPONSE).unwrap(),
            DirectionArg::Auto,
            Show::Masked,
        )
        .unwrap();
        assert_eq!(f.direction, "reader_to_host");
        assert_eq!(f.status.as_deref(), Some("00"));
        assert_eq!(f.sub_command, None);
        assert_eq!(f.crc, "1253");
        assert!(f.crc_valid);
    }

    /// A protocol 2 reader frame `61 <byte11>` with no data, CRC high byte first.
    fn reader_61_frame(byte11: u8) -> Vec<u8> {
        let mut bytes = b"ViVOtech2\0".to_vec();
        bytes.extend_from_slice(&[0x61, byte11, 0x00, 0x00]);
        let crc = crc16(&bytes);
        bytes.extend_from_slice(&crc.to_be_bytes());
        bytes
    }

    #[test]
    fn a_61_response_from_the_reader_carries_a_status_not_a_sub_command() {
        let f = frame(&reader_61_frame(0x00), DirectionArg::Auto, Show::Masked).unwrap();
        assert_eq!(f.direction, "reader_to_host");
        assert_eq!(f.command, "61");
        assert_eq!(
            (f.status.as_deref(), f.sub_command.as_deref()),
            (Some("00"), None)
        );
        assert!(
            frame_text(&f).contains("status      00 ("),
            "{}",
            frame_text(&f)
        );
        let f = frame(&reader_61_frame(0x0A), DirectionArg::Reader, Show::Masked).unwrap();
        assert_eq!(
            (f.status.as_deref(), f.sub_command.as_deref()),
            (Some("0A"), None)
        );
        // The reader's own display callback 61-01 still reads as a sub-command.
        let f = frame(&reader_61_frame(0x01), DirectionArg::Auto, Show::Masked).unwrap();
        assert_eq!(
            (f.status.as_deref(), f.sub_command.as_deref()),
            (None, Some("01"))
        );
    }

    /// A swipe record in the keyboard (hex-ASCII) form a reader in keyboard mode types.
    fn keyboard_record() -> String {
        let t2 = b";5413330089020011=2512101000000000?";
        let masked = b";5413********0011=****************?";
        let mut card = vec![0x80, 0x02, 0x00, t2.len() as u8, 0x00, 0x02, 0x82];
        card.extend_from_slice(masked);
        card.extend_from_slice(&[0xA5; 40]); // ciphertext, rounded up to 8
        card.extend_from_slice(&[0x62, 0x99, 0x49, 0x01, 0x2C, 0x00, 0x00, 0xE0, 0x00, 0x17]);
        let binary = cardpointe_vp3300::MsrRecord::build(&card);
        cardpointe_vp3300::MsrRecordBuf::from_binary(&binary)
            .unwrap()
            .to_hex_ascii()
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_keyboard_mode_record_is_detected_and_decoded() {
        let text = keyboard_record();
        assert!(text.starts_with("02") && text.ends_with("03") && text.contains(";5413****"));
        let m = msr_item(&text, Show::Masked).unwrap();
        assert_eq!(m.form, "keyboard");
        assert_eq!(
            m.track2.as_deref(),
            Some(";5413********0011=****************?")
        );
        assert_eq!(m.ksn.as_deref(), Some("629949012C0000E00017"));
        assert!(m.lrc_valid && m.checksum_valid);
        assert_eq!(
            m.track2_encrypted.as_deref(),
            Some("MASKED(40 bytes; --unmasked shows them)")
        );
        // The same record as binary hex reads the same fields.
        let binary = msr_item(
            &upper(
                &cardpointe_vp3300::MsrRecordBuf::from_hex_ascii(text.as_bytes())
                    .unwrap()
                    .to_binary(),
            ),
            Show::Masked,
        )
        .unwrap();
        assert_eq!(
            (binary.form, &binary.track2, &binary.ksn),
            ("binary", &m.track2, &m.ksn)
        );
        // A wrong checksum is reported, not hidden.
        let n = text.len();
        let mut bad = text.clone();
        let wrong = if &text[n - 4..n - 2] == "00" {
            "01"
        } else {
            "00"
        };
        bad.replace_range(n - 4..n - 2, wrong);
        let m = msr_item(&bad, Show::Masked).unwrap();
        assert!(m.lrc_valid && !m.checksum_valid);
        assert_eq!(m.checksum, wrong);
        // Not a record at all: the error names the form it was read as.
        let e = msr_item("02AB;4111=?03", Show::Masked).unwrap_err();
        assert!(e.contains("keyboard"), "{e}");
    }

    #[test]
    fn a_host_command_is_recognised_by_its_crc_byte_order() {
        let f = frame(
            &decode(POLL_ON_DEMAND).unwrap(),
            DirectionArg::Auto,
            Show::Masked,
        )
        .unwrap();
        assert_eq!(f.direction, "host_to_reader");
        assert_eq!(f.command, "01");
        assert_eq!(f.sub_command.as_deref(), Some("01"));
        assert_eq!(f.data, "01");
        assert_eq!(f.length, 1);
    }

    #[test]
    fn a_bad_crc_still_shows_the_fields() {
        let f = frame(
            &decode("56 69 56 4F 74 65 63 68 32 00 01 00 00 00 12 54").unwrap(),
            DirectionArg::Auto,
            Show::Masked,
        )
        .unwrap();
        assert!(!f.crc_valid);
        assert_eq!(f.crc, "1254");
        assert_eq!(f.command, "01");
    }

    #[test]
    fn trailing_bytes_after_a_frame_are_refused() {
        let mut bytes = decode(OK_RESPONSE).unwrap().to_vec();
        bytes.push(0);
        let e = frame(&bytes, DirectionArg::Auto, Show::Masked).unwrap_err();
        assert!(e.contains("follow the end"), "{e}");
    }

    #[test]
    fn a_pan_in_tlv_is_masked_unless_asked() {
        let bytes = decode("70 0A 5A 08 41 11 11 11 11 11 11 11").unwrap();
        let masked = tlv(&bytes, false, Show::Masked).unwrap();
        assert!(masked[0].value.starts_with("MASKED"));
        let pan = &masked[0].children.as_ref().unwrap()[0];
        assert_eq!(pan.value, "411111******1111");
        assert!(pan.children.is_none());
        let clear = tlv(&bytes, false, Show::Unmasked).unwrap();
        assert_eq!(
            clear[0].children.as_ref().unwrap()[0].value,
            "4111111111111111"
        );
    }

    #[test]
    fn clear_tracks_are_masked() {
        assert_eq!(
            mask_track(";5413330089020011=2512101000000000?"),
            ";541333******0011=2512************?"
        );
        assert_eq!(
            mask_track("%B5413330089020011^TEST/CARD^2512101?"),
            "%B541333******0011^*********^2512***?"
        );
    }
}
