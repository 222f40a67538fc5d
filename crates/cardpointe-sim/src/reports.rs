//! The read-only reports built from the ledger and its batches: settlestat,
//! settlestatByBatchSource, openbatch/closebatch, funding (and legacy deposit), bin,
//! inquireMerchant and surcharge.

use serde_json::Value;

use crate::clock::{self, DAY_MS};
use crate::config::Merchant;
use crate::gateway::Ctx;
use crate::reply::Reply;
use crate::rules;
use crate::state::{Batch, BatchState, Kind, Setlstat};
use crate::wire::{Obj, format_amount};
use cardpointe_types::CardBrand;

/// The `binInfo` / `bin` object of a card number (synthetic issuer data by brand).
pub(crate) fn bin_info(pan: &str) -> Obj {
    let brand = rules::brand(pan);
    let product = match brand {
        Some(CardBrand::Visa) => "V",
        Some(CardBrand::Mastercard) => "M",
        Some(CardBrand::Amex) => "A",
        _ => "N",
    };
    let bin = pan.get(..6).unwrap_or("");
    let mut obj = Obj::new();
    obj.s("country", "USA").s("product", product).s("bin", bin);
    if matches!(brand, Some(CardBrand::Visa | CardBrand::Mastercard)) {
        obj.s("cardusestring", "Credit Hybrid (PIN and Signature)");
        obj.v("gsa", Value::Bool(false))
            .v("corporate", Value::Bool(false))
            .v("fsa", Value::Bool(false));
        obj.s("subtype", "")
            .v("purchase", Value::Bool(false))
            .v("prepaid", Value::Bool(false));
        obj.s("issuer", "CARDPOINTE SIM BANK");
        obj.s("binlo", format!("{bin}XXX"))
            .s("binhi", format!("{bin}XXX"));
    }
    obj
}

impl Ctx<'_> {
    /// `bin/{merchid}/{token}`.
    pub(crate) fn bin(&self, token: &str) -> Reply {
        let mut obj = match self.state.vault.get(&self.config.site, token) {
            Some(entry) if entry.routing.is_none() => bin_info(entry.pan.as_str()),
            _ => {
                let mut obj = Obj::new();
                obj.v("success", Value::Bool(false))
                    .s("errormsg", "Token not found");
                return Reply::obj(obj);
            }
        };
        obj.v("success", Value::Bool(true));
        Reply::obj(obj)
    }

    /// `inquireMerchant/{merchid}`.
    /// `inquireMerchant`, built from the client's own model (`cardpointe_types::MerchantInfo`).
    pub(crate) fn inquire_merchant(&self, merchant: &Merchant) -> Reply {
        use cardpointe_types::{Flag, MerchantId, MerchantInfo};
        let mut info = MerchantInfo::default();
        info.site = Some(self.config.site.clone());
        info.cardproc = merchant.processor.code().parse().ok();
        info.merchid = MerchantId::new(merchant.merchid.clone()).ok();
        info.enabled = Some(true);
        info.echeck = Some(Flag::from(merchant.ach_merchid.is_some()));
        info.cvv = Some(Flag::Yes);
        info.avs = Some(Flag::Yes);
        info.acctupdater = Some(Flag::No);
        info.fee_type = Some("N".to_owned());
        info.fee_format = Some(String::new());
        info.fee_value = Some(String::new());
        info.fee_merchid = Some(String::new());
        match Obj::from_model(&info) {
            Some(obj) => Reply::obj(obj),
            None => Reply::text(500, "text/plain", "cannot render the merchant"),
        }
    }

    fn batch_obj(&self, batch: &Batch, with_totals: bool) -> Obj {
        let mut obj = Obj::new();
        let processor = self
            .config
            .merchant(&batch.merchid)
            .map_or("FNOR", |m| m.processor.code());
        obj.s("respproc", processor)
            .s("hostbatch", batch.hostbatch.clone());
        obj.s("batchid", batch.batchid.to_string())
            .s("hoststat", batch.hoststat());
        obj.s("merchid", batch.merchid.clone());
        let (mut charges, mut charge_total, mut refunds, mut refund_total) =
            (0u64, 0i64, 0u64, 0i64);
        let txns: Vec<Value> = batch
            .retrefs
            .iter()
            .filter_map(|r| self.state.find(r).and_then(|i| self.state.txns.get(i)))
            .map(|t| {
                let signed = if t.kind == Kind::Refund {
                    refunds += 1;
                    refund_total += t.amount;
                    -t.amount
                } else {
                    charges += 1;
                    charge_total += t.amount;
                    t.amount
                };
                let mut item = Obj::new();
                item.s("retref", t.retref.clone());
                // Transmitted, unconfirmed batches have no per-transaction result yet.
                item.s(
                    "setlstat",
                    if batch.state == BatchState::Settled {
                        t.setlstat.short()
                    } else {
                        ""
                    },
                );
                item.s("setlamount", format_amount(signed));
                item.s("salesdoc", t.orderid.clone().unwrap_or_default());
                item.opt("authcode", t.authcode.clone());
                item.s("cardtype", t.accttype.clone());
                item.into_value()
            })
            .collect();
        if with_totals {
            obj.opt("batchsource", batch.batchsource.clone());
            obj.v("chargecnt", Value::from(charges))
                .s("chargetotal", format_amount(charge_total));
            obj.v("refundcnt", Value::from(refunds))
                .s("refundtotal", format_amount(refund_total));
        }
        obj.v("txns", Value::Array(txns));
        obj
    }

    /// `settlestat?merchid=&date=MMDD|batchid=`: batches submitted for settlement; with only
    /// `merchid`, the ones this caller has not seen yet. Nothing → the text `Null batches`.
    pub(crate) fn settlestat(
        &mut self,
        merchid: &str,
        date: Option<&str>,
        batchid: Option<&str>,
    ) -> Reply {
        let cursor_key = format!("{}|{merchid}", self.credential.username);
        let seen = self
            .state
            .settlestat_seen
            .get(&cursor_key)
            .cloned()
            .unwrap_or_default();
        let picked: Vec<u64> = self
            .state
            .batches
            .iter()
            .filter(|b| {
                b.merchid == merchid && b.state != BatchState::Open && !b.retrefs.is_empty()
            })
            .filter(|b| match (date, batchid) {
                (_, Some(id)) => b.batchid.to_string() == id,
                (Some(d), None) => b
                    .closed_ms
                    .is_some_and(|c| clock::mmdd(c) == d || clock::yyyymmdd(c) == d),
                (None, None) => !seen.contains(&b.batchid),
            })
            .map(|b| b.batchid)
            .collect();
        if picked.is_empty() {
            return Reply::text(200, "application/json", "Null batches");
        }
        let items: Vec<Obj> = picked
            .iter()
            .filter_map(|id| {
                self.state
                    .batch_index(*id)
                    .and_then(|i| self.state.batches.get(i))
            })
            .map(|b| self.batch_obj(b, false))
            .collect();
        if date.is_none() && batchid.is_none() {
            self.state
                .settlestat_seen
                .entry(cursor_key)
                .or_default()
                .extend(picked);
        }
        Reply::array(items)
    }

    /// `settlestatByBatchSource` (manual batches).
    pub(crate) fn settlestat_by_batch_source(&self, merchid: &str, batchsource: &str) -> Reply {
        let items: Vec<Obj> = self
            .state
            .batches
            .iter()
            .filter(|b| b.merchid == merchid && b.batchsource.as_deref() == Some(batchsource))
            .map(|b| self.batch_obj(b, true))
            .collect();
        Reply::array(items)
    }

    /// `openbatch/{merchid}[/{batchsource}]`.
    pub(crate) fn openbatch(&mut self, merchid: &str, batchsource: Option<&str>) -> Reply {
        let index = self.state.open_batch(merchid, batchsource, self.now);
        let batchid = self
            .state
            .batches
            .get(index)
            .map(|b| b.batchid.to_string())
            .unwrap_or_default();
        let mut obj = Obj::new();
        obj.s("batchid", batchid).s("respcode", "success");
        Reply::obj(obj)
    }

    /// `closebatch/{merchid}[/{batchid}]`: transmits the batch (it settles on the schedule or
    /// on "settle now"); without an id, the lowest-numbered open batch.
    pub(crate) fn closebatch(&mut self, merchid: &str, batchid: Option<&str>) -> Reply {
        let index = self.state.batches.iter().position(|b| {
            b.merchid == merchid
                && b.state == BatchState::Open
                && batchid.is_none_or(|id| b.batchid.to_string() == id)
        });
        let mut obj = Obj::new();
        match index {
            Some(i) => {
                let id = self
                    .state
                    .batches
                    .get(i)
                    .map(|b| b.batchid.to_string())
                    .unwrap_or_default();
                self.state.transmit_batch(i, self.now);
                obj.s("batchid", id).s("respcode", "success");
            }
            None => {
                obj.s("batchid", "null").s("respcode", "noBatch");
            }
        }
        Reply::obj(obj)
    }

    /// Settled batches grouped by funding date (the day after settlement), oldest first.
    fn fundings(&self, merchid: &str) -> Vec<(String, Vec<&Batch>)> {
        let mut by_date: Vec<(String, Vec<&Batch>)> = Vec::new();
        for batch in self.state.batches.iter().filter(|b| {
            b.merchid == merchid && b.state == BatchState::Settled && !b.retrefs.is_empty()
        }) {
            let Some(settled) = batch.settled_ms else {
                continue;
            };
            let date = clock::yyyymmdd(settled + DAY_MS);
            match by_date.iter_mut().find(|(d, _)| *d == date) {
                Some((_, list)) => list.push(batch),
                None => by_date.push((date, vec![batch])),
            }
        }
        by_date.sort_by(|a, b| a.0.cmp(&b.0));
        by_date
    }

    /// `funding?merchid=[&date=MMDD|YYYYMMDD]`; without a date, the oldest funding day this
    /// caller has not retrieved yet.
    pub(crate) fn funding(&mut self, merchid: &str, date: Option<&str>) -> Reply {
        let cursor_key = format!("{}|{merchid}", self.credential.username);
        let seen = self
            .state
            .funding_seen
            .get(&cursor_key)
            .cloned()
            .unwrap_or_default();
        let fundings = self.fundings(merchid);
        let chosen = fundings.iter().find(|(d, _)| match date {
            Some(q) if q.len() == 4 => d.get(4..) == Some(q),
            Some(q) => d == q,
            None => !seen.contains(d),
        });
        let Some((fdate, batches)) = chosen else {
            let mut obj = Obj::new();
            obj.s("errormsg", "No deposits match your request");
            return Reply::obj(obj);
        };
        let fdate = fdate.clone();
        let fundingid = format!(
            "{}{}",
            &fdate,
            merchid.get(merchid.len().saturating_sub(4)..).unwrap_or("")
        );
        let mut net = 0i64;
        let mut txns = Vec::new();
        for batch in batches {
            for t in batch
                .retrefs
                .iter()
                .filter_map(|r| self.state.find(r).and_then(|i| self.state.txns.get(i)))
                .filter(|t| t.setlstat != Setlstat::Rejected)
            {
                let signed = if t.kind == Kind::Refund {
                    -t.amount
                } else {
                    t.amount
                };
                net += signed;
                let mut item = Obj::new();
                item.s(
                    "fundingtxnid",
                    format!(
                        "{}{}",
                        fundingid,
                        t.retref
                            .get(t.retref.len().saturating_sub(4)..)
                            .unwrap_or("")
                    ),
                );
                item.s("fundingid", fundingid.clone())
                    .s("retref", t.retref.clone());
                item.opt("authcode", t.authcode.clone());
                item.s("authdate", clock::yyyymmdd(t.authdate_ms))
                    .s("respcode", t.respcode.clone());
                item.s("batchid", batch.batchid.to_string())
                    .s("cardproc", t.respproc.clone());
                item.s(
                    "date",
                    clock::yyyymmdd(t.settledate_ms.unwrap_or(t.authdate_ms)),
                );
                item.s("cardnumber", t.masked.clone().unwrap_or_default());
                item.s("cardtype", t.accttype.clone())
                    .s("cardbrand", t.accttype.clone());
                item.s("amount", format_amount(signed))
                    .s("currency", t.currency.clone());
                item.s(
                    "type",
                    if t.kind == Kind::Refund {
                        "REFUND"
                    } else {
                        "SALE"
                    },
                )
                .s("status", "Settled");
                item.opt("parentretref", t.parent.clone());
                item.s("invoicenumber", t.orderid.clone().unwrap_or_default());
                txns.push(item.into_value());
            }
        }
        let mut funding = Obj::new();
        funding
            .s("fundingmasterid", fundingid.clone())
            .s("fundingid", fundingid.clone())
            .s("merchid", merchid);
        funding
            .s("netsales", format_amount(net))
            .s("thirdparty", "0.00")
            .s("adjustment", "0.00");
        funding
            .s("interchangefee", "0.00")
            .s("servicecharge", "0.00")
            .s("fee", "0.00")
            .s("reversal", "0.00");
        funding
            .s("otheradjustment", "0.00")
            .s("totalfunding", format_amount(net))
            .s("fundingdate", fdate.clone());
        funding
            .s("currency", "USD")
            .s("ddanumber", "XXXXXX1234")
            .s("abanumber", "036001808");
        funding
            .s("datechanged", fdate.clone())
            .s("dateadded", fdate.clone());
        let mut obj = Obj::new();
        obj.s("merchid", merchid)
            .s("fundingmasterid", fundingid)
            .s("fundingdate", fdate.clone())
            .s("datechanged", fdate.clone());
        obj.v("fundings", Value::Array(vec![funding.into_value()]));
        obj.v("txns", Value::Array(txns));
        obj.v("adjustments", Value::Array(Vec::new()))
            .v("chargebacks", Value::Array(Vec::new()));
        if date.is_none() {
            self.state
                .funding_seen
                .entry(cursor_key)
                .or_default()
                .insert(fdate);
        }
        Reply::obj(obj)
    }

    /// Legacy `deposit?merchid=&date=MMDD`: an array (empty when nothing matches).
    pub(crate) fn deposit(&self, merchid: &str, date: Option<&str>) -> Reply {
        let items = self
            .fundings(merchid)
            .into_iter()
            .filter(|(d, _)| date.is_none_or(|q| d.get(4..) == Some(q) || d == q))
            .map(|(d, batches)| {
                let mut total = 0i64;
                let mut txns = Vec::new();
                for batch in &batches {
                    for t in batch
                        .retrefs
                        .iter()
                        .filter_map(|r| self.state.find(r).and_then(|i| self.state.txns.get(i)))
                        .filter(|t| t.setlstat != Setlstat::Rejected)
                    {
                        let refund = t.kind == Kind::Refund;
                        total += if refund { -t.amount } else { t.amount };
                        let mut item = Obj::new();
                        item.s("merchbatch", batch.batchid.to_string())
                            .s("hostbatch", batch.hostbatch.clone());
                        item.s("retref", t.retref.clone())
                            .s("depamnt", format_amount(t.amount))
                            .s("feeamnt", "0.00");
                        item.s("action", if refund { "REF" } else { "DEB" });
                        txns.push(item.into_value());
                    }
                }
                let mut obj = Obj::new();
                obj.s("depositid", d.clone())
                    .s("merchid", merchid)
                    .s("postdate", d.clone())
                    .s("actdate", d.clone());
                obj.s("amount", format_amount(total))
                    .s("feeamnt", "0.00")
                    .s("cbakamnt", "0.00")
                    .s("currency", "USD");
                obj.s("accttype", "VISA")
                    .s("respproc", "FNOR")
                    .s("resptext", "")
                    .s("action", "DEP");
                obj.v("txns", Value::Array(txns));
                obj
            })
            .collect();
        Reply::array(items)
    }

    /// `surcharge?merchid=&token=&postal=&amount=` (informational): the emulated merchants
    /// charge no surcharge, so `fee_amount` is `0.00`; problems are listed in `messages`.
    pub(crate) fn surcharge(&self, token: Option<&str>, postal: Option<&str>) -> Reply {
        let mut messages = Vec::new();
        let mut message = |field: &str, text: &str| {
            let mut m = Obj::new();
            m.s("field", field).s("message", text);
            messages.push(m.into_value());
        };
        let kind = match token {
            None | Some("") => {
                message("token", "token is missing or empty");
                "UNKNOWN"
            }
            Some(t) => match self.state.vault.get(&self.config.site, t) {
                Some(_) => "CREDIT",
                None => {
                    message("token", "Invalid Token");
                    "UNKNOWN"
                }
            },
        };
        let postal_state = match postal {
            None | Some("") => {
                message("postal", "postal is missing or empty");
                "UNKNOWN"
            }
            Some(_) => "NOT_RESTRICTED",
        };
        let mut obj = Obj::new();
        obj.s("token", kind)
            .s("postal", postal_state)
            .s("fee_amount", "0.00");
        obj.v("messages", Value::Array(messages));
        Reply::obj(obj)
    }
}
