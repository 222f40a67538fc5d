//! CardSecure (section 6): `ccn/tokenize` (clear PAN, ACH `routing/account`, existing token,
//! wallet payloads, reader `devicedata`), `echo`, and the legacy `cs?action=CE`.
//!
//! Errors are `{"message","errorcode"}` with HTTP 400 (the spec could not confirm the status;
//! the schema lists errors under 400).

use serde_json::{Map, Value};

use crate::SiteConfig;
use crate::devicedata::{self, DeviceDataError};
use crate::gateway::expiry_mmyy;
use crate::reply::Reply;
use crate::state::State;
use crate::wire::{Fields, Obj, all_digits};
use cardpointe_types::luhn_valid;

/// The card number wallet payloads stand for (they are accepted opaquely).
pub(crate) const WALLET_TEST_PAN: &str = "4111111111111111";

fn error(code: i64, message: &str) -> Reply {
    let mut obj = Obj::new();
    obj.s("message", message).v("errorcode", Value::from(code));
    Reply::status_obj(400, obj)
}

/// A token, answered with the client's own model (`cardpointe_types::TokenizeResponse`).
fn success(token: String) -> Reply {
    let mut answer = cardpointe_types::TokenizeResponse::default();
    answer.message = Some("No error".to_owned());
    answer.errorcode = Some(0);
    answer.token = cardpointe_types::Token::new(token).ok();
    match Obj::from_model(&answer) {
        Some(obj) if answer.token.is_some() => Reply::obj(obj),
        _ => error(43, "Server failed"),
    }
}

/// `POST cardsecure/api/v1/ccn/tokenize`.
pub(crate) fn tokenize(state: &mut State, config: &SiteConfig, body: &Map<String, Value>) -> Reply {
    let site = config.site.as_str();
    let f = Fields(body);
    let unique = f.flag("unique");
    let account = f.text("account");
    let devicedata = f.text("devicedata");
    if account.is_some() && devicedata.is_some() {
        return error(74, "Missing required parameter");
    }
    if let Some(cvv) = f.text("cvv")
        && (!all_digits(&cvv) || !(3..=4).contains(&cvv.len()))
    {
        return error(8, "Data is not decimal digits");
    }
    let expiry = match f.text("expiry") {
        Some(e) => match expiry_mmyy(&e) {
            Some(e) => Some(e),
            None => return error(8, "Data is not decimal digits"),
        },
        None => None,
    };
    let handler = f.text("encryptionhandler").map(|h| h.to_ascii_uppercase());
    let mut rng = state.rng();
    if let Some(data) = devicedata {
        return match handler.as_deref() {
            Some("EC_APPLE_PAY" | "EC_GOOGLE_PAY" | "EX_APPLE_PAY") => {
                if handler.as_deref() != Some("EC_GOOGLE_PAY") && !data.contains("ectype=apple") {
                    return error(75, "Invalid elliptic curve type parameter");
                }
                success(
                    state
                        .vault
                        .tokenize(site, WALLET_TEST_PAN, None, true, &mut rng),
                )
            }
            Some(_) => error(16, "Unknown algorithm"),
            None => match devicedata::read(&data, &config.bdks) {
                Ok(card) => {
                    let token =
                        state
                            .vault
                            .tokenize(site, card.pan.as_str(), None, unique, &mut rng);
                    if let Some(entry) = state.vault.tokens.get_mut(&token) {
                        entry.entrymode = Some(card.entrymode.to_owned());
                        entry.expiry = expiry.or(card.expiry);
                        entry.emv = card.emv;
                    }
                    success(token)
                }
                Err(DeviceDataError::Decryption) => error(24, "Decryption failure"),
                Err(DeviceDataError::NoPan) => error(72, "Invalid EMV tag data"),
                Err(DeviceDataError::Unrecognised) => error(78, "Invalid swipe data"),
            },
        };
    }
    let Some(account) = account else {
        return error(14, "Data is empty");
    };
    if handler.as_deref() == Some("RSA") {
        // No RSA key pair is issued by the emulator.
        return error(12, "Key ID is not found");
    }
    let account: String = account.chars().filter(|c| *c != ' ').collect();
    if let Some((routing, number)) = account.split_once('/') {
        if !all_digits(routing) || !all_digits(number) {
            return error(8, "Data is not decimal digits");
        }
        return success(
            state
                .vault
                .tokenize(site, number, Some(routing), unique, &mut rng),
        );
    }
    if !all_digits(&account) {
        return error(8, "Data is not decimal digits");
    }
    if account.len() > 19 {
        return error(13, "Data is too long");
    }
    if account.len() < 12 {
        return error(21, "Data is too short");
    }
    if account.len() == 16 && account.starts_with('9') {
        // Token update: attach expiry to an existing token.
        return match state.vault.get_mut(site, &account) {
            Some(entry) => {
                if expiry.is_some() {
                    entry.expiry = expiry;
                }
                success(account)
            }
            None => error(49, "Data not found"),
        };
    }
    if !luhn_valid(&account) {
        return error(54, "Card number check (Luhn formula) failed");
    }
    let token = state.vault.tokenize(site, &account, None, unique, &mut rng);
    if expiry.is_some()
        && let Some(entry) = state.vault.tokens.get_mut(&token)
    {
        entry.expiry = expiry;
    }
    success(token)
}

/// `POST cardsecure/api/v1/echo`: `message` must be present (may be empty), ≤ 250 chars.
pub(crate) fn echo(body: &Map<String, Value>) -> Reply {
    match body.get("message") {
        Some(Value::String(message)) if message.chars().count() <= 250 => {
            let mut answer = cardpointe_types::EchoResponse::default();
            answer.message = Some(message.clone());
            answer.errorcode = Some(0);
            Obj::from_model(&answer).map_or_else(|| error(43, "Server failed"), Reply::obj)
        }
        Some(Value::String(_)) => error(13, "Data is too long"),
        _ => error(74, "Missing required parameter"),
    }
}

/// Legacy `GET cardsecure/cs?action=CE&data=…[&type=json]`.
pub(crate) fn legacy(state: &mut State, site: &str, query: &str) -> Reply {
    let mut action = None;
    let mut data = None;
    let mut json = false;
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "action" => action = Some(v.to_owned()),
            "data" => data = Some(crate::engine::percent_decode(v)),
            "type" => json = v.eq_ignore_ascii_case("json"),
            _ => {}
        }
    }
    let mut rng = state.rng();
    let token = match (action.as_deref(), data) {
        (Some("CE"), Some(d)) if all_digits(&d) && luhn_valid(&d) => {
            Some(state.vault.tokenize(site, &d, None, false, &mut rng))
        }
        _ => None,
    };
    let (action, data) = match &token {
        Some(t) => ("CE", t.clone()),
        None => (
            "ER",
            "0054::Card number check (Luhn formula) failed".to_owned(),
        ),
    };
    if json {
        Reply::text(
            200,
            "application/javascript",
            format!("processToken({{\"action\":\"{action}\",\"data\":\"{data}\"}})"),
        )
    } else {
        Reply::text(200, "text/plain", format!("action={action}&data={data}"))
    }
}
