//! Stored profiles (section 2.13): create, add an account, update, read, delete; one default
//! account per profile; exact duplicates are not re-created.

use crate::config::Merchant;
use crate::gateway::{Ctx, expiry_mmyy, pps};
use crate::reply::Reply;
use crate::rules;
use crate::state::{Profile, ProfileAccount};
use crate::wire::{Fields, Obj, all_digits};
use cardpointe_types::luhn_valid;

/// Descriptive fields a profile account stores and echoes.
const STORED: &[&str] = &[
    "name", "company", "address", "address2", "city", "region", "country", "postal", "phone",
    "email", "ssnl4", "license",
];

fn account_fields(f: Fields<'_>) -> Vec<(String, String)> {
    STORED
        .iter()
        .filter_map(|k| f.text(k).map(|v| ((*k).to_owned(), v)))
        .collect()
}

fn account_obj(profileid: &str, account: &ProfileAccount) -> Obj {
    let mut obj = Obj::new();
    obj.s("profileid", profileid)
        .s("acctid", account.acctid.to_string());
    obj.s("defaultacct", if account.default { "Y" } else { "N" });
    obj.s("token", account.token.clone())
        .s("accttype", account.accttype.clone());
    obj.opt("expiry", account.expiry.clone());
    for (k, v) in &account.fields {
        obj.s(k.clone(), v.clone());
    }
    obj.s("auoptout", account.auoptout.clone())
        .s("gsacard", "N");
    obj.opt("cofpermission", account.cofpermission.clone());
    obj
}

fn profile_failure(code: &str) -> Obj {
    let (stat, text) = pps(code);
    let mut obj = Obj::new();
    obj.s("respproc", "PPS")
        .s("resptext", text)
        .s("respstat", stat.as_str())
        .s("respcode", code);
    obj
}

/// Adds an account to `profileid` (or a new profile), returning `(profileid, acctid)`; an exact
/// duplicate returns the existing pair.
fn store(
    ctx: &mut Ctx<'_>,
    merchid: &str,
    profileid: Option<String>,
    account: ProfileAccount,
    make_default: bool,
) -> (String, String) {
    for profile in ctx
        .state
        .profiles
        .values_mut()
        .filter(|p| p.merchid == merchid)
    {
        if let Some(existing) = profile.accounts.iter().position(|a| {
            a.token == account.token
                && a.expiry == account.expiry
                && a.fields == account.fields
                && a.auoptout == account.auoptout
        }) && profileid.as_deref().is_none_or(|p| p == profile.profileid)
        {
            if make_default {
                for (i, a) in profile.accounts.iter_mut().enumerate() {
                    a.default = i == existing;
                }
            }
            let acctid = profile.accounts.get(existing).map_or(1, |a| a.acctid);
            return (profile.profileid.clone(), acctid.to_string());
        }
    }
    let profileid = profileid.unwrap_or_else(|| ctx.state.next_profileid());
    let profile = ctx
        .state
        .profiles
        .entry(profileid.clone())
        .or_insert_with(|| Profile {
            profileid: profileid.clone(),
            merchid: merchid.to_owned(),
            accounts: Vec::new(),
            next_acctid: 1,
        });
    let mut account = account;
    account.acctid = profile.next_acctid;
    profile.next_acctid += 1;
    account.default = profile.accounts.is_empty() || make_default;
    if account.default {
        for a in &mut profile.accounts {
            a.default = false;
        }
    }
    let acctid = account.acctid.to_string();
    profile.accounts.push(account);
    (profileid, acctid)
}

/// `profile:"Y"` on an approved auth.
pub(crate) fn create_from_auth(
    ctx: &mut Ctx<'_>,
    merchid: &str,
    f: Fields<'_>,
    token: &impl TokenSource,
    expiry: Option<&str>,
) -> (String, String) {
    let account = ProfileAccount {
        acctid: 0,
        default: true,
        token: token.token().to_owned(),
        accttype: token.accttype().to_owned(),
        expiry: expiry.map(str::to_owned),
        fields: account_fields(f),
        auoptout: if f.flag("auoptout") { "Y" } else { "N" }.to_owned(),
        cofpermission: f.text("cofpermission"),
    };
    store(ctx, merchid, None, account, f.flag("defaultacct"))
}

/// Something that has a token and an account type (the auth's payment source).
pub(crate) trait TokenSource {
    fn token(&self) -> &str;
    fn accttype(&self) -> &str;
}

/// `PUT|POST profile`: create, add an account, or update one.
pub(crate) fn save(ctx: &mut Ctx<'_>, merchant: &Merchant, f: Fields<'_>) -> Reply {
    let merchid = merchant.merchid.clone();
    let target = f.text("profile");
    let (profileid, acctid) = match &target {
        Some(p) => match p.split_once('/') {
            Some((pid, a)) => (
                Some(pid.to_owned()),
                Some(a.to_owned()).filter(|a| !a.is_empty()),
            ),
            None => (Some(p.clone()), None),
        },
        None => (None, None),
    };
    if let Some(pid) = &profileid
        && ctx
            .state
            .profiles
            .get(pid)
            .is_none_or(|p| p.merchid != merchid)
    {
        return Reply::obj(profile_failure("96"));
    }
    // Update an existing account.
    if let (Some(pid), Some(acct)) = (&profileid, &acctid) {
        let merge = f.flag("profileupdate");
        let new_account = match f.text("account") {
            Some(a) => match tokenize_account(ctx, f, &a) {
                Ok(t) => Some(t),
                Err(code) => return Reply::obj(profile_failure(code)),
            },
            None => None,
        };
        let fields = account_fields(f);
        let expiry = f.text("expiry").and_then(|e| expiry_mmyy(&e));
        let make_default = f.flag("defaultacct");
        let Some(profile) = ctx.state.profiles.get_mut(pid) else {
            return Reply::obj(profile_failure("96"));
        };
        let Some(index) = profile
            .accounts
            .iter()
            .position(|a| a.acctid.to_string() == *acct)
        else {
            return Reply::obj(profile_failure("96"));
        };
        if make_default {
            for a in &mut profile.accounts {
                a.default = false;
            }
        }
        let Some(account) = profile.accounts.get_mut(index) else {
            return Reply::obj(profile_failure("96"));
        };
        if let Some((token, accttype)) = new_account {
            account.token = token;
            account.accttype = accttype;
        }
        if merge {
            for (k, v) in fields {
                match account.fields.iter_mut().find(|(key, _)| *key == k) {
                    Some(slot) => slot.1 = v,
                    None => account.fields.push((k, v)),
                }
            }
            if expiry.is_some() {
                account.expiry = expiry;
            }
        } else {
            account.fields = fields;
            account.expiry = expiry;
        }
        if make_default {
            account.default = true;
        }
        account.auoptout = if f.flag("auoptout") { "Y" } else { "N" }.to_owned();
        let mut obj = account_obj(pid, account);
        saved_fields(&mut obj);
        return Reply::obj(obj);
    }
    let Some(account_text) = f.text("account") else {
        return Reply::obj(profile_failure("34"));
    };
    let (token, accttype) = match tokenize_account(ctx, f, &account_text) {
        Ok(t) => t,
        Err(code) => return Reply::obj(profile_failure(code)),
    };
    let expiry = match f.text("expiry") {
        Some(e) => match expiry_mmyy(&e) {
            Some(e) => Some(e),
            None => return Reply::obj(profile_failure("15")),
        },
        None => None,
    };
    let account = ProfileAccount {
        acctid: 0,
        default: false,
        token,
        accttype,
        expiry,
        fields: account_fields(f),
        auoptout: if f.flag("auoptout") { "Y" } else { "N" }.to_owned(),
        cofpermission: f.text("cofpermission"),
    };
    let (pid, acct) = store(ctx, &merchid, profileid, account, f.flag("defaultacct"));
    let Some(stored) = ctx
        .state
        .profiles
        .get(&pid)
        .and_then(|p| p.accounts.iter().find(|a| a.acctid.to_string() == acct))
    else {
        return Reply::obj(profile_failure("96"));
    };
    let mut obj = account_obj(&pid, stored);
    saved_fields(&mut obj);
    Reply::obj(obj)
}

fn saved_fields(obj: &mut Obj) {
    obj.s("respproc", "PPS")
        .s("respcode", "09")
        .s("resptext", "Profile Saved")
        .s("respstat", "A");
}

/// A profile's account: an existing token, a clear PAN, or a bank account with `bankaba`.
fn tokenize_account(
    ctx: &mut Ctx<'_>,
    f: Fields<'_>,
    account: &str,
) -> Result<(String, String), &'static str> {
    let account: String = account.chars().filter(|c| *c != ' ').collect();
    if !all_digits(&account) {
        return Err("11");
    }
    if account.len() == 16 && account.starts_with('9') {
        let entry = ctx
            .state
            .vault
            .get(&ctx.config.site, &account)
            .ok_or("98")?;
        let accttype = match &entry.routing {
            Some(_) => "ECHK".to_owned(),
            None => rules::brand(entry.pan.as_str())
                .map_or("VISA", rules::accttype)
                .to_owned(),
        };
        return Ok((account, accttype));
    }
    let mut rng = ctx.state.rng();
    if let Some(routing) = f.text("bankaba") {
        let accttype = f
            .text("accttype")
            .map_or_else(|| "ECHK".to_owned(), |a| a.to_ascii_uppercase());
        let token =
            ctx.state
                .vault
                .tokenize(&ctx.config.site, &account, Some(&routing), false, &mut rng);
        return Ok((token, accttype));
    }
    if !luhn_valid(&account) {
        return Err("13");
    }
    let brand = rules::brand(&account).ok_or("33")?;
    let token = ctx
        .state
        .vault
        .tokenize(&ctx.config.site, &account, None, false, &mut rng);
    Ok((token, rules::accttype(brand).to_owned()))
}

/// `GET profile/{profileid}/{acctid}/{merchid}`: always a JSON array (also for "not found",
/// a single-element array — the spec leaves the shape open and an array keeps one type).
pub(crate) fn read(ctx: &Ctx<'_>, profileid: &str, acctid: &str, merchid: &str) -> Reply {
    let Some(profile) = ctx
        .state
        .profiles
        .get(profileid)
        .filter(|p| p.merchid == merchid)
    else {
        return Reply::array(vec![profile_failure("96")]);
    };
    let items: Vec<Obj> = profile
        .accounts
        .iter()
        .filter(|a| acctid.is_empty() || a.acctid.to_string() == acctid)
        .map(|a| account_obj(profileid, a))
        .collect();
    if items.is_empty() {
        return Reply::array(vec![profile_failure("96")]);
    }
    Reply::array(items)
}

/// `DELETE profile/{profileid}/{acctid}/{merchid}`.
pub(crate) fn delete(ctx: &mut Ctx<'_>, profileid: &str, acctid: &str, merchid: &str) -> Reply {
    let Some(profile) = ctx
        .state
        .profiles
        .get_mut(profileid)
        .filter(|p| p.merchid == merchid)
    else {
        return Reply::obj(profile_failure("96"));
    };
    let whole = acctid.is_empty()
        || (profile.accounts.len() == 1
            && profile
                .accounts
                .iter()
                .any(|a| a.acctid.to_string() == acctid));
    if !whole {
        let Some(index) = profile
            .accounts
            .iter()
            .position(|a| a.acctid.to_string() == acctid)
        else {
            return Reply::obj(profile_failure("96"));
        };
        if profile.accounts.get(index).is_some_and(|a| a.default) {
            return Reply::obj(profile_failure("34"));
        }
        profile.accounts.remove(index);
    } else {
        ctx.state.profiles.remove(profileid);
    }
    let mut obj = Obj::new();
    obj.s("respproc", "PPS")
        .s("respcode", "08")
        .s("resptext", "Profile Deleted")
        .s("respstat", "A");
    obj.s("profileid", profileid);
    if !acctid.is_empty() {
        obj.s("acctid", acctid);
    }
    Reply::obj(obj)
}
