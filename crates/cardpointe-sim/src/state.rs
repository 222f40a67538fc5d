//! The emulator's memory: the ledger of transactions (by retref and by orderid, duplicates
//! allowed), batches, stored profiles and the token vault. Serialisable so `--state FILE` can
//! keep it across restarts.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::clock::{self, DAY_MS};
use crate::public_tokens;
use crate::wire::{RespStat, SplitMix, stable_hash};
use cardpointe_types::luhn_valid;

/// A fast, non-cryptographic hasher (the Fx hash of rustc) for the emulator's internal maps,
/// whose keys are emulator-generated (retrefs, tokens, hashes): SipHash's DoS resistance buys
/// nothing here and costs a noticeable share of each request.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7C_C1_B7_27_22_0A_95);
    }
    fn write_u8(&mut self, byte: u8) {
        self.write_u64(u64::from(byte));
    }
    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// `HashMap` with [`FxHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

/// A card or bank account number: masked in `Debug`, zeroed on drop.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Pan(Zeroizing<String>);

impl Pan {
    pub(crate) fn new(digits: &str) -> Self {
        Self(Zeroizing::new(digits.to_owned()))
    }
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl core::fmt::Debug for Pan {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let s = self.as_str();
        let last4 = s.get(s.len().saturating_sub(4)..).unwrap_or("");
        write!(f, "Pan(****{last4})")
    }
}

impl Serialize for Pan {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Pan {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(Self(Zeroizing::new(text)))
    }
}

/// Settlement status of a transaction (section 3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Setlstat {
    Authorized,
    QueuedForCapture,
    /// In a batch that was transmitted but not yet confirmed. Reported as "Queued for Capture"
    /// by `inquire` (the gateway has no long-form name for it); voids and captures get PPS 27.
    Batched,
    Accepted,
    Rejected,
    Declined,
    Voided,
    ZeroAmount,
}

impl Setlstat {
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Authorized => "Authorized",
            Self::QueuedForCapture | Self::Batched => "Queued for Capture",
            Self::Accepted => "Accepted",
            Self::Rejected => "Rejected",
            Self::Declined => "Declined",
            Self::Voided => "Voided",
            Self::ZeroAmount => "Zero Amount",
        }
    }

    /// The one-letter form of `settlestat.txns[].setlstat`.
    pub(crate) const fn short(self) -> &'static str {
        match self {
            Self::Rejected => "N",
            _ => "Y",
        }
    }
}

/// What a ledger entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Kind {
    Sale,
    Verification,
    ForcedCredit,
    Refund,
}

/// One transaction, keyed by retref.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Txn {
    pub(crate) retref: String,
    pub(crate) merchid: String,
    pub(crate) kind: Kind,
    pub(crate) token: Option<String>,
    pub(crate) masked: Option<String>,
    pub(crate) accttype: String,
    pub(crate) expiry: Option<String>,
    pub(crate) ach: bool,
    /// The amount approved at authorization.
    pub(crate) auth_amount: i64,
    /// What is still authorized or captured (after partial void / partial capture).
    pub(crate) amount: i64,
    pub(crate) refunded: i64,
    pub(crate) currency: String,
    pub(crate) orderid: Option<String>,
    pub(crate) respstat: RespStat,
    pub(crate) respcode: String,
    pub(crate) resptext: String,
    pub(crate) respproc: String,
    pub(crate) authcode: Option<String>,
    pub(crate) avsresp: Option<String>,
    pub(crate) cvvresp: Option<String>,
    pub(crate) setlstat: Setlstat,
    pub(crate) batchid: Option<u64>,
    pub(crate) authdate_ms: i64,
    pub(crate) capturedate_ms: Option<i64>,
    pub(crate) settledate_ms: Option<i64>,
    pub(crate) voice: bool,
    pub(crate) parent: Option<String>,
    pub(crate) profileid: Option<String>,
    pub(crate) acctid: Option<String>,
    pub(crate) signature: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) entrymode: Option<String>,
    /// `emvTagData` of a chip or contactless auth (the JSON text), for `inquire`.
    #[serde(default)]
    pub(crate) emv_tag_data: Option<String>,
    pub(crate) batchsource: Option<String>,
    pub(crate) userfields: Option<serde_json::Value>,
    /// Set by the admin API: the host rejects this transaction when its batch settles.
    #[serde(default)]
    pub(crate) reject_at_settlement: bool,
}

impl Txn {
    pub(crate) fn approved(&self) -> bool {
        self.respstat == RespStat::Approved
    }
}

/// Batch life: open (collecting captures), transmitted, settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum BatchState {
    Open,
    Transmitted,
    Settled,
}

/// One settlement batch of one merchant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Batch {
    pub(crate) batchid: u64,
    pub(crate) merchid: String,
    pub(crate) batchsource: Option<String>,
    pub(crate) state: BatchState,
    pub(crate) opened_ms: i64,
    pub(crate) closed_ms: Option<i64>,
    pub(crate) settled_ms: Option<i64>,
    pub(crate) retrefs: Vec<String>,
    pub(crate) hostbatch: String,
    /// How many of its transactions the host rejected at settlement.
    #[serde(default)]
    pub(crate) rejected: usize,
}

impl Batch {
    pub(crate) fn hoststat(&self) -> &'static str {
        match self.state {
            BatchState::Open => "",
            BatchState::Transmitted => "SB",
            BatchState::Settled if self.retrefs.is_empty() => "EB",
            BatchState::Settled if self.rejected >= self.retrefs.len() => "BB",
            BatchState::Settled if self.rejected > 0 => "MB",
            BatchState::Settled => "GB",
        }
    }
}

/// One stored account of a profile.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub(crate) struct ProfileAccount {
    pub(crate) acctid: u32,
    pub(crate) default: bool,
    pub(crate) token: String,
    pub(crate) accttype: String,
    pub(crate) expiry: Option<String>,
    /// Stored descriptive fields (`name`, `address`, `city`, … as sent).
    pub(crate) fields: Vec<(String, String)>,
    pub(crate) auoptout: String,
    pub(crate) cofpermission: Option<String>,
}

/// A stored customer profile: 20-digit id, accounts, one default.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Profile {
    pub(crate) profileid: String,
    pub(crate) merchid: String,
    pub(crate) accounts: Vec<ProfileAccount>,
    pub(crate) next_acctid: u32,
}

/// What a token stands for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct VaultEntry {
    pub(crate) pan: Pan,
    /// `Some(routing)` for ACH tokens.
    pub(crate) routing: Option<String>,
    pub(crate) expiry: Option<String>,
    /// Track/EMV data kept with a reader token until its first auth (card-present), as
    /// entry mode.
    pub(crate) entrymode: Option<String>,
    /// The EMV read kept with a chip or contactless token until its first auth, for that
    /// auth's `emv` and `emvTagData`.
    #[serde(default)]
    pub(crate) emv: Option<crate::emv::EmvRead>,
}

impl VaultEntry {
    fn new(pan: &str, routing: Option<&str>) -> Self {
        Self {
            pan: Pan::new(pan),
            routing: routing.map(str::to_owned),
            expiry: None,
            entrymode: None,
            emv: None,
        }
    }
}

/// The site's token vault: deterministic PAN → token, token → PAN.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Vault {
    pub(crate) tokens: FastMap<String, VaultEntry>,
    /// Keyed by a hash of site + account, so the key itself holds no card number.
    pub(crate) by_account: FastMap<u64, String>,
}

impl Vault {
    /// What `token` stands for on `site`: a token this vault issued, or one of the published
    /// UAT tokens ([`public_tokens`]) even before it was issued here.
    pub(crate) fn get(&self, site: &str, token: &str) -> Option<Cow<'_, VaultEntry>> {
        if let Some(entry) = self.tokens.get(token) {
            return Some(Cow::Borrowed(entry));
        }
        let (pan, routing) = public_tokens::account_of(site, token)?;
        Some(Cow::Owned(VaultEntry::new(pan, routing)))
    }

    /// [`Vault::get`] for changing the entry (a published token is stored on first use).
    pub(crate) fn get_mut(&mut self, site: &str, token: &str) -> Option<&mut VaultEntry> {
        if !self.tokens.contains_key(token) {
            let (pan, routing) = public_tokens::account_of(site, token)?;
            self.tokens
                .insert(token.to_owned(), VaultEntry::new(pan, routing));
        }
        self.tokens.get_mut(token)
    }

    /// The token of a card (or ACH `routing` + `account`), made on first sight. Tokens follow
    /// section 6.4: 16 digits, `9`, the first two digits of the PAN (routing for ACH), opaque
    /// middle digits, the last four of the PAN (account), Luhn-valid; deterministic per site
    /// unless `unique`.
    pub(crate) fn tokenize(
        &mut self,
        site: &str,
        pan: &str,
        routing: Option<&str>,
        unique: bool,
        rng: &mut SplitMix,
    ) -> String {
        let key = stable_hash(&[
            site.as_bytes(),
            routing.unwrap_or("").as_bytes(),
            pan.as_bytes(),
        ]);
        if !unique && let Some(token) = self.by_account.get(&key) {
            return token.clone();
        }
        if !unique && let Some(token) = public_tokens::token_for(site, pan, routing) {
            let token = token.to_owned();
            self.by_account.insert(key, token.clone());
            self.tokens
                .entry(token.clone())
                .or_insert_with(|| VaultEntry::new(pan, routing));
            return token;
        }
        let prefix_source = routing.unwrap_or(pan);
        let prefix = prefix_source.get(..2).unwrap_or("00");
        let last4 = pan.get(pan.len().saturating_sub(4)..).unwrap_or("0000");
        let last4 = format!("{last4:0>4}");
        let mut salt: u64 = 0;
        loop {
            let seed = if unique {
                rng.next_u64()
            } else {
                stable_hash(&[&key.to_le_bytes(), &salt.to_le_bytes()])
            };
            let middle = format!("{:09}", seed % 1_000_000_000);
            let token = luhn_fix(&format!("9{prefix}{middle}{last4}"), 11);
            let taken = self
                .tokens
                .get(&token)
                .is_some_and(|e| e.pan.as_str() != pan || e.routing.as_deref() != routing)
                || public_tokens::account_of(site, &token)
                    .is_some_and(|published| published != (pan, routing));
            if !taken || salt > 64 {
                if !unique {
                    self.by_account.insert(key, token.clone());
                }
                self.tokens
                    .entry(token.clone())
                    .or_insert_with(|| VaultEntry::new(pan, routing));
                return token;
            }
            salt += 1;
        }
    }
}

/// Replaces digit `position` so the whole string passes Luhn.
pub(crate) fn luhn_fix(digits: &str, position: usize) -> String {
    let mut bytes = digits.as_bytes().to_vec();
    for candidate in b'0'..=b'9' {
        if let Some(slot) = bytes.get_mut(position) {
            *slot = candidate;
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if luhn_valid(&text) {
            return text;
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Everything the emulator remembers.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct State {
    pub(crate) txns: Vec<Txn>,
    #[serde(skip)]
    pub(crate) by_retref: FastMap<String, usize>,
    #[serde(skip)]
    pub(crate) by_orderid: FastMap<String, Vec<usize>>,
    pub(crate) vault: Vault,
    pub(crate) profiles: HashMap<String, Profile>,
    pub(crate) batches: Vec<Batch>,
    pub(crate) retref_counter: u64,
    pub(crate) batch_counter: u64,
    pub(crate) rng: SplitMixState,
    /// settlestat / funding cursors: "user|merchid" → batch ids already returned.
    pub(crate) settlestat_seen: HashMap<String, BTreeSet<u64>>,
    pub(crate) funding_seen: HashMap<String, BTreeSet<String>>,
}

/// Serialisable RNG state.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct SplitMixState(pub(crate) u64);

impl State {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            txns: Vec::with_capacity(1024),
            by_retref: FastMap::default(),
            by_orderid: FastMap::default(),
            vault: Vault::default(),
            profiles: HashMap::new(),
            batches: Vec::new(),
            retref_counter: 30_000_000 + seed % 100_000_000,
            batch_counter: 0,
            rng: SplitMixState(seed),
            settlestat_seen: HashMap::new(),
            funding_seen: HashMap::new(),
        }
    }

    /// Rebuilds the indexes after loading.
    pub(crate) fn reindex(&mut self) {
        self.by_retref.clear();
        self.by_orderid.clear();
        for (i, txn) in self.txns.iter().enumerate() {
            self.by_retref.insert(txn.retref.clone(), i);
            if let Some(orderid) = &txn.orderid {
                self.by_orderid.entry(orderid.clone()).or_default().push(i);
            }
        }
    }

    pub(crate) fn rng(&mut self) -> SplitMix {
        let mut rng = SplitMix(self.rng.0);
        self.rng.0 = rng.next_u64();
        rng
    }

    /// A fresh retref: day-of-year then a 9-digit counter.
    pub(crate) fn next_retref(&mut self, now_ms: i64) -> String {
        self.retref_counter = (self.retref_counter + 1) % 1_000_000_000;
        format!(
            "{:03}{:09}",
            clock::civil(now_ms).day_of_year,
            self.retref_counter
        )
    }

    /// `PPS` + 3 digits.
    pub(crate) fn next_authcode(&mut self) -> String {
        format!("PPS{:03}", self.rng().below(1000))
    }

    pub(crate) fn insert(&mut self, txn: Txn) -> usize {
        let index = self.txns.len();
        self.by_retref.insert(txn.retref.clone(), index);
        if let Some(orderid) = &txn.orderid {
            self.by_orderid
                .entry(orderid.clone())
                .or_default()
                .push(index);
        }
        self.txns.push(txn);
        index
    }

    pub(crate) fn find(&self, retref: &str) -> Option<usize> {
        self.by_retref.get(retref).copied()
    }

    /// The open batch of a merchant (for a batch source), opened on demand.
    pub(crate) fn open_batch(
        &mut self,
        merchid: &str,
        batchsource: Option<&str>,
        now_ms: i64,
    ) -> usize {
        if let Some(i) = self.batches.iter().position(|b| {
            b.state == BatchState::Open
                && b.merchid == merchid
                && b.batchsource.as_deref() == batchsource
        }) {
            return i;
        }
        self.batch_counter += 1;
        let batchid = 1_900_940_000 + self.batch_counter;
        self.batches.push(Batch {
            batchid,
            merchid: merchid.to_owned(),
            batchsource: batchsource.map(str::to_owned),
            state: BatchState::Open,
            opened_ms: now_ms,
            closed_ms: None,
            settled_ms: None,
            retrefs: Vec::new(),
            hostbatch: format!("{}", 100 + self.batch_counter),
            rejected: 0,
        });
        self.batches.len() - 1
    }

    pub(crate) fn batch_index(&self, batchid: u64) -> Option<usize> {
        self.batches.iter().position(|b| b.batchid == batchid)
    }

    /// Closes (transmits) a batch: its transactions can no longer be voided or re-captured.
    pub(crate) fn transmit_batch(&mut self, index: usize, now_ms: i64) {
        let Some(batch) = self.batches.get_mut(index) else {
            return;
        };
        if batch.state != BatchState::Open {
            return;
        }
        batch.state = BatchState::Transmitted;
        batch.closed_ms = Some(now_ms);
        let retrefs = batch.retrefs.clone();
        for retref in retrefs {
            if let Some(i) = self.find(&retref)
                && let Some(txn) = self.txns.get_mut(i)
                && txn.setlstat == Setlstat::QueuedForCapture
            {
                txn.setlstat = Setlstat::Batched;
            }
        }
    }

    /// Settles a batch: its transactions become `Accepted` (refundable, no longer voidable), or
    /// `Rejected` when the admin API asked for it.
    pub(crate) fn settle_batch(&mut self, index: usize, now_ms: i64) {
        self.transmit_batch(index, now_ms);
        let Some(batch) = self.batches.get_mut(index) else {
            return;
        };
        if batch.state == BatchState::Settled {
            return;
        }
        batch.state = BatchState::Settled;
        batch.settled_ms = Some(now_ms);
        let retrefs = batch.retrefs.clone();
        let mut rejected = 0;
        for retref in retrefs {
            if let Some(i) = self.find(&retref)
                && let Some(txn) = self.txns.get_mut(i)
                && matches!(txn.setlstat, Setlstat::Batched | Setlstat::QueuedForCapture)
            {
                txn.setlstat = if txn.reject_at_settlement {
                    rejected += 1;
                    Setlstat::Rejected
                } else {
                    Setlstat::Accepted
                };
                txn.settledate_ms = Some(now_ms);
            }
        }
        if let Some(batch) = self.batches.get_mut(index) {
            batch.rejected = rejected;
        }
    }

    /// Settles every unsettled batch (of one merchant, or all); returns how many settled.
    pub(crate) fn settle_all(&mut self, merchid: Option<&str>, now_ms: i64) -> usize {
        let mut count = 0;
        for i in 0..self.batches.len() {
            let matches = self.batches.get(i).is_some_and(|b| {
                b.state != BatchState::Settled && merchid.is_none_or(|m| b.merchid == m)
            });
            if matches {
                self.settle_batch(i, now_ms);
                count += 1;
            }
        }
        count
    }

    /// Settles the batches whose daily cut-off (per merchant hour) has passed on the clock.
    pub(crate) fn run_schedule(&mut self, now_ms: i64, settle_hour: impl Fn(&str) -> u8) {
        for i in 0..self.batches.len() {
            let due = self.batches.get(i).and_then(|b| {
                (b.state != BatchState::Settled)
                    .then(|| next_cutoff(b.opened_ms, settle_hour(&b.merchid)))
            });
            if due.is_some_and(|due| now_ms >= due) {
                self.settle_batch(i, now_ms);
            }
        }
    }

    /// Adds a captured transaction to its merchant's open batch.
    pub(crate) fn batch_txn(&mut self, txn_index: usize, now_ms: i64) -> u64 {
        let (merchid, batchsource, existing) = match self.txns.get(txn_index) {
            Some(t) => (t.merchid.clone(), t.batchsource.clone(), t.batchid),
            None => return 0,
        };
        if let Some(existing) = existing
            && self.batch_index(existing).is_some_and(|b| {
                self.batches
                    .get(b)
                    .is_some_and(|b| b.state == BatchState::Open)
            })
        {
            return existing;
        }
        let b = self.open_batch(&merchid, batchsource.as_deref(), now_ms);
        let Some(batch) = self.batches.get_mut(b) else {
            return 0;
        };
        let batchid = batch.batchid;
        if let Some(txn) = self.txns.get_mut(txn_index) {
            batch.retrefs.push(txn.retref.clone());
            txn.batchid = Some(batchid);
        }
        batchid
    }

    /// Takes a voided transaction out of its (open) batch.
    pub(crate) fn unbatch_txn(&mut self, txn_index: usize) {
        let Some(txn) = self.txns.get(txn_index) else {
            return;
        };
        let retref = txn.retref.clone();
        if let Some(b) = txn.batchid.and_then(|id| self.batch_index(id))
            && let Some(batch) = self.batches.get_mut(b)
        {
            batch.retrefs.retain(|r| *r != retref);
        }
    }

    /// A new 20-digit profile id.
    pub(crate) fn next_profileid(&mut self) -> String {
        let mut rng = self.rng();
        loop {
            let id = format!(
                "{}{:019}",
                1 + rng.below(9),
                rng.next_u64() % 10_000_000_000_000_000_000
            );
            if !self.profiles.contains_key(&id) {
                return id;
            }
        }
    }
}

/// The first `settle_hour`:00 UTC strictly after `opened_ms`.
pub(crate) fn next_cutoff(opened_ms: i64, settle_hour: u8) -> i64 {
    let day_start = opened_ms.div_euclid(DAY_MS) * DAY_MS;
    let cutoff = day_start + i64::from(settle_hour.min(23)) * 3_600_000;
    if cutoff > opened_ms {
        cutoff
    } else {
        cutoff + DAY_MS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_prefix_and_last_four_and_pass_luhn() {
        let mut vault = Vault::default();
        let mut rng = SplitMix(1);
        let token = vault.tokenize("fts-uat", "4111111111111111", None, false, &mut rng);
        assert_eq!(token.len(), 16);
        assert!(token.starts_with("941"));
        assert!(token.ends_with("1111"));
        assert!(luhn_valid(&token));
        assert_eq!(
            vault.tokenize("fts-uat", "4111111111111111", None, false, &mut rng),
            token
        );
        assert_ne!(
            vault.tokenize("other", "4111111111111111", None, false, &mut rng),
            token
        );
        let unique = vault.tokenize("fts-uat", "4111111111111111", None, true, &mut rng);
        assert_ne!(unique, token);
        assert!(luhn_valid(&unique));
    }

    #[test]
    fn ach_tokens_use_routing_prefix_and_account_suffix() {
        let mut vault = Vault::default();
        let token = vault.tokenize(
            "fts-uat",
            "123123123123",
            Some("124001545"),
            false,
            &mut SplitMix(3),
        );
        assert!(
            token.starts_with("912") && token.ends_with("3123"),
            "{token}"
        );
        assert!(luhn_valid(&token));
    }

    #[test]
    fn cutoff_is_the_next_settle_hour() {
        let hour = 3_600_000;
        assert_eq!(next_cutoff(DAY_MS + hour, 6), DAY_MS + 6 * hour);
        assert_eq!(next_cutoff(DAY_MS + 7 * hour, 6), 2 * DAY_MS + 6 * hour);
    }

    #[test]
    fn pan_debug_shows_only_last_four() {
        assert_eq!(
            format!("{:?}", Pan::new("4111111111111111")),
            "Pan(****1111)"
        );
    }
}
