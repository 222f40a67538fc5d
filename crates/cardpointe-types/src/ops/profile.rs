//! `profile`: the stored-customer vault — create/update, read, delete (spec §2.13).

use serde::{Deserialize, Serialize};

use crate::operation::{Merchant, Method, RetrySafety, operation, parse_json, parse_list_or_one};
use crate::ops::extras::MaskedAccount;
use crate::outcome::has_outcome;
use crate::wire::{Flag, model};
use crate::{
    AccountId, AccountNumber, AccountType, CardBrand, Cvv, EncodeError, Expiry, MerchantId,
    PaymentSource, Postal, ProfileId, ProfileRef, RespProc, RespStat, ResponseCode, RoutingNumber,
    Token, ValueError,
};

model! {
    /// Create or update a profile (`PUT /profile`). `profile` absent: a new profile; a bare
    /// profile id: add an account to it; `<profileid>/<acctid>`: update that account.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct ProfileRequest {
        @required {
        }
        /// The merchant when not the client's (see [`Operation::merchid`](crate::Operation::merchid)); `None`: the client's.
        merchid: MerchantId,
        /// Token, PAN or bank account (with `bankaba`); required to create.
        account: AccountNumber,
        /// Required for cards.
        expiry: Expiry,
        /// CVV (kept only until the first auth).
        cvv2: Cvv,
        /// What to update (see the type docs).
        profile: ProfileRef,
        /// `Y`: only non-empty fields overwrite stored data.
        profileupdate: Flag,
        /// `Y`: make this the default account.
        defaultacct: Flag,
        /// `ECHK`, `ESAV`, …
        accttype: AccountType,
        /// Routing number for a clear bank account.
        bankaba: RoutingNumber,
        /// Name.
        name: String,
        /// Company.
        company: String,
        /// Street.
        address: String,
        /// Street, line 2.
        address2: String,
        /// City.
        city: String,
        /// State/province.
        region: String,
        /// ISO-2 country.
        country: String,
        /// Postal code.
        postal: Postal,
        /// Phone.
        phone: String,
        /// E-mail.
        email: String,
        /// Opt out of the Card Account Updater.
        auoptout: Flag,
        /// Cardholder consent to store.
        cofpermission: Flag,
        /// Legacy ACH verification: last 4 of the SSN.
        ssnl4: String,
        /// Legacy ACH verification: `ST:number`.
        license: String,
    }
}

impl ProfileRequest {
    /// Stores `source` (a token, card or bank account) as a new profile.
    ///
    /// # Errors
    /// [`ValueError::Format`] for a profile or track source, which cannot be stored this way.
    pub fn create(source: PaymentSource) -> Result<Self, ValueError> {
        if matches!(source, PaymentSource::Profile(_) | PaymentSource::Track(_)) {
            return Err(ValueError::Format {
                kind: "profile source",
                expected: "a token, a card number or a bank account",
            });
        }
        let f = source.into_fields();
        Ok(Self {
            merchid: None,
            account: f.account,
            bankaba: f.bankaba,
            expiry: None,
            cvv2: None,
            profile: None,
            profileupdate: None,
            defaultacct: None,
            accttype: None,
            name: None,
            company: None,
            address: None,
            address2: None,
            city: None,
            region: None,
            country: None,
            postal: None,
            phone: None,
            email: None,
            auoptout: None,
            cofpermission: None,
            ssnl4: None,
            license: None,
        })
    }

    /// Targets an existing profile (add an account) or account (update it).
    #[must_use]
    pub fn for_profile(mut self, profile: ProfileRef) -> Self {
        self.profile = Some(profile);
        self
    }
}

model! {
    /// A stored account as `profile` reports it (create/update/delete answers and each item of a
    /// read). Reads carry no `resp*` fields on success.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct ProfileResponse {
        /// `A`, `B` or `C`.
        respstat: RespStat,
        /// `09` Profile Saved, `08` Profile Deleted, `96` Profile not found, …
        respcode: ResponseCode,
        /// Response text.
        resptext: String,
        /// `PPS`.
        respproc: RespProc,
        /// Merchant.
        merchid: MerchantId,
        /// Profile.
        profileid: ProfileId,
        /// Account within it.
        acctid: AccountId,
        /// Whether it is the default account.
        defaultacct: Flag,
        /// Token.
        token: Token,
        /// Account echo.
        account: MaskedAccount,
        /// `VISA`, `MC`, `ECHK`, …
        accttype: CardBrand,
        /// `MMYY`.
        expiry: Expiry,
        /// Name.
        name: String,
        /// Company.
        company: String,
        /// Street.
        address: String,
        /// Street, line 2.
        address2: String,
        /// City.
        city: String,
        /// State/province.
        region: String,
        /// Country.
        country: String,
        /// Postal code.
        postal: Postal,
        /// Phone.
        phone: String,
        /// E-mail.
        email: String,
        /// Card Account Updater opt-out.
        auoptout: Flag,
        /// GSA card.
        gsacard: Flag,
        /// Consent to store.
        cofpermission: Flag,
        /// Legacy ACH verification, echoed.
        ssnl4: String,
        /// Legacy ACH verification, echoed.
        license: String,
    }
}

has_outcome!(ProfileResponse);

operation!(
    ProfileRequest => ProfileResponse, name: "profile", method: Method::WRITE,
    merchant: merchid, body: json_merchant, path: |_s, _m| Ok("profile".to_owned()),
    parse: parse_json,
);

/// `GET /profile/{profileid}/{acctid}/{merchid}` (all accounts when `acctid` is `None`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ProfileReadRequest {
    /// The merchant when not the client's (see [`Operation::merchid`](crate::Operation::merchid)); `None`: the client's.
    pub merchid: Option<MerchantId>,
    /// The profile and optionally one account.
    pub profile: ProfileRef,
}

impl ProfileReadRequest {
    /// Reads `profile`.
    #[must_use]
    pub const fn new(profile: ProfileRef) -> Self {
        Self {
            merchid: None,
            profile,
        }
    }
}

/// `DELETE /profile/{profileid}/{acctid}/{merchid}` (the whole profile when `acctid` is `None`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ProfileDeleteRequest {
    /// The merchant when not the client's (see [`Operation::merchid`](crate::Operation::merchid)); `None`: the client's.
    pub merchid: Option<MerchantId>,
    /// The profile and optionally one account.
    pub profile: ProfileRef,
}

impl ProfileDeleteRequest {
    /// Deletes `profile` (or one of its accounts).
    #[must_use]
    pub const fn new(profile: ProfileRef) -> Self {
        Self {
            merchid: None,
            profile,
        }
    }
}

fn profile_path(merchant: Merchant<'_>, p: &ProfileRef) -> Result<String, EncodeError> {
    let acct = p.account.as_ref().map(AccountId::as_str).unwrap_or("");
    Ok(format!("profile/{}/{acct}/{}", p.profile, merchant.get()?))
}

operation!(
    ProfileReadRequest => Vec<ProfileResponse>, name: "profile read", method: Method::Get,
    retry: RetrySafety::Safe, merchant: merchid, body: nobody,
    path: |s, m| profile_path(m, &s.profile), parse: parse_list_or_one,
);

operation!(
    ProfileDeleteRequest => ProfileResponse, name: "profile delete", method: Method::Delete,
    retry: RetrySafety::Safe, merchant: merchid, body: nobody,
    path: |s, m| profile_path(m, &s.profile), parse: parse_json,
);
