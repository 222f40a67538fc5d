//! `auth`: authorization, optionally with capture and profile creation (spec §2.1).

use serde::{Deserialize, Serialize};

use crate::operation::{Method, operation, parse_json};
use crate::ops::extras::{BinInfo, EmvTagData, LineItem, MaskedAccount, Receipt, UserFields};
use crate::outcome::has_outcome;
use crate::wire::{Flag, model};
use crate::{
    AccountId, AccountNumber, AccountType, Amount, AvsResult, CofInitiator, Currency, Cvv,
    CvvResult, DeclineCategory, EcomInd, EntryMode, Expiry, MerchantAdvice, MerchantId, OrderId,
    PaymentSource, Postal, ProfileField, ProfileId, ReceiptRequest, RespProc, RespStat,
    ResponseCode, Retref, RoutingNumber, SettlementStatus, Token, TrackData, ValueError,
};

model! {
    /// An authorization request (`PUT /auth`). Build it with [`AuthRequest::new`] and set the
    /// optional public fields; the payment source is spread over `account`/`bankaba`/`profile`/
    /// `track` and read back with [`AuthRequest::source`].
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct AuthRequest {
        @required {
            /// Positive: authorize; zero: verify the account; negative: forced credit.
            amount: Amount,
        }
        /// The merchant when not the client's (see [`Operation::merchid`](crate::Operation::merchid)); `None`: the client's.
        merchid: MerchantId,
        /// Token, clear PAN or bank account (with `bankaba`); see [`AuthRequest::source`].
        account: AccountNumber,
        /// Expiry; required for keyed cards.
        expiry: Expiry,
        /// Card verification value.
        cvv2: Cvv,
        /// Must equal the merchant's currency.
        currency: Currency,
        /// `Y`: authorize and capture in one call.
        capture: Flag,
        /// `Y`: the response `account` is the masked PAN and `token` the token.
        tokenize: Flag,
        /// Merchant order id: send a unique one on every auth, it is how a lost answer is
        /// recovered.
        orderid: OrderId,
        /// Card-not-present origin.
        ecomind: EcomInd,
        /// Stored-credential initiator.
        cof: CofInitiator,
        /// `Y`: scheduled recurring.
        cofscheduled: Flag,
        /// Cardholder consent to store (with `profile:"Y"`).
        cofpermission: Flag,
        /// `Y` to create a profile, or the profile to charge.
        profile: ProfileField,
        /// Opt out of the Card Account Updater.
        auoptout: Flag,
        /// Routing number for a clear ACH account.
        bankaba: RoutingNumber,
        /// `ECHK`, `ESAV`, `PDEBIT` when needed.
        accttype: AccountType,
        /// Clear or encrypted track/EMV data.
        track: TrackData,
        /// Receipt data to return.
        receipt: ReceiptRequest,
        /// `Y`: return `binInfo`.
        bin: Flag,
        /// Base64 of a gzipped BMP signature.
        signature: String,
        /// Cardholder name.
        name: String,
        /// Company.
        company: String,
        /// Street address (AVS).
        address: String,
        /// Street address, line 2.
        address2: String,
        /// City.
        city: String,
        /// State/province.
        region: String,
        /// ISO-2 country (default `US`).
        country: String,
        /// Postal code (AVS).
        postal: Postal,
        /// Phone.
        phone: String,
        /// E-mail.
        email: String,
        /// Voice-authorization / force-capture code.
        authcode: String,
        /// Level 2: tax exempt.
        taxexempt: Flag,
        /// Level 2: tax amount.
        taxamnt: Amount,
        /// Level 2: purchase order number.
        ponumber: String,
        /// Invoice id (defaults to orderid).
        invoiceid: String,
        /// Terminal id for ClientLine reporting.
        termid: String,
        /// Merchant key/value pairs.
        userfields: UserFields,
        /// Level 3: freight amount.
        frtamnt: Amount,
        /// Level 3: duty amount.
        dutyamnt: Amount,
        /// Level 3: order date `YYYYMMDD`.
        orderdate: String,
        /// Level 3: ship-to postal code.
        shiptozip: String,
        /// Level 3: ship-from postal code.
        shipfromzip: String,
        /// Level 3: ship-to country.
        shiptocountry: String,
        /// Level 3: line items.
        items: Vec<LineItem>,
        /// 3-D Secure: directory server transaction id.
        securedstid: String,
        /// 3-D Secure: exemption (`ivr`, `lowrisk`, `lowvalue`, `trusted`).
        secureexemption: String,
        /// 3-D Secure: ECI (`05`/`06`).
        secureflag: String,
        /// 3-D Secure: CAVV.
        securevalue: String,
        /// Manual batch to join.
        batchsource: String,
        /// Attribution id (undocumented; accepted).
        frontendid: String,
    }
}

impl AuthRequest {
    /// An authorization of `amount`, paid by `source`, for the client's merchant.
    #[must_use]
    pub fn new(amount: Amount, source: PaymentSource) -> Self {
        let mut req = Self {
            merchid: None,
            amount,
            account: None,
            expiry: None,
            cvv2: None,
            currency: None,
            capture: None,
            tokenize: None,
            orderid: None,
            ecomind: None,
            cof: None,
            cofscheduled: None,
            cofpermission: None,
            profile: None,
            auoptout: None,
            bankaba: None,
            accttype: None,
            track: None,
            receipt: None,
            bin: None,
            signature: None,
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
            authcode: None,
            taxexempt: None,
            taxamnt: None,
            ponumber: None,
            invoiceid: None,
            termid: None,
            userfields: None,
            frtamnt: None,
            dutyamnt: None,
            orderdate: None,
            shiptozip: None,
            shipfromzip: None,
            shiptocountry: None,
            items: None,
            securedstid: None,
            secureexemption: None,
            secureflag: None,
            securevalue: None,
            batchsource: None,
            frontendid: None,
        };
        req.set_source(source);
        req
    }

    /// Replaces the payment source (clearing the fields of the previous one).
    pub fn set_source(&mut self, source: PaymentSource) {
        let f = source.into_fields();
        self.account = f.account;
        self.bankaba = f.bankaba;
        self.track = f.track;
        self.profile = match (f.profile, self.profile.take()) {
            (Some(r), _) => Some(ProfileField::Use(r)),
            (None, Some(ProfileField::Use(_))) | (None, None) => None,
            (None, Some(keep)) => Some(keep),
        };
    }

    /// The payment source the wire fields describe.
    ///
    /// # Errors
    /// [`ValueError`] when `account` is not a token, card number or bank account, or when no
    /// source is present (see [`PaymentSource::from_fields`]).
    pub fn source(&self) -> Result<PaymentSource, ValueError> {
        PaymentSource::from_fields(
            self.account.as_ref(),
            self.bankaba.as_ref(),
            self.profile.as_ref(),
            self.track.as_ref(),
        )
    }

    /// Sets `orderid` (builder style).
    #[must_use]
    pub fn with_order_id(mut self, orderid: OrderId) -> Self {
        self.orderid = Some(orderid);
        self
    }

    /// Sets `expiry` (builder style).
    #[must_use]
    pub fn with_expiry(mut self, expiry: Expiry) -> Self {
        self.expiry = Some(expiry);
        self
    }

    /// Sets `capture` (builder style).
    #[must_use]
    pub fn with_capture(mut self, capture: bool) -> Self {
        self.capture = Some(capture.into());
        self
    }

    /// Asks for a profile to be created if approved (builder style).
    #[must_use]
    pub fn with_profile_creation(mut self) -> Self {
        self.profile = Some(ProfileField::Create);
        self
    }
}

model! {
    /// The answer to `auth`: an approval, a decline or a retry — all ordinary values; read them
    /// with [`HasOutcome::outcome`](crate::HasOutcome::outcome).
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct AuthResponse {
        /// `A` approved, `B` retry, `C` declined.
        respstat: RespStat,
        /// Processor- or gateway-specific code.
        respcode: ResponseCode,
        /// Human text (≤ 40; PSTR up to 128).
        resptext: String,
        /// `PPS` or the host.
        respproc: RespProc,
        /// Retrieval reference: needed for every follow-up.
        retref: Retref,
        /// Merchant (for ACH: the linked ACH merchant).
        merchid: MerchantId,
        /// Approved amount (`0.00` on decline; the partial amount on a partial approval).
        amount: Amount,
        /// Token, or masked PAN with `tokenize:"Y"`.
        account: MaskedAccount,
        /// The token.
        token: Token,
        /// `MMYY`.
        expiry: Expiry,
        /// Authorization code.
        authcode: String,
        /// Batch, on approvals with `capture:"Y"`.
        batchid: String,
        /// AVS result.
        avsresp: AvsResult,
        /// CVV result.
        cvvresp: CvvResult,
        /// Commercial card: `Y`/`N` (older responses `" C "`, `"AC "`).
        commcard: String,
        /// Host, seen on declines.
        cardproc: RespProc,
        /// Profile created or used.
        profileid: ProfileId,
        /// Account of that profile.
        acctid: AccountId,
        /// Order id (with `receipt`; the gateway writes `orderId` or `orderid`).
        #[serde(rename = "orderId", alias = "orderid")]
        order_id: OrderId,
        /// Currency.
        currency: Currency,
        /// How the card was presented.
        entrymode: EntryMode,
        /// `Corp`, `FSA+Prepaid`, `Prepaid`, `Purchase`, …
        bintype: String,
        /// BIN details (with `bin:"Y"`).
        #[serde(rename = "binInfo")]
        bin_info: BinInfo,
        /// Stored-credential initiator, echoed.
        cof: CofInitiator,
        /// EMV: ARPC cryptogram, hex.
        emv: String,
        /// EMV receipt items.
        #[serde(rename = "emvTagData")]
        emv_tag_data: EmvTagData,
        /// Receipt (with `receipt:"Y"`).
        #[serde(rename = "receiptData")]
        receipt_data: Receipt,
        /// Receipt (with `receipt:"json"`).
        #[serde(rename = "receiptObj")]
        receipt_obj: Receipt,
        /// Signature carried by the token/track.
        signature: String,
        /// Settlement status (timed-out auths report `Declined`).
        setlstat: SettlementStatus,
        /// Visa decline category.
        #[serde(rename = "declineCategory")]
        decline_category: DeclineCategory,
        /// Its text.
        #[serde(rename = "declineCategoryText")]
        decline_category_text: String,
        /// Merchant advice code.
        #[serde(rename = "merchAdviceCode")]
        merch_advice_code: MerchantAdvice,
        /// Its text.
        #[serde(rename = "merchAdviceText")]
        merch_advice_text: String,
        /// Surcharge/convenience fee amount.
        fee_amount: Amount,
        /// Fee authorization code.
        fee_authcode: String,
        /// `flat` or `percent`.
        fee_format: String,
        /// Fee merchant.
        fee_merchid: String,
        /// Fee retref.
        fee_retref: String,
        /// `C`, `F`, `S`, `N` (observed `SURCHRG`).
        fee_type: String,
        /// Fee value.
        fee_value: String,
        /// Echoed user fields.
        userfields: UserFields,
    }
}

has_outcome!(AuthResponse);

impl AuthResponse {
    /// A response with the four outcome fields set (for emulators and tests).
    #[must_use]
    pub fn with_outcome(
        respstat: RespStat,
        respproc: RespProc,
        respcode: ResponseCode,
        resptext: impl Into<String>,
    ) -> Self {
        Self {
            respstat: Some(respstat),
            respproc: Some(respproc),
            respcode: Some(respcode),
            resptext: Some(resptext.into()),
            ..Self::default()
        }
    }
}

operation!(
    AuthRequest => AuthResponse, name: "auth", method: Method::WRITE,
    merchant: merchid, body: json_merchant, path: |_s, _m| Ok("auth".to_owned()),
    parse: parse_json,
);
