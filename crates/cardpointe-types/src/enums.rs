//! Open code sets of the gateway: card brands and account types, entry modes, settlement
//! statuses, AVS and CVV results, batch statuses, decline categories and merchant advice codes.
//!
//! Each is an enum of the documented values plus `Other(String)` for what a host may add later
//! (the gateway declares new values backward compatible); reading matches case-insensitively,
//! writing uses the documented spelling.

/// Declares an open enum: documented variants with their wire text, plus `Other(String)`.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal $(| $alias:literal)* ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this crate does not know yet, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The wire text of this value.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Other(s) => s,
                }
            }

            /// Every documented value (not `Other`).
            pub const KNOWN: &'static [$name] = &[ $( Self::$variant ),* ];
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::ValueError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                if s.is_empty() {
                    return Err($crate::ValueError::Empty { kind: stringify!($name) });
                }
                $(
                    if s.eq_ignore_ascii_case($wire) $(|| s.eq_ignore_ascii_case($alias))* {
                        return Ok(Self::$variant);
                    }
                )*
                Ok(Self::Other(s.to_owned()))
            }
        }

        $crate::wire::text_serde!($name);
    };
}
pub(crate) use open_enum;

open_enum! {
    /// Card brand / account type: as the gateway reports it (`accttype` in profiles, `cardtype`
    /// in settlement, `cardbrand` in funding), and as a card number's leading digits tell it
    /// ([`CardBrand::from_pan_prefix`]) — the one brand vocabulary of the workspace.
    pub enum CardBrand {
        /// Visa.
        Visa = "VISA",
        /// Mastercard.
        Mastercard = "MC" | "MASTERCARD",
        /// American Express.
        Amex = "AMEX",
        /// Discover (and the networks it carries).
        Discover = "DISC" | "DISCOVER",
        /// Diners Club.
        Diners = "DINERS",
        /// JCB.
        Jcb = "JCB",
        /// China UnionPay (the gateway's spelling is undocumented; read as `UNIONPAY` or `CUP`).
        UnionPay = "UNIONPAY" | "CUP",
        /// Maestro (the gateway's spelling is undocumented; read as `MAESTRO`).
        Maestro = "MAESTRO",
        /// ACH checking (`ECHK`).
        Checking = "ECHK",
        /// ACH savings (`ESAV`).
        Savings = "ESAV",
        /// PINless debit (`PDEBIT`).
        PinlessDebit = "PDEBIT",
        /// PayPal (older docs).
        PayPal = "PPAL",
        /// Gift card (older docs).
        Gift = "GIFT",
    }
}

impl CardBrand {
    /// The brand of a card number from its issuer identification number (the leading digits;
    /// the first 6 decide the narrow ranges, fewer digits answer when they already decide it).
    /// Only the digits are read: whether the brand issues numbers of this length is
    /// [`CardBrand::issues_length`]. A CardSecure token (`9…`) has no brand.
    ///
    /// | brand | IIN ranges |
    /// |---|---|
    /// | Visa | 4 |
    /// | Mastercard | 51–55, 2221–2720 |
    /// | American Express | 34, 37 |
    /// | Discover | 6011, 622126–622925, 644–649, 65 |
    /// | Diners Club | 300–305, 3095, 36, 38, 39 |
    /// | JCB | 3528–3589 |
    /// | UnionPay | 62 (outside Discover's range), 81 |
    /// | Maestro | 5018, 5020, 5038, 5893, 6304, 6759, 6761–6763 |
    ///
    /// ```
    /// use cardpointe_types::CardBrand;
    /// assert_eq!(CardBrand::from_pan_prefix("4111111111111111"), Some(CardBrand::Visa));
    /// assert_eq!(CardBrand::from_pan_prefix("2223000048400011"), Some(CardBrand::Mastercard));
    /// assert_eq!(CardBrand::from_pan_prefix("9418594164541111"), None);
    /// ```
    #[must_use]
    pub fn from_pan_prefix(pan: &str) -> Option<Self> {
        let prefix = |n: usize| -> Option<u32> {
            let head = pan.get(..n)?;
            if head.bytes().all(|b| b.is_ascii_digit()) {
                head.parse().ok()
            } else {
                None
            }
        };
        let in_range =
            |n: usize, low: u32, high: u32| prefix(n).is_some_and(|p| (low..=high).contains(&p));
        let is = |n: usize, iins: &[u32]| prefix(n).is_some_and(|p| iins.contains(&p));
        // Most specific ranges first.
        let brand = if in_range(6, 622_126, 622_925) {
            Self::Discover
        } else if is(4, &[5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763]) {
            Self::Maestro
        } else if is(4, &[6011]) || in_range(3, 644, 649) || is(2, &[65]) {
            Self::Discover
        } else if in_range(4, 3528, 3589) {
            Self::Jcb
        } else if in_range(3, 300, 305) || is(4, &[3095]) || is(2, &[36, 38, 39]) {
            Self::Diners
        } else if is(2, &[34, 37]) {
            Self::Amex
        } else if in_range(2, 51, 55) || in_range(4, 2221, 2720) {
            Self::Mastercard
        } else if is(2, &[62, 81]) {
            Self::UnionPay
        } else if is(1, &[4]) {
            Self::Visa
        } else {
            return None;
        };
        Some(brand)
    }

    /// The brand suggested by the first two digits of a card number, as a CardSecure token
    /// carries them in its digits 2–3 (spec §6.4). Coarser than
    /// [`from_pan_prefix`](Self::from_pan_prefix): two digits cannot separate every range (`62`
    /// is taken as UnionPay, `60` as Discover).
    #[must_use]
    pub fn from_first_two_digits(first_two: &str) -> Option<Self> {
        if first_two.len() != 2 {
            return None;
        }
        match first_two.parse::<u8>().ok()? {
            34 | 37 => Some(Self::Amex),
            40..=49 => Some(Self::Visa),
            22..=27 | 51..=55 => Some(Self::Mastercard),
            60 | 64 | 65 => Some(Self::Discover),
            35 => Some(Self::Jcb),
            30 | 36 | 38 | 39 => Some(Self::Diners),
            62 | 81 => Some(Self::UnionPay),
            50 | 56..=58 | 63 | 67 => Some(Self::Maestro),
            _ => None,
        }
    }

    /// The card-number lengths the brand issues (empty for account types that are not cards).
    #[must_use]
    pub fn pan_lengths(&self) -> &'static [usize] {
        match self {
            Self::Visa => &[13, 16, 19],
            Self::Mastercard => &[16],
            Self::Amex => &[15],
            Self::Discover | Self::Jcb | Self::UnionPay => &[16, 17, 18, 19],
            Self::Diners => &[14, 15, 16, 17, 18, 19],
            Self::Maestro => &[12, 13, 14, 15, 16, 17, 18, 19],
            _ => &[],
        }
    }

    /// `true` when the brand issues card numbers of `len` digits.
    #[must_use]
    pub fn issues_length(&self, len: usize) -> bool {
        self.pan_lengths().contains(&len)
    }

    /// The length of the card security code: 4 for American Express (CID), 3 for the others.
    #[must_use]
    pub fn cvv_length(&self) -> usize {
        match self {
            Self::Amex => 4,
            _ => 3,
        }
    }

    /// The brand's display name (`American Express`); the wire text for values this crate
    /// does not know.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Visa => "Visa",
            Self::Mastercard => "Mastercard",
            Self::Amex => "American Express",
            Self::Discover => "Discover",
            Self::Diners => "Diners Club",
            Self::Jcb => "JCB",
            Self::UnionPay => "UnionPay",
            Self::Maestro => "Maestro",
            Self::Checking => "ACH checking",
            Self::Savings => "ACH savings",
            Self::PinlessDebit => "PINless debit",
            Self::PayPal => "PayPal",
            Self::Gift => "Gift card",
            Self::Other(other) => other,
        }
    }
}

open_enum! {
    /// The `accttype` a request may name when needed (ACH or PINless debit).
    pub enum AccountType {
        /// ACH checking.
        Checking = "ECHK",
        /// ACH savings.
        Savings = "ESAV",
        /// PINless debit.
        PinlessDebit = "PDEBIT",
        /// PayPal (older docs).
        PayPal = "PPAL",
        /// Older docs.
        Paid = "PAID",
        /// Gift card (older docs).
        Gift = "GIFT",
    }
}

open_enum! {
    /// How the card was presented (`entrymode`).
    pub enum EntryMode {
        /// Keyed card-present.
        Keyed = "Keyed",
        /// Mail/telephone order.
        Moto = "Moto",
        /// E-commerce.
        ECommerce = "ECommerce",
        /// Recurring.
        Recurring = "Recurring",
        /// Magnetic stripe (not EMV).
        Swipe = "Swipe(Non EMV)",
        /// Apple Pay / Google Pay.
        DigitalWallet = "DigitalWallet",
        /// EMV chip inserted.
        EmvContact = "EMVContact",
        /// Tapped.
        Contactless = "Contactless",
        /// Chip failed, stripe used.
        FallbackToSwipe = "Fallback to Swipe",
        /// Chip failed, keyed.
        FallbackToKeyed = "Fallback to Keyed",
    }
}

open_enum! {
    /// Settlement status of a transaction, long form (`setlstat` in capture/inquire responses).
    pub enum SettlementStatus {
        /// Approved, not captured yet (full or partial void allowed).
        Authorized = "Authorized",
        /// Captured, batch not yet sent (full void only).
        QueuedForCapture = "Queued for Capture",
        /// Batch accepted for funding (refund, not void).
        Accepted = "Accepted",
        /// Rejected for funding.
        Rejected = "Rejected",
        /// Authorization declined (also timed-out auths).
        Declined = "Declined",
        /// Voided.
        Voided = "Voided",
        /// A $0 verification; cannot be captured.
        ZeroAmount = "Zero Amount",
        /// Not transmitted: bad order/item data.
        FormatError = "Format Error",
        /// Not settled: token decryption error.
        TokenDecrypt = "Token Decrypt",
        /// Vantiv PIN debit, settled by the host.
        PinDebit = "Pin Debit",
        /// Over threshold, pending accept/reject (FNOR/RPCT).
        AmountUnderReview = "Amount under review",
        /// Seen only in a client's stub data (unconfirmed).
        Pending = "Pending",
    }
}

open_enum! {
    /// Settlement status of one transaction in a `settlestat` batch (short form).
    pub enum SettlementTxnStatus {
        /// Accepted.
        Accepted = "Y",
        /// Rejected.
        Rejected = "N",
        /// Format error.
        FormatError = "F",
        /// PIN debit (Vantiv).
        PinDebit = "P",
        /// Token decrypt error.
        TokenDecrypt = "T",
        /// Amount under review (FNOR/RPCT).
        AmountUnderReview = "W",
    }
}

open_enum! {
    /// Processor batch status (`hoststat`); a blank value means queued and reads as `None`.
    pub enum HostBatchStatus {
        /// Accepted.
        Accepted = "GB",
        /// Mixed: some transactions rejected.
        Mixed = "MB",
        /// All rejected.
        AllRejected = "BB",
        /// Rejected.
        Rejected = "RB",
        /// Empty.
        Empty = "EB",
        /// Sent, unconfirmed.
        Sent = "SB",
        /// No confirmation in time.
        NoConfirmation = "ND",
    }
}

open_enum! {
    /// CVV verification result (`cvvresp`); blank reads as `None`.
    pub enum CvvResult {
        /// Match.
        Match = "M",
        /// No match.
        NoMatch = "N",
        /// Not processed.
        NotProcessed = "P",
        /// Merchant says the CVV is not on the card.
        NotOnCard = "S",
        /// Issuer not certified / no keys.
        IssuerNotCertified = "U",
        /// No response.
        NoResponse = "X",
    }
}

impl CvvResult {
    /// `true` only for a match.
    #[must_use]
    pub fn matched(&self) -> bool {
        matches!(self, Self::Match)
    }
}

open_enum! {
    /// AVS result (`avsresp`), First Data family codes plus Paymentech `I1`–`I8`; blank (`" "`,
    /// not attempted) reads as `None`.
    pub enum AvsResult {
        /// US address and 5-digit ZIP match.
        AddressAndZip5 = "Y",
        /// US address and 9-digit ZIP match.
        AddressAndZip9 = "X",
        /// Visa UK: address and postal match.
        UkMatch = "F",
        /// Visa non-US: address and postal match.
        InternationalMatch = "D",
        /// International address and postal match.
        InternationalFullMatch = "M",
        /// Address only.
        AddressOnly = "A",
        /// ZIP only (5 or 9 digits).
        ZipOnly = "Z",
        /// 9-digit ZIP only.
        Zip9Only = "W",
        /// Postal only (international).
        PostalOnly = "P",
        /// International address match, postal not verified.
        InternationalAddressOnly = "B",
        /// Neither matches.
        NoMatch = "N",
        /// International: neither verified.
        InternationalNoMatch = "C",
        /// International address not verified.
        InternationalNotVerified = "I",
        /// Retry: issuer system unavailable.
        Retry = "R",
        /// Not supported.
        NotSupported = "S",
        /// Unavailable.
        Unavailable = "U",
        /// Non-US issuer does not participate.
        NotParticipating = "G",
        /// Error, not performed.
        Error = "E",
        /// Bill-to failed edit checks.
        EditError = "Q",
        /// Paymentech I1 (match).
        PaymentechI1 = "I1",
        /// Paymentech I2 (match).
        PaymentechI2 = "I2",
        /// Paymentech I3 (match).
        PaymentechI3 = "I3",
        /// Paymentech I4 (match).
        PaymentechI4 = "I4",
        /// Paymentech I5 (no match).
        PaymentechI5 = "I5",
        /// Paymentech I6 (no match).
        PaymentechI6 = "I6",
        /// Paymentech I7 (no match).
        PaymentechI7 = "I7",
        /// Paymentech I8 (no match).
        PaymentechI8 = "I8",
    }
}

impl AvsResult {
    /// `true` when both address and postal code matched.
    #[must_use]
    pub fn full_match(&self) -> bool {
        matches!(
            self,
            Self::AddressAndZip5
                | Self::AddressAndZip9
                | Self::UkMatch
                | Self::InternationalMatch
                | Self::InternationalFullMatch
        )
    }
}

open_enum! {
    /// Visa decline category (`declineCategory`, spec §3.8).
    pub enum DeclineCategory {
        /// 1: the issuer will never approve — do not retry.
        DoNotRetry = "1",
        /// 2: cannot approve now — wait and retry (at most 15 retries in 30 days).
        WaitToRetry = "2",
        /// 3: fix the request data and retry.
        FixAndRetry = "3",
        /// 4: sent by the RPCT UAT host with empty text.
        Unspecified = "4",
    }
}

open_enum! {
    /// Mastercard/Visa merchant advice code (`merchAdviceCode`, spec §3.8). Codes mean different
    /// things per brand (`02` is "retry after 3 days" for Mastercard but "cardholder blocked this
    /// payment" for Visa); [`MerchantAdvice::mastercard_text`] and
    /// [`MerchantAdvice::visa_text`] give both readings.
    pub enum MerchantAdvice {
        /// 01.
        Code01 = "01",
        /// 02.
        Code02 = "02",
        /// 03.
        Code03 = "03",
        /// 04.
        Code04 = "04",
        /// 05.
        Code05 = "05",
        /// 06.
        Code06 = "06",
        /// 07.
        Code07 = "07",
        /// 21.
        Code21 = "21",
        /// 22.
        Code22 = "22",
        /// 24.
        Code24 = "24",
        /// 25.
        Code25 = "25",
        /// 26.
        Code26 = "26",
        /// 27.
        Code27 = "27",
        /// 28.
        Code28 = "28",
        /// 29.
        Code29 = "29",
        /// 30.
        Code30 = "30",
        /// 40.
        Code40 = "40",
        /// 41.
        Code41 = "41",
        /// Visa R0.
        R0 = "R0",
        /// Visa R1.
        R1 = "R1",
        /// Visa R3.
        R3 = "R3",
    }
}

impl MerchantAdvice {
    /// The Mastercard meaning of the code, if it has one.
    #[must_use]
    pub fn mastercard_text(&self) -> Option<&'static str> {
        Some(match self.as_str() {
            "01" => "New account information available",
            "02" => "Retry after 3 days",
            "03" => "Account closed",
            "04" => "Token requirements not fulfilled for this token type",
            "05" => "Card account closed or fraud",
            "06" => "Cardholder canceled recurring payment",
            "07" => "Cancel specific payment",
            "21" => "Stop recurring for this merchant",
            "22" => "Merchant does not qualify for product code",
            "24" => "Retry after 1 hour",
            "25" => "Retry after 24 hours",
            "26" => "Retry after 2 days",
            "27" => "Retry after 4 days",
            "28" => "Retry after 6 days",
            "29" => "Retry after 8 days",
            "30" => "Retry after 10 days",
            "40" => "Non-reloadable prepaid card",
            "41" => "Single-use virtual card",
            _ => return None,
        })
    }

    /// The Visa meaning of the code, if it has one.
    #[must_use]
    pub fn visa_text(&self) -> Option<&'static str> {
        Some(match self.as_str() {
            "02" => "Cardholder blocked this payment",
            "03" => "Cardholder stopped all recurring for this merchant",
            "21" => "All recurring payments cancelled for this card",
            "R0" => "Stop payment order",
            "R1" => "Revocation of authorization order",
            "R3" => "Revocation of all authorizations order",
            _ => return None,
        })
    }

    /// `true` when the advice forbids retrying this payment (account closed, fraud, recurring
    /// stopped or revoked) under either brand.
    #[must_use]
    pub fn forbids_retry(&self) -> bool {
        matches!(
            self.as_str(),
            "03" | "05" | "06" | "07" | "21" | "40" | "41" | "R0" | "R1" | "R3"
        )
    }
}

open_enum! {
    /// Card-not-present origin (`ecomind`); omit for card-present. For ProfitStars ACH, `E` is
    /// WEB (the default), `T` TEL and `B` PPD.
    pub enum EcomInd {
        /// E-commerce (ACH: WEB).
        Ecommerce = "E",
        /// Telephone or mail order (ACH: TEL).
        Telephone = "T",
        /// Recurring (ignored where stored-credential fields are supported).
        Recurring = "R",
        /// ACH PPD.
        Ppd = "B",
    }
}

open_enum! {
    /// Who initiated a stored-credential transaction (`cof`).
    pub enum CofInitiator {
        /// The customer.
        Customer = "C",
        /// The merchant (recurring, instalments).
        Merchant = "M",
    }
}

open_enum! {
    /// What receipt data to return (`receipt`).
    pub enum ReceiptRequest {
        /// `Y`: a `receiptData` object.
        Data = "Y",
        /// `N`: none (the default).
        None = "N",
        /// `json`: a `receiptObj` object with EMV fields.
        Json = "json",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settlement_status_reads_any_case_and_writes_the_documented_spelling() {
        let s: SettlementStatus = "Zero amount".parse().unwrap();
        assert_eq!(s, SettlementStatus::ZeroAmount);
        assert_eq!(s.to_string(), "Zero Amount");
        let q: SettlementStatus = "Queued for Capture".parse().unwrap();
        assert_eq!(q, SettlementStatus::QueuedForCapture);
    }

    #[test]
    fn unknown_values_are_kept_verbatim() {
        let s: EntryMode = "Hologram".parse().unwrap();
        assert_eq!(s, EntryMode::Other("Hologram".into()));
        assert_eq!(s.to_string(), "Hologram");
    }

    #[test]
    fn brands_come_from_pan_prefixes() {
        assert_eq!(
            CardBrand::from_pan_prefix("4111111111111111"),
            Some(CardBrand::Visa)
        );
        assert_eq!(
            CardBrand::from_pan_prefix("5454545454545454"),
            Some(CardBrand::Mastercard)
        );
        assert_eq!(
            CardBrand::from_pan_prefix("371449635398431"),
            Some(CardBrand::Amex)
        );
        assert_eq!(
            CardBrand::from_pan_prefix("6011000995500000"),
            Some(CardBrand::Discover)
        );
        assert_eq!(
            CardBrand::from_pan_prefix("36438999960016"),
            Some(CardBrand::Diners)
        );
        assert_eq!(
            CardBrand::from_pan_prefix("3528000000000007"),
            Some(CardBrand::Jcb)
        );
        assert_eq!(CardBrand::from_pan_prefix("1234567890123"), None);
    }

    #[test]
    fn brands_follow_their_iin_ranges() {
        for (pan, brand) in [
            ("4111111111111111", CardBrand::Visa),
            ("5105105105105100", CardBrand::Mastercard),
            ("2221000000000009", CardBrand::Mastercard),
            ("2720999999999996", CardBrand::Mastercard),
            ("371449635398431", CardBrand::Amex),
            ("341111111111111", CardBrand::Amex),
            ("6011111111111117", CardBrand::Discover),
            ("6445644564456445", CardBrand::Discover),
            ("6510000000000000", CardBrand::Discover),
            ("6221260000000000", CardBrand::Discover),
            ("6229250000000000", CardBrand::Discover),
            ("6221250000000000", CardBrand::UnionPay),
            ("3530111333300000", CardBrand::Jcb),
            ("30569309025904", CardBrand::Diners),
            ("36227206271667", CardBrand::Diners),
            ("6759649826438453", CardBrand::Maestro),
        ] {
            assert_eq!(CardBrand::from_pan_prefix(pan), Some(brand), "{pan}");
        }
        for pan in [
            "2220999999999999",
            "2721000000000000",
            "1234567890123456",
            "9418594164541111",
            "",
            "4x",
        ] {
            assert_ne!(
                CardBrand::from_pan_prefix(pan),
                Some(CardBrand::Mastercard),
                "{pan}"
            );
        }
        assert_eq!(CardBrand::from_pan_prefix("9418594164541111"), None);
        assert_eq!(CardBrand::from_pan_prefix(""), None);
        assert!(CardBrand::Amex.issues_length(15) && !CardBrand::Amex.issues_length(16));
        assert_eq!(
            (CardBrand::Amex.cvv_length(), CardBrand::Visa.cvv_length()),
            (4, 3)
        );
    }

    #[test]
    fn token_prefixes_suggest_the_brand() {
        assert_eq!(
            CardBrand::from_first_two_digits("41"),
            Some(CardBrand::Visa)
        );
        assert_eq!(
            CardBrand::from_first_two_digits("37"),
            Some(CardBrand::Amex)
        );
        assert_eq!(
            CardBrand::from_first_two_digits("54"),
            Some(CardBrand::Mastercard)
        );
        assert_eq!(
            CardBrand::from_first_two_digits("65"),
            Some(CardBrand::Discover)
        );
        assert_eq!(CardBrand::from_first_two_digits("12"), None);
        assert_eq!(CardBrand::from_first_two_digits("x1"), None);
        assert_eq!(CardBrand::from_first_two_digits("+4"), None);
    }

    #[test]
    fn merchant_advice_has_both_brand_readings() {
        let a: MerchantAdvice = "02".parse().unwrap();
        assert_eq!(a.mastercard_text(), Some("Retry after 3 days"));
        assert_eq!(a.visa_text(), Some("Cardholder blocked this payment"));
        assert!(!a.forbids_retry());
        assert!("R1".parse::<MerchantAdvice>().unwrap().forbids_retry());
    }
}
