//! The enhanced encrypted MSR record, byte by byte, in both forms.

use cardpointe_vp3300::msr::{CardEncodeType, MsrRecordBuf};
use cardpointe_vp3300::{EncryptedCardData, Ksn, MsrError, MsrRecord, ReadMethod};
use proptest::prelude::*;

const KSN: [u8; 10] = [0xCD, 0xCD, 0xCD, 0x94, 0x03, 0x00, 0x06, 0xC0, 0x01, 0x06];

/// A record shaped like the gateway spec's Augusta sample (`02A001801F372300839B…`):
/// tracks 1 and 2 masked, both encrypted (TDES), both hashed, reader serial and KSN.
fn augusta_like() -> Vec<u8> {
    let t1 = b"%*6011********6668^DISCOVER TEST CARD^***************?*";
    let t2 = b";6011********6668=***************?*";
    assert_eq!((t1.len(), t2.len()), (55, 35));
    let mut card = vec![0x80, 0x1F, 55, 35, 0x00, 0x83, 0x9B];
    card.extend_from_slice(t1);
    card.extend_from_slice(t2);
    card.extend_from_slice(&[0x10; 56]); // track 1 ciphertext, 55 rounded up to 8
    card.extend_from_slice(&[0x20; 40]); // track 2 ciphertext, 35 rounded up to 8
    card.extend_from_slice(&[0x30; 20]); // track 1 SHA-1
    card.extend_from_slice(&[0x40; 20]); // track 2 SHA-1
    card.extend_from_slice(b"0123456789"); // reader serial
    card.extend_from_slice(&KSN);
    MsrRecord::build(&card).to_vec()
}

#[test]
fn an_encrypted_record_is_read_field_by_field() {
    let bytes = augusta_like();
    let record = MsrRecord::parse(&bytes).unwrap();
    assert_eq!(record.encode_type, CardEncodeType::IsoAba);
    assert_eq!(record.track_lengths, [55, 35, 0]);
    assert!(record.clear_status.serial_included());
    assert!(!record.clear_status.aes());
    assert!(record.encrypted_status.ksn());
    assert_eq!(record.encrypted_tracks[0].len(), 56);
    assert_eq!(record.encrypted_tracks[1].len(), 40);
    assert!(record.encrypted_tracks[2].is_empty());
    assert_eq!(record.hashes[0].map(<[u8]>::len), Some(20));
    assert_eq!(record.hashes[2], None);
    assert_eq!(record.serial, Some(&b"0123456789"[..]));
    assert_eq!(record.ksn, Some(Ksn::Tdes(KSN)));
    assert!(record.trailing.is_empty());
}

#[test]
fn the_keyboard_form_matches_the_gateway_samples_header_and_length() {
    let buf = MsrRecordBuf::from_binary(&augusta_like()).unwrap();
    let text = buf.to_hex_ascii().unwrap();
    // 14 + 55 + 35 + 2 × 156 = 416 = 0x01A0 characters of card data.
    assert!(
        text.starts_with("02A001801F372300839B%*6011********6668^DISCOVER"),
        "{}",
        &text[..30]
    );
    assert!(text.contains("?*;6011********6668=***************?*1010"));
    assert!(text.ends_with("03"));
    assert!(text.contains("CDCDCD94030006C00106"));
    let back = MsrRecordBuf::from_hex_ascii(text.as_bytes()).unwrap();
    assert_eq!(back, buf);
    assert_eq!(back.to_binary().to_vec(), augusta_like());
}

#[test]
fn encrypted_card_data_from_a_swipe_is_the_keyboard_form() {
    let data = EncryptedCardData::from_msr_record(&augusta_like(), ReadMethod::Swipe).unwrap();
    assert!(data.is_encrypted());
    assert!(data.payload().starts_with("02A001801F372300839B"));
    assert_eq!(data.masked_pan(), Some("6011********6668"));
    assert_eq!(data.ksn().map(|k| k.counter()), Some(0x00_0106));
    assert_eq!(data.expiry(), None, "the sample masks the expiry");
}

#[test]
fn a_wrong_lrc_checksum_etx_or_length_is_reported_precisely() {
    let good = augusta_like();
    let n = good.len();
    let mut lrc = good.clone();
    lrc[n - 3] ^= 1;
    assert!(matches!(
        MsrRecord::parse(&lrc),
        Err(MsrError::BadLrc { .. })
    ));
    let mut sum = good.clone();
    sum[n - 2] ^= 1;
    assert!(matches!(
        MsrRecord::parse(&sum),
        Err(MsrError::BadChecksum { .. })
    ));
    let mut etx = good.clone();
    etx[n - 1] = 0x04;
    assert_eq!(
        MsrRecord::parse(&etx),
        Err(MsrError::MissingEtx {
            offset: n - 1,
            found: 4
        })
    );
    let mut len = good.clone();
    len[1] ^= 1;
    assert!(matches!(
        MsrRecord::parse(&len),
        Err(MsrError::LengthMismatch { .. })
    ));
    assert_eq!(
        MsrRecord::parse(&good[1..]),
        Err(MsrError::MissingStx { found: good[1] })
    );
}

#[test]
fn a_record_shorter_than_its_flags_promise_names_the_missing_field() {
    // Field 9 promises a KSN but the card data ends after the masked track.
    let mut card = vec![0x80, 0x02, 0, 5, 0, 0x02, 0x80];
    card.extend_from_slice(b";1=2?");
    let record = MsrRecord::build(&card);
    assert_eq!(
        MsrRecord::parse(&record),
        Err(MsrError::Truncated {
            offset: 15,
            field: "KSN",
            needed: 10
        })
    );
}

#[test]
fn an_original_format_record_is_refused() {
    let record = MsrRecord::build(&[0x00, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        MsrRecord::parse(&record),
        Err(MsrError::UnsupportedFormat { encode_type: 0 })
    );
}

#[test]
fn a_non_hex_character_in_the_keyboard_form_is_located() {
    let text = MsrRecordBuf::from_binary(&augusta_like())
        .unwrap()
        .to_hex_ascii()
        .unwrap();
    let mut bytes = text.as_bytes().to_vec();
    bytes[8] = b'G';
    assert!(MsrRecordBuf::from_hex_ascii(&bytes).is_err());
}

proptest! {
    #[test]
    fn built_records_parse_back_and_survive_the_keyboard_form(
        t1 in proptest::collection::vec(0x20u8..0x7F, 0..60),
        t2 in proptest::collection::vec(0x20u8..0x7F, 0..40),
        encrypt in any::<bool>(),
        aes in any::<bool>(),
    ) {
        let block = if aes { 16 } else { 8 };
        let clear = 0x03 | if aes { 0x10 } else { 0 };
        let enc = if encrypt { 0x83 } else { 0 };
        let mut card = vec![0x80, 0x03, t1.len() as u8, t2.len() as u8, 0, clear, enc];
        card.extend_from_slice(&t1);
        card.extend_from_slice(&t2);
        if encrypt {
            card.extend(std::iter::repeat_n(0xAB, t1.len().div_ceil(block) * block));
            card.extend(std::iter::repeat_n(0xCD, t2.len().div_ceil(block) * block));
            card.extend_from_slice(&KSN);
        }
        let bytes = MsrRecord::build(&card);
        let record = MsrRecord::parse(&bytes).unwrap();
        prop_assert_eq!(record.masked_tracks[0], &t1[..]);
        prop_assert_eq!(record.masked_tracks[1], &t2[..]);
        prop_assert_eq!(record.ksn.is_some(), encrypt);
        let buf = MsrRecordBuf::from_binary(&bytes).unwrap();
        let back = MsrRecordBuf::from_hex_ascii(buf.to_hex_ascii().unwrap().as_bytes()).unwrap();
        prop_assert_eq!(back.to_binary().to_vec(), bytes.to_vec());
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_record_parsers(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = MsrRecord::parse(&bytes);
        let _ = MsrRecordBuf::from_hex_ascii(&bytes);
    }
}
