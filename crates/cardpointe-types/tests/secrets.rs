//! Every secret-bearing type, formatted with `{:?}` and `{}`, shows no card digits beyond the
//! first 6 and the last 4.

use cardpointe_types::*;
use proptest::prelude::*;

fn luhn_complete(body: &str) -> String {
    (0..10)
        .map(|d| format!("{body}{d}"))
        .find(|s| luhn_valid(s))
        .unwrap()
}

/// `true` when some run of 7 consecutive PAN digits appears in `out` (showing the first 6 and
/// last 4 of a 16-digit PAN leaves no such window visible).
fn leaks(pan: &str, out: &str) -> bool {
    pan.as_bytes()
        .windows(7)
        .any(|w| out.contains(std::str::from_utf8(w).unwrap()))
}

fn pans() -> impl Strategy<Value = String> {
    prop_oneof![
        "4[0-9]{14}".prop_map(|b| luhn_complete(&b)),
        "5[1-5][0-9]{13}".prop_map(|b| luhn_complete(&b)),
        "3[47][0-9]{12}".prop_map(|b| luhn_complete(&b)),
        "6011[0-9]{14}".prop_map(|b| luhn_complete(&b)),
    ]
}

proptest! {
    #[test]
    fn no_secret_type_shows_more_than_first_six_and_last_four(pan in pans(), acct in "[0-9]{12,17}") {
        let card = CardNumber::new(pan.clone()).unwrap();
        let account = AccountNumber::new(pan.clone()).unwrap();
        let track = TrackData::new(format!("%B{pan}^DOE/JOHN^2512101000000000?;{pan}=25121010000000000?")).unwrap();
        let device = DeviceData::new(format!("02A0{pan}03")).unwrap();
        let bank = BankAccountNumber::new(acct.clone()).unwrap();
        let ach = AchAccount::new(RoutingNumber::new("036001808").unwrap(), bank.clone());
        let masked = MaskedAccount::new(pan.clone()).unwrap();

        let mid = MerchantId::new("496160873888").unwrap();
        let mut auth = AuthRequest::new(Amount::from_minor(100).unwrap(), PaymentSource::Card(card.clone()))
            .with_merchid(mid);
        auth.cvv2 = Some(Cvv::new("579").unwrap());
        let track_auth = AuthRequest::new(Amount::ZERO, PaymentSource::Track(track.clone()));
        let ach_auth = AuthRequest::new(Amount::ZERO, PaymentSource::Ach(ach.clone()));
        let profile = ProfileRequest::create(PaymentSource::Card(card.clone())).unwrap();
        let tokenize = TokenizeRequest::card(&card);
        let tokenize_ach = TokenizeRequest::ach(&ach).unwrap();
        let tokenize_dev = TokenizeRequest::device(device.clone());
        let mut response = AuthResponse::default();
        response.account = Some(masked.clone());

        let shown = [
            format!("{card:?}"), format!("{card}"),
            format!("{account:?}"), format!("{account}"),
            format!("{track:?}"), format!("{track}"),
            format!("{device:?}"), format!("{device}"),
            format!("{masked:?}"), format!("{masked}"),
            format!("{:?}", PaymentSource::Card(card.clone())),
            format!("{:?}", PaymentSource::Track(track.clone())),
            format!("{auth:?}"), format!("{track_auth:?}"), format!("{profile:?}"),
            format!("{tokenize:?}"), format!("{tokenize_dev:?}"), format!("{response:?}"),
        ];
        // The detector itself finds a clear PAN.
        let wrapped = format!("x{pan}x");
        prop_assert!(leaks(&pan, &wrapped));
        for out in &shown {
            prop_assert!(!leaks(&pan, out), "{out}");
        }
        let auth_shown = format!("{auth:?}");
        prop_assert!(auth_shown.contains("cvv2: Some(Cvv(<3 chars masked>))"), "{}", auth_shown);
        for out in [format!("{bank:?}"), format!("{bank}"), format!("{ach:?}"), format!("{ach_auth:?}"), format!("{tokenize_ach:?}")] {
            prop_assert!(!leaks(&acct, &out), "{out}");
        }
    }

    #[test]
    fn errors_about_card_data_never_repeat_it(pan in pans()) {
        let mut wrong = pan.clone().into_bytes();
        let last = wrong.len() - 1;
        wrong[last] = if wrong[last] == b'9' { b'0' } else { wrong[last] + 1 };
        let wrong = String::from_utf8(wrong).unwrap();
        let err = CardNumber::new(wrong.clone()).unwrap_err();
        prop_assert!(!leaks(&wrong, &err.to_string()));
        let err_debug = format!("{err:?}");
        prop_assert!(!leaks(&wrong, &err_debug));
        // A PAN put where a CVV goes: the JSON error names the problem, not the digits.
        let body = format!(r#"{{"merchid":"1","amount":"1","cvv2":"{pan}"}}"#);
        let err = serde_json::from_str::<AuthRequest>(&body).unwrap_err();
        prop_assert!(!leaks(&pan, &err.to_string()), "{err}");
        let err = AuthRequest::parse_response(format!(r#"{{"retref":"{pan}x"}}"#).as_bytes()).unwrap_err();
        prop_assert!(!leaks(&pan, &err.to_string()), "{err}");
    }
}

#[test]
fn the_request_body_still_carries_the_clear_values() {
    let card = CardNumber::new("4111111111111111").unwrap();
    let mut auth = AuthRequest::new(Amount::from_minor(100).unwrap(), PaymentSource::Card(card));
    auth.cvv2 = Some(Cvv::new("579").unwrap());
    let merchant = cardpointe_types::MerchantId::new("496160873888").unwrap();
    let defaults = cardpointe_types::Defaults::merchant(&merchant);
    let body = String::from_utf8(auth.body(defaults).unwrap().unwrap()).unwrap();
    assert!(body.contains(r#""account":"4111111111111111""#));
    assert!(body.contains(r#""cvv2":"579""#));
}
