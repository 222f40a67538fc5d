//! The gateway's transaction endpoints: auth, capture, void, voidByOrderId, refund, inquire,
//! inquireByOrderid and sigcap — validation in the gateway's order, the UAT host rules, and
//! the lifecycle rules of section 3.7 over the ledger.

use std::time::Duration;

use crate::clock::{self, DAY_MS};
use crate::config::{Credential, Merchant, Processor, SiteConfig};
use crate::devicedata;
use crate::emv::{self, EmvRead};
use crate::reply::Reply;
use crate::rules::{self, Verdict};
use crate::state::{Kind, Pan, Setlstat, State, Txn};
use crate::wire::{Fields, Obj, RespStat, all_digits, format_amount, parse_amount};
use cardpointe_emv::{PanMask, mask_pan};
use cardpointe_types::luhn_valid;

/// What a handler may touch.
pub(crate) struct Ctx<'a> {
    pub(crate) config: &'a SiteConfig,
    pub(crate) state: &'a mut State,
    pub(crate) now: i64,
    pub(crate) credential: &'a Credential,
    pub(crate) timeout_delay: Duration,
}

/// A PPS code with its table text and status.
pub(crate) fn pps(code: &str) -> (RespStat, &'static str) {
    crate::codes::lookup(crate::codes::PPS, code).unwrap_or((RespStat::Declined, "Invalid field"))
}

fn pps_fields(obj: &mut Obj, code: &str) {
    let (stat, text) = pps(code);
    obj.s("respproc", "PPS")
        .s("respstat", stat.as_str())
        .s("respcode", code)
        .s("resptext", text);
}

/// The card or bank account an auth (or profile) charges.
struct Source {
    pan: Pan,
    token: String,
    accttype: String,
    ach: bool,
    entrymode: Option<String>,
    expiry: Option<String>,
    name: Option<String>,
    profile: Option<(String, String)>,
    /// A chip or contactless read (from `track`, or kept with a reader token).
    emv: Option<EmvRead>,
}

/// Normalises `MMYY`, `YYYYM`, `YYYYMM`, `YYYYMMDD` to `MMYY`; `None` when not one of them.
pub(crate) fn expiry_mmyy(text: &str) -> Option<String> {
    if !all_digits(text) {
        return None;
    }
    let (month, year2) = match text.len() {
        4 => (&text[..2], &text[2..]),
        5 => (&text[4..], &text[2..4]),
        6 | 8 => (&text[4..6], &text[2..4]),
        _ => return None,
    };
    let m: u32 = month.parse().ok()?;
    (1..=12).contains(&m).then(|| format!("{m:02}{year2}"))
}

enum AccountError {
    Code(&'static str),
}

/// Validates a clear PAN: PPS 11 (not digits), 13 (Luhn), 33 (unknown brand).
fn check_pan(pan: &str) -> Result<cardpointe_types::CardBrand, AccountError> {
    if !all_digits(pan) || pan.len() < 12 || pan.len() > 19 {
        return Err(AccountError::Code("11"));
    }
    if !luhn_valid(pan) {
        return Err(AccountError::Code("13"));
    }
    rules::brand(pan).ok_or(AccountError::Code("33"))
}

impl Ctx<'_> {
    fn tokenize_pan(&mut self, pan: &str, routing: Option<&str>) -> String {
        let mut rng = self.state.rng();
        self.state
            .vault
            .tokenize(&self.config.site, pan, routing, false, &mut rng)
    }

    /// Resolves `profile`, `track`, or `account` (+`bankaba`) to a source, in that order.
    fn resolve_source(&mut self, f: Fields<'_>, merchid: &str) -> Result<Source, &'static str> {
        let profile = f.text("profile").filter(|p| !p.eq_ignore_ascii_case("y"));
        if let Some(profile) = profile {
            let (pid, acct) = match profile.split_once('/') {
                Some((p, a)) => (p.to_owned(), Some(a.to_owned())),
                None => (profile.clone(), None),
            };
            let found = self
                .state
                .profiles
                .get(&pid)
                .filter(|p| p.merchid == merchid)
                .and_then(|p| {
                    p.accounts
                        .iter()
                        .find(|a| match &acct {
                            Some(id) if !id.is_empty() => a.acctid.to_string() == *id,
                            _ => a.default,
                        })
                        .cloned()
                });
            let account = found.ok_or("96")?;
            let entry = self
                .state
                .vault
                .get(&self.config.site, &account.token)
                .ok_or("98")?;
            return Ok(Source {
                pan: entry.pan.clone(),
                token: account.token.clone(),
                accttype: account.accttype.clone(),
                ach: entry.routing.is_some(),
                entrymode: None,
                expiry: account.expiry.clone(),
                name: account
                    .fields
                    .iter()
                    .find(|(k, _)| k == "name")
                    .map(|(_, v)| v.clone()),
                profile: Some((pid, account.acctid.to_string())),
                emv: None,
            });
        }
        if let Some(track) = f.text("track") {
            let card = devicedata::read_track(&track, &self.config.bdks).map_err(|_| "12")?;
            let pan = card.pan.as_str().to_owned();
            let brand = check_pan(&pan).map_err(|AccountError::Code(c)| c)?;
            let token = self.tokenize_pan(&pan, None);
            return Ok(Source {
                pan: card.pan,
                token,
                accttype: rules::accttype(brand).to_owned(),
                ach: false,
                entrymode: Some(card.entrymode.to_owned()),
                expiry: card.expiry,
                name: card.name,
                profile: None,
                emv: card.emv,
            });
        }
        let account: String = f
            .text("account")
            .ok_or("11")?
            .chars()
            .filter(|c| *c != ' ' && *c != '-')
            .collect();
        let accttype = f.text("accttype").map(|a| a.to_ascii_uppercase());
        let bankaba = f.text("bankaba");
        let is_ach = matches!(accttype.as_deref(), Some("ECHK" | "ESAV")) || bankaba.is_some();
        if !all_digits(&account) {
            return Err("11");
        }
        if account.len() == 16 && account.starts_with('9') {
            let entry = self
                .state
                .vault
                .get(&self.config.site, &account)
                .ok_or("98")?
                .into_owned();
            let accttype = match &entry.routing {
                Some(_) => accttype.unwrap_or_else(|| "ECHK".to_owned()),
                None => rules::brand(entry.pan.as_str())
                    .map_or("VISA", rules::accttype)
                    .to_owned(),
            };
            return Ok(Source {
                pan: entry.pan.clone(),
                token: account,
                accttype,
                ach: entry.routing.is_some(),
                entrymode: entry.entrymode.clone(),
                expiry: entry.expiry.clone(),
                name: None,
                profile: None,
                emv: entry.emv.clone(),
            });
        }
        if is_ach {
            let routing = bankaba.unwrap_or_default();
            let token = self.tokenize_pan(&account, Some(&routing));
            return Ok(Source {
                pan: Pan::new(&account),
                token,
                accttype: accttype.unwrap_or_else(|| "ECHK".to_owned()),
                ach: true,
                entrymode: None,
                expiry: None,
                name: None,
                profile: None,
                emv: None,
            });
        }
        let brand = check_pan(&account).map_err(|AccountError::Code(c)| c)?;
        let token = self.tokenize_pan(&account, None);
        Ok(Source {
            pan: Pan::new(&account),
            token,
            accttype: rules::accttype(brand).to_owned(),
            ach: false,
            entrymode: None,
            expiry: None,
            name: None,
            profile: None,
            emv: None,
        })
    }

    fn base_txn(&mut self, merchid: &str, f: Fields<'_>) -> Txn {
        let retref = self.state.next_retref(self.now);
        Txn {
            retref,
            merchid: merchid.to_owned(),
            kind: Kind::Sale,
            token: None,
            masked: None,
            accttype: String::new(),
            expiry: None,
            ach: false,
            auth_amount: 0,
            amount: 0,
            refunded: 0,
            currency: "USD".to_owned(),
            orderid: f.text("orderid").map(stored_orderid),
            respstat: RespStat::Declined,
            respcode: String::new(),
            resptext: String::new(),
            respproc: "PPS".to_owned(),
            authcode: None,
            avsresp: None,
            cvvresp: None,
            setlstat: Setlstat::Declined,
            batchid: None,
            authdate_ms: self.now,
            capturedate_ms: None,
            settledate_ms: None,
            voice: false,
            parent: None,
            profileid: None,
            acctid: None,
            signature: f.text("signature"),
            name: f.text("name"),
            entrymode: None,
            emv_tag_data: None,
            batchsource: f.text("batchsource"),
            userfields: f.raw("userfields").cloned(),
            reject_at_settlement: false,
        }
    }

    /// A gateway (PPS) validation failure: recorded as declined, HTTP 200, respstat C.
    fn pps_decline(
        &mut self,
        merchid: &str,
        f: Fields<'_>,
        code: &str,
        source: Option<&Source>,
    ) -> Reply {
        let mut txn = self.base_txn(merchid, f);
        let (stat, text) = pps(code);
        txn.respstat = stat;
        txn.respcode = code.to_owned();
        txn.resptext = text.to_owned();
        if let Some(source) = source {
            txn.token = Some(source.token.clone());
            txn.accttype.clone_from(&source.accttype);
        }
        let retref = txn.retref.clone();
        self.state.insert(txn);
        let mut obj = Obj::new();
        obj.s("amount", "0.00");
        obj.s(
            "account",
            source.map_or_else(
                || f.text("account").unwrap_or_default(),
                |s| s.token.clone(),
            ),
        );
        obj.opt("expiry", f.text("expiry"));
        obj.s("merchid", merchid);
        pps_fields(&mut obj, code);
        obj.s("retref", retref);
        obj.opt("token", source.map(|s| s.token.clone()));
        Reply::obj(obj)
    }

    /// `auth`.
    pub(crate) fn auth(&mut self, merchant: &Merchant, f: Fields<'_>) -> Reply {
        let merchid = merchant.merchid.clone();
        let source = self.resolve_source(f, &merchid);
        // Validation in the gateway's order (section 8.3): account (11/13/33), cvv2 (14),
        // expiry (15), amount (43), currency (31/32), token (98), profile (96).
        let early = match &source {
            Err(code @ ("11" | "12" | "13" | "33")) => Some(*code),
            _ => None,
        };
        if let Some(code) = early {
            return self.pps_decline(&merchid, f, code, None);
        }
        let cvv2 = f.text("cvv2");
        if cvv2
            .as_deref()
            .is_some_and(|c| !all_digits(c) || !(3..=4).contains(&c.len()))
        {
            return self.pps_decline(&merchid, f, "14", source.as_ref().ok());
        }
        let expiry_text = f.text("expiry");
        let expiry = match &expiry_text {
            Some(text) => match expiry_mmyy(text) {
                Some(e) => Some(e),
                None => return self.pps_decline(&merchid, f, "15", source.as_ref().ok()),
            },
            None => None,
        };
        let amount = match f.raw("amount").and_then(parse_amount) {
            Some(a) => a,
            None => return self.pps_decline(&merchid, f, "43", source.as_ref().ok()),
        };
        if let Some(currency) = f.text("currency") {
            if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_alphabetic()) {
                return self.pps_decline(&merchid, f, "31", source.as_ref().ok());
            }
            if !currency.eq_ignore_ascii_case(&merchant.currency) {
                return self.pps_decline(&merchid, f, "32", source.as_ref().ok());
            }
        }
        let source = match source {
            Ok(s) => s,
            Err(code) => return self.pps_decline(&merchid, f, code, None),
        };
        // A keyed card needs an expiry (PPS 15 is the closest documented code; the gateway's
        // exact answer for a missing expiry is not documented).
        let expiry = expiry.or_else(|| source.expiry.clone());
        if expiry.is_none() && !source.ach && source.entrymode.is_none() && source.profile.is_none()
        {
            let keyed = f.text("account").is_some_and(|a| !a.starts_with('9'));
            if keyed {
                return self.pps_decline(&merchid, f, "15", Some(&source));
            }
        }
        if amount < 0 && !merchant.forced_credit {
            return self.pps_decline(&merchid, f, "45", Some(&source));
        }
        if amount == 0 && merchant.cvv_required && cvv2.is_none() {
            return self.pps_decline(&merchid, f, "38", Some(&source));
        }
        if source.ach {
            return self.auth_ach(merchant, f, &source, amount);
        }
        let processor = merchant.processor;
        let verdict = if amount <= 0 {
            rules::host_code(
                processor,
                if processor == Processor::Rpct {
                    "000"
                } else {
                    "00"
                },
            )
            .unwrap_or_else(|| rules::authorize(processor, source.pan.as_str(), 1))
        } else {
            rules::authorize(processor, source.pan.as_str(), amount)
        };
        self.finish_auth(
            merchant,
            f,
            &source,
            expiry,
            amount,
            &verdict,
            cvv2.as_deref(),
        )
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one call site; the pieces of an auth"
    )]
    fn finish_auth(
        &mut self,
        merchant: &Merchant,
        f: Fields<'_>,
        source: &Source,
        expiry: Option<String>,
        amount: i64,
        verdict: &Verdict,
        cvv2: Option<&str>,
    ) -> Reply {
        let merchid = merchant.merchid.clone();
        let processor = merchant.processor;
        let mut txn = self.base_txn(&merchid, f);
        txn.token = Some(source.token.clone());
        txn.masked = Some(mask_pan(source.pan.as_str(), PanMask::GATEWAY));
        txn.accttype.clone_from(&source.accttype);
        txn.expiry.clone_from(&expiry);
        txn.currency.clone_from(&merchant.currency);
        txn.respstat = verdict.respstat;
        txn.respcode.clone_from(&verdict.respcode);
        txn.resptext.clone_from(&verdict.resptext);
        txn.respproc = verdict.respproc.to_owned();
        txn.entrymode.clone_from(&source.entrymode);
        txn.name = f.text("name").or_else(|| source.name.clone());
        txn.voice = f.text("authcode").is_some();
        if let Some((pid, acct)) = &source.profile {
            txn.profileid = Some(pid.clone());
            txn.acctid = Some(acct.clone());
        }
        let approved = verdict.respstat == RespStat::Approved;
        let approved_amount = if approved {
            verdict.approved_amount.unwrap_or(amount)
        } else {
            0
        };
        let address = f.text("address");
        let postal = f.text("postal");
        let avs = rules::avs(processor, postal.as_deref(), address.as_deref());
        let cvv = rules::cvv(processor, cvv2);
        let mut profile_ids = None;
        if approved {
            txn.kind = match amount {
                0 => Kind::Verification,
                a if a < 0 => Kind::ForcedCredit,
                _ => Kind::Sale,
            };
            txn.auth_amount = approved_amount.abs();
            txn.amount = approved_amount.abs();
            let authcode = verdict.authcode.map_or_else(
                || {
                    f.text("authcode")
                        .unwrap_or_else(|| self.state.next_authcode())
                },
                str::to_owned,
            );
            txn.authcode = Some(authcode);
            txn.avsresp = Some(avs.clone());
            txn.cvvresp = Some(cvv.clone());
            txn.setlstat = if amount == 0 {
                Setlstat::ZeroAmount
            } else {
                Setlstat::Authorized
            };
            if f.flag("profile") {
                profile_ids = Some(crate::profile::create_from_auth(
                    self,
                    &merchid,
                    f,
                    source,
                    expiry.as_deref(),
                ));
                if let Some((pid, acct)) = &profile_ids {
                    txn.profileid = Some(pid.clone());
                    txn.acctid = Some(acct.clone());
                }
            }
        }
        // Chip and contactless reads: the issuer's answer and the receipt items (not for a
        // timeout card: the host never answered).
        let emv_answer = source
            .emv
            .as_ref()
            .filter(|_| !verdict.timeout)
            .map(|read| {
                let network = rules::brand(source.pan.as_str()).map_or("", rules::network_label);
                (
                    emv::issuer_authentication_data(read, approved),
                    emv::tag_data(read, approved, network),
                )
            });
        txn.emv_tag_data = emv_answer.as_ref().map(|(_, tags)| tags.clone());
        let index = self.state.insert(txn);
        let mut batchid = None;
        if approved && amount != 0 && f.flag("capture") {
            if let Some(txn) = self.state.txns.get_mut(index) {
                txn.setlstat = Setlstat::QueuedForCapture;
                txn.capturedate_ms = Some(self.now);
            }
            batchid = Some(self.state.batch_txn(index, self.now));
        }
        // Card data kept with a reader token is single use: the auth consumes it.
        if source.entrymode.is_some()
            && let Some(entry) = self.state.vault.get_mut(&self.config.site, &source.token)
        {
            entry.entrymode = None;
            entry.emv = None;
        }
        let Some(txn) = self.state.txns.get(index) else {
            return Reply::text(500, "text/plain", "ledger lost the transaction");
        };
        let mut obj = Obj::new();
        obj.s(
            "amount",
            format_amount(if approved { approved_amount } else { 0 }),
        );
        obj.s("resptext", txn.resptext.clone());
        obj.s("commcard", "N");
        if approved {
            obj.s("cvvresp", cvv);
        }
        obj.opt("batchid", batchid.map(|b| b.to_string()));
        if approved {
            obj.s("avsresp", avs);
        }
        obj.s("respcode", txn.respcode.clone());
        obj.s("merchid", merchid.clone());
        obj.s("token", source.token.clone());
        obj.opt("authcode", txn.authcode.clone());
        obj.s("respproc", txn.respproc.clone());
        if !approved {
            obj.s("cardproc", processor.code());
        }
        obj.s("retref", txn.retref.clone());
        obj.s("respstat", txn.respstat.as_str());
        let account = if f.flag("tokenize") {
            mask_pan(source.pan.as_str(), PanMask::GATEWAY)
        } else {
            source.token.clone()
        };
        obj.s("account", account);
        obj.opt("expiry", expiry.clone());
        obj.opt("entrymode", source.entrymode.clone());
        if let Some((issuer, tags)) = emv_answer {
            obj.s("emv", issuer).s("emvTagData", tags);
        }
        if verdict.timeout {
            obj.s("setlstat", "Declined");
        }
        if let Some((pid, acct)) = &profile_ids {
            obj.s("profileid", pid.clone()).s("acctid", acct.clone());
        } else if approved && let Some((pid, acct)) = &source.profile {
            obj.s("profileid", pid.clone()).s("acctid", acct.clone());
        }
        if verdict.respcode == "10" || verdict.respcode == "002" {
            obj.s("bintype", "");
        }
        if let Some(receipt) = f.text("receipt") {
            let txn = txn.clone();
            if receipt.eq_ignore_ascii_case("y") {
                obj.opt("orderId", txn.orderid.clone());
                obj.v(
                    "receiptData",
                    receipt_data(merchant, &txn, self.now).into_value(),
                );
            } else if receipt.eq_ignore_ascii_case("json") {
                obj.opt("orderId", txn.orderid.clone());
                obj.v(
                    "receiptObj",
                    receipt_data(merchant, &txn, self.now).into_value(),
                );
            }
        }
        if f.flag("bin") {
            obj.v(
                "binInfo",
                crate::reports::bin_info(source.pan.as_str()).into_value(),
            );
        }
        if let Some(userfields) = f.raw("userfields") {
            obj.v("userfields", userfields.clone());
        }
        if txn_has_decline_category(processor, &verdict.respcode, &source.accttype) {
            obj.s("declineCategory", "1")
                .s("declineCategoryText", "Do not retry");
        }
        let mut reply = Reply::obj(obj);
        if verdict.timeout {
            reply.delay = Some(self.timeout_delay);
        }
        reply
    }

    fn auth_ach(
        &mut self,
        merchant: &Merchant,
        f: Fields<'_>,
        source: &Source,
        amount: i64,
    ) -> Reply {
        let ach_mid = if merchant.processor == Processor::Pstr {
            merchant.merchid.clone()
        } else {
            match &merchant.ach_merchid {
                Some(m) => m.clone(),
                None => return self.pps_decline(&merchant.merchid, f, "48", Some(source)),
            }
        };
        let Some(ach_merchant) = self.config.merchant(&ach_mid).cloned() else {
            return self.pps_decline(&merchant.merchid, f, "48", Some(source));
        };
        if amount <= 0 {
            return self.pps_decline(&ach_mid, f, "43", Some(source));
        }
        let routing = self
            .state
            .vault
            .get(&self.config.site, &source.token)
            .and_then(|e| e.routing.clone())
            .unwrap_or_default();
        if !rules::aba_valid(&routing) {
            let mut reply = self.pps_decline(&ach_mid, f, "11", Some(source));
            if let crate::reply::Body::Obj(obj) = &mut reply.body {
                obj.s("cardproc", "PSTR");
            }
            return reply;
        }
        let verdict = rules::host_code(Processor::Pstr, "00")
            .unwrap_or_else(|| rules::authorize(Processor::Pstr, "", amount));
        let mut rng = self.state.rng();
        const ALNUM: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
        let mut code = String::new();
        code.push(char::from(
            ALNUM.get(rng.below(24) as usize).copied().unwrap_or(b'D'),
        ));
        for _ in 0..5 {
            code.push(char::from(
                ALNUM
                    .get(rng.below(ALNUM.len() as u64) as usize)
                    .copied()
                    .unwrap_or(b'0'),
            ));
        }
        let mut verdict = verdict;
        verdict.authcode = None;
        let mut reply = self.finish_auth(&ach_merchant, f, source, None, amount, &verdict, None);
        // ACH authcodes are six alphanumerics, not `PPS` + digits.
        if let Some(last) = self.state.txns.last_mut() {
            last.authcode = Some(code.clone());
        }
        if let crate::reply::Body::Obj(obj) = &mut reply.body {
            obj.set("authcode", code);
        }
        reply
    }

    fn find_for(&self, retref: &str, merchid: &str) -> Option<usize> {
        self.state.find(retref).filter(|i| {
            self.state
                .txns
                .get(*i)
                .is_some_and(|t| t.merchid == merchid)
        })
    }

    /// `capture`.
    pub(crate) fn capture(&mut self, merchant: &Merchant, f: Fields<'_>) -> Reply {
        let retref = f.text("retref").unwrap_or_default();
        let failure = |code: &str| {
            let mut obj = Obj::new();
            pps_fields(&mut obj, code);
            obj.s("retref", retref.clone())
                .s("batchid", "-1")
                .s("account", "");
            Reply::obj(obj)
        };
        let Some(index) = self.find_for(&retref, &merchant.merchid) else {
            return failure("29");
        };
        let Some(txn) = self.state.txns.get(index).cloned() else {
            return failure("29");
        };
        if !txn.approved() || txn.kind == Kind::Refund {
            return failure("29");
        }
        match txn.setlstat {
            Setlstat::Authorized | Setlstat::QueuedForCapture => {}
            Setlstat::Batched | Setlstat::Accepted | Setlstat::Rejected => return failure("27"),
            Setlstat::Declined | Setlstat::Voided | Setlstat::ZeroAmount => return failure("29"),
        }
        let amount = match f.raw("amount") {
            None => txn.amount,
            Some(v) => match parse_amount(v) {
                Some(a) if a > 0 => a,
                Some(0) => txn.amount,
                _ => return failure("43"),
            },
        };
        if amount > txn.auth_amount && !merchant.overcapture {
            return failure("43");
        }
        if let Some(t) = self.state.txns.get_mut(index) {
            t.amount = amount;
            t.setlstat = Setlstat::QueuedForCapture;
            t.capturedate_ms = Some(self.now);
            if let Some(bs) = f.text("batchsource") {
                t.batchsource = Some(bs);
            }
        }
        let batchid = self.state.batch_txn(index, self.now);
        let processor = merchant.processor;
        let (code, text) = if processor == Processor::Rpct {
            ("000", "Approval")
        } else {
            ("00", "Approval")
        };
        let mut obj = Obj::new();
        obj.s("respproc", processor.code());
        obj.s("amount", format_amount(amount));
        obj.s("resptext", text);
        obj.s("setlstat", "Queued for Capture");
        obj.s("commcard", "N");
        obj.s("respcode", code);
        obj.s("batchid", batchid.to_string());
        obj.s("merchid", merchant.merchid.clone());
        obj.opt("token", txn.token.clone());
        obj.opt("authcode", txn.authcode.clone());
        obj.s("respstat", "A");
        obj.s("retref", txn.retref.clone());
        obj.opt("account", txn.token.clone());
        if f.text("receipt")
            .is_some_and(|r| r.eq_ignore_ascii_case("y"))
        {
            obj.v(
                "receiptData",
                receipt_data(merchant, &txn, self.now).into_value(),
            );
        }
        Reply::obj(obj)
    }

    /// `void` (by retref).
    pub(crate) fn void(&mut self, merchant: &Merchant, f: Fields<'_>) -> Reply {
        let retref = f.text("retref").unwrap_or_default();
        match self.find_for(&retref, &merchant.merchid) {
            Some(index) => self.void_index(merchant, f, index, false),
            None => void_failure(&merchant.merchid, &retref, None, "29"),
        }
    }

    /// `voidByOrderId`: the latest approved transaction with that orderid (declined attempts
    /// are skipped, as the gateway does since 5/2023).
    pub(crate) fn void_by_orderid(&mut self, merchant: &Merchant, f: Fields<'_>) -> Reply {
        let orderid = f.text("orderid").unwrap_or_default();
        let index = self.state.by_orderid.get(&orderid).and_then(|list| {
            list.iter().rev().copied().find(|i| {
                self.state.txns.get(*i).is_some_and(|t| {
                    t.merchid == merchant.merchid && t.approved() && t.kind != Kind::Refund
                })
            })
        });
        match index {
            Some(index) => self.void_index(merchant, f, index, true),
            None => void_failure(&merchant.merchid, "", Some(&orderid), "29"),
        }
    }

    fn void_index(
        &mut self,
        merchant: &Merchant,
        f: Fields<'_>,
        index: usize,
        by_order: bool,
    ) -> Reply {
        let Some(txn) = self.state.txns.get(index).cloned() else {
            return void_failure(&merchant.merchid, "", None, "29");
        };
        let orderid = if by_order { txn.orderid.clone() } else { None };
        let fail =
            |code: &str| void_failure(&merchant.merchid, &txn.retref, orderid.as_deref(), code);
        if !txn.approved() {
            return fail("29");
        }
        if txn.voice {
            return fail("70");
        }
        match txn.setlstat {
            Setlstat::Authorized | Setlstat::QueuedForCapture | Setlstat::ZeroAmount => {}
            Setlstat::Voided => {
                // Repeating a void (voidByOrderId is meant to be sent three times) answers the
                // same approval again instead of failing.
                return void_approval(merchant, &txn, orderid.as_deref(), 0);
            }
            Setlstat::Batched | Setlstat::Accepted | Setlstat::Rejected => return fail("27"),
            Setlstat::Declined => return fail("29"),
        }
        if self.now - txn.authdate_ms > 30 * DAY_MS {
            return fail("39");
        }
        let requested = match f.raw("amount") {
            None => 0,
            Some(v) => match parse_amount(v) {
                Some(a) if a >= 0 => a,
                _ => return fail("43"),
            },
        };
        let partial = requested > 0 && requested < txn.amount;
        if partial && txn.setlstat == Setlstat::QueuedForCapture {
            // Only a full void is possible once captured (section 2.3).
            return fail("43");
        }
        let remaining = if partial { txn.amount - requested } else { 0 };
        if let Some(t) = self.state.txns.get_mut(index) {
            if partial {
                t.amount = remaining;
            } else {
                t.setlstat = Setlstat::Voided;
            }
        }
        if !partial {
            self.state.unbatch_txn(index);
        }
        let Some(txn) = self.state.txns.get(index).cloned() else {
            return fail("29");
        };
        void_approval(merchant, &txn, orderid.as_deref(), remaining)
    }

    /// `refund`: a new retref; offline approval (`PPS` `00` `REFUND`) unless an amount-driven
    /// refund code applies (section 4.4).
    pub(crate) fn refund(&mut self, merchant: &Merchant, f: Fields<'_>) -> Reply {
        let retref = f.text("retref").unwrap_or_default();
        let fail = |code: &str| {
            let mut obj = Obj::new();
            obj.s("amount", "0.00");
            pps_fields(&mut obj, code);
            obj.s("retref", retref.clone())
                .s("merchid", merchant.merchid.clone());
            Reply::obj(obj)
        };
        let Some(index) = self.find_for(&retref, &merchant.merchid) else {
            return fail("29");
        };
        let Some(orig) = self.state.txns.get(index).cloned() else {
            return fail("29");
        };
        if !orig.approved() || orig.kind != Kind::Sale {
            return fail("29");
        }
        match orig.setlstat {
            Setlstat::Accepted => {}
            Setlstat::Authorized | Setlstat::QueuedForCapture | Setlstat::Batched
                if merchant.refund_unsettled => {}
            Setlstat::Authorized | Setlstat::QueuedForCapture | Setlstat::Batched => {
                return fail("28");
            }
            Setlstat::Declined | Setlstat::Voided | Setlstat::ZeroAmount | Setlstat::Rejected => {
                return fail("29");
            }
        }
        let refundable = orig.amount - orig.refunded;
        let amount = match f.raw("amount") {
            None => refundable,
            Some(v) => match parse_amount(v) {
                Some(0) => refundable,
                Some(a) if a > 0 => a,
                _ => return fail("43"),
            },
        };
        if amount > refundable || refundable <= 0 {
            return fail("43");
        }
        if amount < refundable && !merchant.partial_refunds {
            return fail("46");
        }
        let processor = merchant.processor;
        let host = if orig.amount >= 200_000 {
            rules::amount_driven(processor, amount)
        } else {
            None
        };
        let mut refund = self.base_txn(&merchant.merchid, f);
        refund.kind = Kind::Refund;
        refund.parent = Some(orig.retref.clone());
        refund.token.clone_from(&orig.token);
        refund.masked.clone_from(&orig.masked);
        refund.accttype.clone_from(&orig.accttype);
        refund.expiry.clone_from(&orig.expiry);
        refund.currency.clone_from(&orig.currency);
        refund.orderid = f
            .text("orderid")
            .map(stored_orderid)
            .or_else(|| orig.orderid.clone());
        let verdict = host.unwrap_or(Verdict {
            respstat: RespStat::Approved,
            respcode: "00".to_owned(),
            resptext: "Approval".to_owned(),
            respproc: "PPS",
            authcode: Some("REFUND"),
            approved_amount: None,
            timeout: false,
        });
        let approved = verdict.respstat == RespStat::Approved;
        refund.respstat = verdict.respstat;
        refund.respcode.clone_from(&verdict.respcode);
        refund.resptext.clone_from(&verdict.resptext);
        refund.respproc = verdict.respproc.to_owned();
        if approved {
            refund.authcode = Some(
                verdict
                    .authcode
                    .map_or_else(|| self.state.next_authcode(), str::to_owned),
            );
            refund.amount = amount;
            refund.auth_amount = amount;
            refund.setlstat = Setlstat::QueuedForCapture;
            refund.capturedate_ms = Some(self.now);
        }
        let new_retref = refund.retref.clone();
        let authcode = refund.authcode.clone();
        let refund_orderid = refund.orderid.clone();
        let refund_index = self.state.insert(refund);
        if approved {
            self.state.batch_txn(refund_index, self.now);
            if let Some(o) = self.state.txns.get_mut(index) {
                o.refunded += amount;
            }
        }
        let mut obj = Obj::new();
        obj.s("merchid", merchant.merchid.clone());
        obj.s("amount", format_amount(if approved { amount } else { 0 }));
        obj.s("resptext", verdict.resptext.clone());
        obj.s("retref", new_retref);
        obj.s("respstat", verdict.respstat.as_str());
        obj.s("respcode", verdict.respcode.clone());
        obj.opt("authcode", authcode);
        obj.s("respproc", verdict.respproc);
        obj.s("currency", orig.currency.clone());
        if f.text("receipt")
            .is_some_and(|r| r.eq_ignore_ascii_case("y"))
        {
            obj.opt("orderid", refund_orderid);
        }
        Reply::obj(obj)
    }

    /// `inquire/{retref}/{merchid}`.
    pub(crate) fn inquire(&self, retref: &str, merchid: &str) -> Reply {
        match self
            .find_for(retref, merchid)
            .and_then(|i| self.state.txns.get(i))
        {
            Some(txn) => Reply::obj(inquiry(txn, self.now)),
            None => Reply::obj(not_found(retref)),
        }
    }

    /// `inquireByOrderid/{orderid}/{merchid}[/{set}]`: one match → object, several → array
    /// (the docs say every match is returned; clients handle both).
    pub(crate) fn inquire_by_orderid(&self, orderid: &str, merchid: &str, restrict: bool) -> Reply {
        let matches: Vec<Obj> = self
            .state
            .by_orderid
            .get(orderid)
            .map(|list| {
                list.iter()
                    .filter_map(|i| self.state.txns.get(*i))
                    .filter(|t| {
                        if restrict {
                            t.merchid == merchid
                        } else {
                            self.credential.allows(&t.merchid)
                        }
                    })
                    .map(|t| inquiry(t, self.now))
                    .collect()
            })
            .unwrap_or_default();
        match matches.len() {
            0 => {
                let mut obj = Obj::new();
                pps_fields(&mut obj, "29");
                obj.s("orderId", orderid);
                Reply::obj(obj)
            }
            1 => Reply::obj(matches.into_iter().next().unwrap_or_default()),
            _ => Reply::array(matches),
        }
    }

    /// `sigcap`.
    pub(crate) fn sigcap(&mut self, merchant: &Merchant, f: Fields<'_>) -> Reply {
        let retref = f.text("retref").unwrap_or_default();
        let mut obj = Obj::new();
        obj.s("merchid", merchant.merchid.clone())
            .s("retref", retref.clone());
        match self.find_for(&retref, &merchant.merchid) {
            Some(index) => {
                if let Some(txn) = self.state.txns.get_mut(index) {
                    txn.signature = f.text("signature");
                }
                // The official SDK test expects "signature stored"; the code is a choice.
                obj.s("respcode", "00")
                    .s("resptext", "signature stored")
                    .s("respstat", "A")
                    .s("respproc", "PPS");
            }
            None => pps_fields(&mut obj, "29"),
        }
        Reply::obj(obj)
    }
}

fn txn_has_decline_category(processor: Processor, respcode: &str, accttype: &str) -> bool {
    accttype == "VISA" && processor == Processor::Fnor && matches!(respcode, "54")
}

/// An order id as the gateway stores it (spec §1.8): one that passes the Luhn check is taken
/// for a card number and masked like one, so later look-ups by the order id sent
/// (`inquireByOrderid`, `voidByOrderId`) find nothing.
fn stored_orderid(orderid: String) -> String {
    if (12..=19).contains(&orderid.len()) && all_digits(&orderid) && luhn_valid(&orderid) {
        mask_pan(&orderid, PanMask::GATEWAY)
    } else {
        orderid
    }
}

fn void_failure(merchid: &str, retref: &str, orderid: Option<&str>, code: &str) -> Reply {
    let mut obj = Obj::new();
    obj.s("amount", "0.00");
    pps_fields(&mut obj, code);
    obj.s("retref", retref).s("merchid", merchid);
    obj.opt("orderId", orderid);
    Reply::obj(obj)
}

fn void_approval(merchant: &Merchant, txn: &Txn, orderid: Option<&str>, remaining: i64) -> Reply {
    let processor = merchant.processor;
    let code = if processor == Processor::Rpct {
        "000"
    } else {
        "00"
    };
    let mut obj = Obj::new();
    obj.s("authcode", "REVERS");
    obj.s("respproc", processor.code());
    obj.s("amount", format_amount(remaining));
    obj.s("resptext", "Approval");
    obj.s("currency", txn.currency.clone());
    obj.s("retref", txn.retref.clone());
    obj.s("respstat", "A");
    obj.s("respcode", code);
    obj.s("merchid", merchant.merchid.clone());
    obj.opt("orderId", orderid);
    Reply::obj(obj)
}

pub(crate) fn not_found(retref: &str) -> Obj {
    let mut obj = Obj::new();
    obj.s("resptext", "Txn not found")
        .s("respcode", "29")
        .s("retref", retref)
        .s("respstat", "C")
        .s("respproc", "PPS");
    obj
}

/// Whether a transaction can be voided now (section 3.7).
pub(crate) fn voidable(txn: &Txn, now: i64) -> bool {
    txn.approved()
        && !txn.voice
        && matches!(
            txn.setlstat,
            Setlstat::Authorized | Setlstat::QueuedForCapture | Setlstat::ZeroAmount
        )
        && now - txn.authdate_ms <= 30 * DAY_MS
}

/// Whether a refund is possible now (settled, something left to refund).
pub(crate) fn refundable(txn: &Txn) -> bool {
    txn.approved()
        && txn.kind == Kind::Sale
        && txn.setlstat == Setlstat::Accepted
        && txn.amount > txn.refunded
}

/// The `inquire` payload of a transaction.
pub(crate) fn inquiry(txn: &Txn, now: i64) -> Obj {
    let mut obj = Obj::new();
    obj.s("merchid", txn.merchid.clone());
    obj.opt("account", txn.token.clone());
    obj.opt("token", txn.token.clone());
    obj.opt("expiry", txn.expiry.clone());
    let amount = if txn.approved() && txn.setlstat != Setlstat::Voided {
        txn.amount
    } else {
        0
    };
    obj.s("amount", format_amount(amount));
    obj.s("currency", txn.currency.clone());
    obj.s("retref", txn.retref.clone());
    obj.opt("orderId", txn.orderid.clone());
    obj.s("respstat", txn.respstat.as_str());
    obj.s("respcode", txn.respcode.clone());
    obj.s("resptext", txn.resptext.clone());
    obj.s("respproc", txn.respproc.clone());
    obj.opt("authcode", txn.authcode.clone());
    obj.s("setlstat", txn.setlstat.as_str());
    obj.opt("batchid", txn.batchid.map(|b| b.to_string()));
    obj.s("authdate", clock::yyyymmdd(txn.authdate_ms));
    obj.opt("capturedate", txn.capturedate_ms.map(clock::yyyymmddhhmmss));
    obj.opt("settledate", txn.settledate_ms.map(clock::yyyymmddhhmmss));
    obj.opt(
        "lastfour",
        txn.masked
            .as_ref()
            .and_then(|m| m.get(m.len().saturating_sub(4)..))
            .map(str::to_owned),
    );
    obj.opt("name", txn.name.clone());
    obj.opt("profileid", txn.profileid.clone());
    obj.opt("acctid", txn.acctid.clone());
    obj.s("voidable", if voidable(txn, now) { "Y" } else { "N" });
    obj.s("refundable", if refundable(txn) { "Y" } else { "N" });
    obj.opt("entrymode", txn.entrymode.clone());
    obj.opt("emvTagData", txn.emv_tag_data.clone());
    obj.opt("signature", txn.signature.clone());
    if let Some(userfields) = &txn.userfields {
        obj.v("userfields", userfields.clone());
    }
    obj
}

fn receipt_data(merchant: &Merchant, txn: &Txn, now: i64) -> Obj {
    let mut obj = Obj::new();
    obj.s("dba", merchant.dba.clone());
    obj.s("address1", "1000 Continental Dr");
    obj.s("address2", "King of Prussia, PA");
    obj.s("phone", "877-828-0720");
    obj.s("header", "");
    obj.s("footer", "");
    obj.s("dateTime", clock::yyyymmddhhmmss(now));
    obj.s("nameOnCard", txn.name.clone().unwrap_or_default());
    obj.s("orderNote", "");
    obj.s("items", "");
    obj
}

impl crate::profile::TokenSource for Source {
    fn token(&self) -> &str {
        &self.token
    }
    fn accttype(&self) -> &str {
        &self.accttype
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_formats_normalise_to_mmyy() {
        assert_eq!(expiry_mmyy("1225").as_deref(), Some("1225"));
        assert_eq!(expiry_mmyy("20251").as_deref(), Some("0125"));
        assert_eq!(expiry_mmyy("202512").as_deref(), Some("1225"));
        assert_eq!(expiry_mmyy("20251231").as_deref(), Some("1225"));
        assert_eq!(expiry_mmyy("1325"), None);
        assert_eq!(expiry_mmyy("12/25"), None);
    }
}
