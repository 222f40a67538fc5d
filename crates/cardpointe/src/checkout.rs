//! `checkout`: the whole mobile payment in one call.
//!
//! ```text
//!  card ──▶ read (reader or manual entry) ──▶ CardSecure tokenize ──▶ token
//!  token ──▶ Gateway auth (card-present fields for reader data, safe recovery) ──▶ answer
//!  answer ──▶ EMV completion on the reader (chip cards decide last) ──▶ receipt
//! ```
//!
//! Every step is reported as a [`CheckoutEvent`] so a UI can show progress. A chip card that
//! declines after the gateway approved is reversed with `void`, so the result never leaves a
//! charge the card refused.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use cardpointe_cardsecure::{CardSecure, ManualCard, ReaderData, TokenizeOptions};
use cardpointe_types::{
    Amount, AuthRequest, HasOutcome, OrderId, PaymentSource, ReceiptRequest, Retref, Token,
    VoidRequest,
};
use cardpointe_vp3300::EncryptedCardData;
pub use cardpointe_vp3300::TransactionOutcome;
use cardpointe_vp3300::command::HostResponse;

use crate::{AuthOutcome, Error, Gateway};

#[cfg(feature = "reader")]
pub use crate::reader_session::ReaderSession;

/// A boxed future, so [`CardReader`] can be used as a trait object.
pub type ReaderFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// A card reader as checkout needs it: read a card for an amount, then hand it the host's
/// answer. Implemented over `cardpointe-reader`'s BLE reader and the emulator's virtual VP3300.
pub trait CardReader: Send {
    /// Waits for a card (dip, swipe or tap) for `amount` and returns its encrypted data.
    /// `progress` receives the reader's prompts while it waits.
    fn read_card<'a>(
        &'a mut self,
        amount: Amount,
        progress: &'a mut (dyn FnMut(CheckoutEvent) + Send),
    ) -> ReaderFuture<'a, EncryptedCardData>;

    /// Gives the reader the host's answer (for a chip card: the ARC and issuer data, after
    /// which the card decides) and returns the final outcome on the reader.
    fn complete<'a>(&'a mut self, answer: HostResponse) -> ReaderFuture<'a, TransactionOutcome>;
}

/// Where the card comes from.
#[non_exhaustive]
pub enum CardInput<'r> {
    /// A manually keyed card (validated locally before anything is sent).
    Manual(ManualCard),
    /// Encrypted reader data already read (for example by the app's own reader loop).
    ReaderData(EncryptedCardData),
    /// A reader: checkout waits for the card and completes the transaction on it.
    Reader(&'r mut dyn CardReader),
}

impl fmt::Debug for CardInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Manual(card) => f.debug_tuple("Manual").field(card).finish(),
            Self::ReaderData(data) => f.debug_tuple("ReaderData").field(data).finish(),
            Self::Reader(_) => f.write_str("Reader(..)"),
        }
    }
}

impl From<ManualCard> for CardInput<'_> {
    fn from(card: ManualCard) -> Self {
        Self::Manual(card)
    }
}

impl From<EncryptedCardData> for CardInput<'_> {
    fn from(data: EncryptedCardData) -> Self {
        Self::ReaderData(data)
    }
}

impl<'r, R: CardReader + 'r> From<&'r mut R> for CardInput<'r> {
    fn from(reader: &'r mut R) -> Self {
        Self::Reader(reader)
    }
}

/// What to charge.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CheckoutRequest {
    /// The amount.
    pub amount: Amount,
    /// The order id (generated when `None`).
    pub order_id: Option<OrderId>,
    /// Capture in the same call (`capture:"Y"`).
    pub capture: bool,
}

impl CheckoutRequest {
    /// An authorization (not captured) of `amount` with a generated order id.
    #[must_use]
    pub const fn new(amount: Amount) -> Self {
        Self {
            amount,
            order_id: None,
            capture: false,
        }
    }

    /// The same request, captured in the same call.
    #[must_use]
    pub const fn with_capture(mut self, capture: bool) -> Self {
        self.capture = capture;
        self
    }

    /// The same request with this order id.
    #[must_use]
    pub fn with_order_id(mut self, order_id: OrderId) -> Self {
        self.order_id = Some(order_id);
        self
    }
}

impl From<Amount> for CheckoutRequest {
    /// An authorization (not captured) of the amount, with a generated order id.
    fn from(amount: Amount) -> Self {
        Self::new(amount)
    }
}

/// A step of the checkout, for a UI.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckoutEvent {
    /// Step 1: waiting for the card.
    WaitingForCard,
    /// The reader says something to show (insert/swipe/tap, remove card, processing…).
    ReaderPrompt(String),
    /// The card was read.
    CardRead {
        /// First six / last four at most.
        masked_pan: Option<String>,
        /// `EMVContact`, `Swipe(Non EMV)`, `Contactless` or `Keyed`.
        entry_mode: &'static str,
    },
    /// Step 2: CardSecure is tokenizing.
    Tokenizing,
    /// Step 3: the token is going to the server (`9…last4`: last four shown only).
    Tokenized {
        /// The token's last four digits.
        last_four: String,
    },
    /// Step 4: the gateway is authorizing.
    Authorizing {
        /// The order id sent.
        order_id: OrderId,
    },
    /// The auth's answer was lost; recovering by order id.
    Recovering,
    /// Step 5: the gateway's answer.
    Answered {
        /// Whether it approved.
        approved: bool,
        /// Its text.
        text: String,
    },
    /// The reader is completing the EMV transaction with the answer.
    CompletingOnReader,
    /// The card declined after the gateway approved; the authorization is being voided.
    ReversingCardDecline,
    /// Step 6: done; the receipt is ready.
    Done {
        /// Whether the payment stands approved.
        approved: bool,
    },
}

/// The receipt data of a checkout: what a printed or e-mailed receipt shows.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckoutReceipt {
    /// Amount approved (or requested, on a decline).
    pub amount: Amount,
    /// Masked card number.
    pub masked_pan: Option<String>,
    /// How the card was presented.
    pub entry_mode: String,
    /// Gateway retrieval reference.
    pub retref: Option<Retref>,
    /// Order id.
    pub order_id: OrderId,
    /// Authorization code.
    pub authcode: Option<String>,
    /// Response text.
    pub resptext: Option<String>,
    /// Approved or not.
    pub approved: bool,
    /// EMV receipt items (AID, label, TVR, TSI, ARC …), by name.
    pub emv: Vec<(String, String)>,
}

impl fmt::Display for CheckoutReceipt {
    /// Two columns, the names padded to the longest one (EMV names run long).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let amount = self.amount.to_string();
        let result = if self.approved {
            "APPROVED"
        } else {
            "DECLINED"
        };
        let mut rows: Vec<(&str, &str)> = vec![("Result", result), ("Amount", &amount)];
        let fields = [
            ("Card", self.masked_pan.as_deref()),
            ("Entry", Some(self.entry_mode.as_str())),
            ("Auth code", self.authcode.as_deref()),
            ("Retref", self.retref.as_ref().map(Retref::as_str)),
            ("Order", Some(self.order_id.as_str())),
            ("Response", self.resptext.as_deref()),
        ];
        rows.extend(
            fields
                .iter()
                .filter_map(|(name, value)| Some((*name, (*value)?))),
        );
        rows.extend(
            self.emv
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str())),
        );
        let width = rows
            .iter()
            .map(|(name, _)| name.chars().count())
            .max()
            .unwrap_or(0);
        for (name, value) in rows {
            writeln!(f, "  {name:<width$}  {value}")?;
        }
        Ok(())
    }
}

/// What a checkout produced.
#[derive(Debug)]
#[non_exhaustive]
pub struct CheckoutResult {
    /// The authorization's outcome (with recovery, if the answer was lost).
    pub auth: AuthOutcome,
    /// The CardSecure token the card became.
    pub token: Token,
    /// What the reader decided (chip cards), when a reader was used.
    pub reader: Option<TransactionOutcome>,
    /// Set when the card declined (or the reader failed to finish) after the gateway approved,
    /// and the auth was voided. When the card declined but this is `false`, the void failed:
    /// the authorization still stands at the gateway and must be voided (see `auth`).
    pub reversed_after_card_decline: bool,
    /// Receipt data.
    pub receipt: CheckoutReceipt,
}

impl CheckoutResult {
    /// Whether the payment stands approved (gateway approved and, for chip cards, the card
    /// agreed).
    #[must_use]
    pub fn is_approved(&self) -> bool {
        self.receipt.approved
    }
}

/// Runs the checkout flow against one gateway and its CardSecure.
#[derive(Clone, Debug)]
pub struct Checkout {
    gateway: Gateway,
    cardsecure: CardSecure,
}

impl Checkout {
    /// A checkout over `gateway` (CardSecure shares its HTTPS client).
    #[must_use]
    pub fn new(gateway: Gateway) -> Self {
        let cardsecure = CardSecure::new(gateway.client().clone());
        Self {
            gateway,
            cardsecure,
        }
    }

    /// The gateway used.
    #[must_use]
    pub fn gateway(&self) -> &Gateway {
        &self.gateway
    }

    /// Reads the card (or takes the entered one), tokenizes it, authorizes safely, completes
    /// on the reader and builds the receipt, reporting each step to `on_event`.
    ///
    /// # Errors
    /// The reader's error when no card could be read, [`Error::CardSecure`] when tokenizing
    /// failed (nothing was charged), and the errors of [`Gateway::auth`]. Declines are
    /// results, not errors.
    pub async fn run(
        &self,
        request: CheckoutRequest,
        card: CardInput<'_>,
        mut on_event: impl FnMut(CheckoutEvent) + Send,
    ) -> Result<CheckoutResult, Error> {
        on_event(CheckoutEvent::WaitingForCard);
        let (mut reader, read) = match card {
            CardInput::Manual(card) => (None, Read::Manual(card)),
            CardInput::ReaderData(data) => (None, Read::Reader(data)),
            CardInput::Reader(reader) => {
                let data = reader.read_card(request.amount, &mut on_event).await?;
                (Some(reader), Read::Reader(data))
            }
        };
        let masked_pan = read.masked_pan();
        let entry_mode = read.entry_mode_name();
        on_event(CheckoutEvent::CardRead {
            masked_pan: masked_pan.clone(),
            entry_mode,
        });

        on_event(CheckoutEvent::Tokenizing);
        let options = TokenizeOptions::default();
        let (token, expiry) = match &read {
            Read::Manual(card) => {
                let token = self.cardsecure.tokenize_card(card, options).await?;
                (token, Some(card.expiry()))
            }
            Read::Reader(data) => {
                let reader_data = ReaderData::from_encrypted_card_data(data)
                    .map_err(cardpointe_cardsecure::Error::from)?;
                let token = self
                    .cardsecure
                    .tokenize_reader_data(&reader_data, options)
                    .await?;
                (token, reader_data.expiry())
            }
        };
        on_event(CheckoutEvent::Tokenized {
            last_four: token.last_four().to_owned(),
        });

        let order_id = request
            .order_id
            .clone()
            .unwrap_or_else(crate::recovery::new_order_id);
        let mut auth = AuthRequest::new(request.amount, PaymentSource::Token(token.clone()))
            .with_order_id(order_id.clone())
            .with_capture(request.capture);
        if let Some(expiry) = expiry {
            auth = auth.with_expiry(expiry);
        }
        // Card-present (spec 7): the token with the reader's expiry and no `ecomind`; ask for
        // the receipt data the gateway keeps for EMV.
        auth.receipt = Some(ReceiptRequest::Data);
        on_event(CheckoutEvent::Authorizing {
            order_id: order_id.clone(),
        });
        let outcome = self.gateway.auth(auth).await?;
        if outcome.was_recovered() {
            on_event(CheckoutEvent::Recovering);
        }
        let gateway_approved = outcome.is_approved();
        on_event(CheckoutEvent::Answered {
            approved: gateway_approved,
            text: answer_text(&outcome),
        });

        let mut reader_outcome = None;
        let mut reversed = false;
        if let Some(reader) = reader.as_mut() {
            on_event(CheckoutEvent::CompletingOnReader);
            let answer = host_answer(&outcome);
            // A reader that fails to finish counts as a card decline: the authorization is
            // reversed rather than left standing without the card's agreement. Neither that
            // failure nor a failed void loses the gateway's outcome: both end in the result.
            let finished = match reader.complete(answer).await {
                Ok(finished) => finished,
                Err(error) => {
                    tracing::warn!(%error, "the reader did not finish the transaction");
                    TransactionOutcome::new(false)
                }
            };
            if gateway_approved && !finished.approved {
                on_event(CheckoutEvent::ReversingCardDecline);
                if let Some(retref) = outcome.retref().cloned() {
                    let void = VoidRequest::new(retref);
                    match self.gateway.void(&void).await {
                        Ok(answer) => reversed = answer.is_approved(),
                        Err(error) => {
                            tracing::warn!(%error, "the void after the card's decline failed");
                        }
                    }
                }
            }
            reader_outcome = Some(finished);
        }
        let approved = gateway_approved && reader_outcome.as_ref().is_none_or(|o| o.approved);
        let receipt = receipt(
            &outcome,
            &request,
            masked_pan,
            entry_mode,
            &read,
            reader_outcome.as_ref(),
            approved,
        );
        on_event(CheckoutEvent::Done { approved });
        Ok(CheckoutResult {
            auth: outcome,
            token,
            reader: reader_outcome,
            reversed_after_card_decline: reversed,
            receipt,
        })
    }
}

impl Gateway {
    /// The whole payment in one call: reads the card (a connected
    /// [`ReaderSession`](crate::checkout::ReaderSession), any [`CardReader`], a
    /// [`ManualCard`] or encrypted reader data), tokenizes it with CardSecure, authorizes it
    /// safely, completes it on the reader and builds the receipt, reporting each step to
    /// `on_event`. The same as [`Checkout::run`] on a [`Checkout`] over this gateway.
    ///
    /// A reader checkout is four calls: configure, find a reader, connect, check out.
    ///
    /// ```no_run
    /// # #[cfg(feature = "reader")]
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use cardpointe::checkout::ReaderSession;
    /// use cardpointe::reader::{DiscoveryOptions, Reader};
    /// use cardpointe::{Amount, Gateway};
    ///
    /// let gateway = Gateway::from_env()?;
    /// let found = Reader::discover(DiscoveryOptions::bluetooth()).await?;
    /// let mut reader = ReaderSession::connect(found.into_iter().next().ok_or("no reader")?).await?;
    /// let result = gateway
    ///     .checkout(Amount::from_minor(2599)?, &mut reader, |event| println!("{event:?}"))
    ///     .await?;
    /// println!("{}", result.receipt);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Checkout::run`].
    pub async fn checkout<'r>(
        &self,
        request: impl Into<CheckoutRequest>,
        card: impl Into<CardInput<'r>>,
        on_event: impl FnMut(CheckoutEvent) + Send,
    ) -> Result<CheckoutResult, Error> {
        Checkout::new(self.clone())
            .run(request.into(), card.into(), on_event)
            .await
    }
}

/// The card as read.
enum Read {
    Manual(ManualCard),
    Reader(EncryptedCardData),
}

impl Read {
    fn masked_pan(&self) -> Option<String> {
        match self {
            Self::Manual(card) => Some(card.number().to_string()),
            Self::Reader(data) => data.masked_pan().map(str::to_owned),
        }
    }

    fn entry_mode_name(&self) -> &'static str {
        match self {
            Self::Manual(_) => "Keyed",
            Self::Reader(data) => data.entry_mode().gateway_name(),
        }
    }
}

fn answer_text(outcome: &AuthOutcome) -> String {
    match outcome {
        AuthOutcome::Answered { response, .. } => response.resptext.clone().unwrap_or_default(),
        AuthOutcome::Recovered { inquiry, .. } => format!(
            "{} (recovered by inquireByOrderid)",
            inquiry.resptext.clone().unwrap_or_default()
        ),
        other => other.to_string(),
    }
}

/// The answer the reader gets: ARC `00` with the ARPC for an approval, `05` for a decline, and
/// "unable to go online" when the gateway's verdict is not known.
fn host_answer(outcome: &AuthOutcome) -> HostResponse {
    match outcome {
        AuthOutcome::Answered { response, .. } if response.is_approved() => {
            let mut answer = HostResponse::online(*b"00");
            answer.issuer_authentication_data = response
                .emv
                .as_deref()
                .and_then(decode_hex)
                .filter(|d| (8..=16).contains(&d.len()));
            answer
        }
        AuthOutcome::Recovered { .. } if outcome.is_approved() => HostResponse::online(*b"00"),
        AuthOutcome::Answered { .. } | AuthOutcome::Recovered { .. } => {
            HostResponse::online(*b"05")
        }
        _ => HostResponse::unable_to_go_online(),
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(s, 16).ok()
        })
        .collect()
}

fn receipt(
    outcome: &AuthOutcome,
    request: &CheckoutRequest,
    masked_pan: Option<String>,
    entry_mode: &'static str,
    read: &Read,
    reader: Option<&TransactionOutcome>,
    approved: bool,
) -> CheckoutReceipt {
    let mut receipt = CheckoutReceipt {
        amount: request.amount,
        masked_pan,
        entry_mode: entry_mode.to_owned(),
        order_id: outcome.order_id().clone(),
        retref: outcome.retref().cloned(),
        authcode: None,
        resptext: None,
        approved,
        emv: Vec::new(),
    };
    match outcome {
        AuthOutcome::Answered { response, .. } => {
            if let Some(amount) = response.amount.filter(|_| response.is_approved()) {
                receipt.amount = amount;
            }
            receipt.authcode.clone_from(&response.authcode);
            receipt.resptext.clone_from(&response.resptext);
            if let Some(tags) = &response.emv_tag_data {
                receipt
                    .emv
                    .extend(tags.tags.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        AuthOutcome::Recovered { inquiry, .. } => {
            receipt.authcode.clone_from(&inquiry.authcode);
            receipt.resptext.clone_from(&inquiry.resptext);
        }
        other => receipt.resptext = Some(other.to_string()),
    }
    if let Read::Reader(data) = read {
        for (tag, value) in data.receipt_tags() {
            let name = cardpointe_emv::dict::name_of(*tag);
            // Labels print as text (they are ASCII on the card); everything else as masked hex.
            let label = matches!(tag.value(), 0x50 | 0x9F12)
                && value.iter().all(|b| b.is_ascii_graphic() || *b == b' ');
            let shown = if label {
                String::from_utf8_lossy(value).into_owned()
            } else {
                cardpointe_emv::MaskedValue::new(*tag, value).to_string()
            };
            // The gateway's emvTagData already names the same item (AID, TVR, TSI, IAD, …):
            // print it once.
            let printed = |n: &str| receipt.emv.iter().any(|(printed, _)| printed == n);
            if !printed(name) && !emv_tag_data_key(tag.value()).is_some_and(printed) {
                receipt.emv.push((name.to_owned(), shown));
            }
        }
    }
    if let Some(outcome) = reader {
        if let Some(tvr) = outcome.tvr {
            receipt
                .emv
                .push(("TVR (final)".to_owned(), hex_upper(&tvr)));
        }
        if let Some(tsi) = outcome.tsi {
            receipt
                .emv
                .push(("TSI (final)".to_owned(), hex_upper(&tsi)));
        }
        if let Some(arc) = outcome.arc {
            let arc = String::from_utf8_lossy(&arc).into_owned();
            if !receipt.emv.iter().any(|(n, v)| n == "ARC" && *v == arc) {
                receipt.emv.push(("ARC".to_owned(), arc));
            }
        }
    }
    receipt
}

/// The `emvTagData` key (gateway spec, auth response) that carries the same item as `tag`.
fn emv_tag_data_key(tag: u32) -> Option<&'static str> {
    Some(match tag {
        0x4F | 0x84 => "AID",
        0x95 => "TVR",
        0x9B => "TSI",
        0x9F10 => "IAD",
        0x8A => "ARC",
        0x50 => "Application Label",
        0x9F12 => "Application Preferred Name",
        _ => return None,
    })
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use cardpointe_types::{AuthResponse, RespProc, RespStat};

    use super::*;

    #[test]
    fn the_receipt_keeps_the_sign_of_small_negative_amounts_and_aligns_long_names() {
        let receipt = CheckoutReceipt {
            amount: Amount::from_minor(-50).unwrap(),
            masked_pan: None,
            entry_mode: "Keyed".to_owned(),
            retref: None,
            order_id: OrderId::new("ORDER-1").unwrap(),
            authcode: None,
            resptext: None,
            approved: false,
            emv: vec![
                ("Application Preferred Name".to_owned(), "VISA".to_owned()),
                ("TVR".to_owned(), "0000008000".to_owned()),
            ],
        };
        let text = receipt.to_string();
        assert!(text.contains("Amount                      -0.50"), "{text}");
        // Every value starts in the same column.
        let value_at = |line: &str| line.rfind("  ").map(|i| i + 2);
        let starts: Vec<_> = text.lines().map(value_at).collect();
        assert!(starts.windows(2).all(|w| w[0] == w[1]), "{text}");
    }

    #[test]
    fn card_tags_the_gateway_already_named_in_emv_tag_data_print_once() {
        assert_eq!(emv_tag_data_key(0x95), Some("TVR"));
        assert_eq!(emv_tag_data_key(0x4F), Some("AID"));
        assert_eq!(emv_tag_data_key(0x9F26), None);
    }

    fn answered(stat: RespStat, emv: Option<&str>) -> AuthOutcome {
        let mut response =
            AuthResponse::with_outcome(stat, RespProc::Pps, "00".parse().unwrap(), "x");
        response.emv = emv.map(str::to_owned);
        AuthOutcome::Answered {
            order_id: OrderId::new("ORDER-1").unwrap(),
            response: Box::new(response),
        }
    }

    #[test]
    fn an_approval_gives_the_card_arc_00_and_the_issuer_data() {
        let answer = host_answer(&answered(RespStat::Approved, Some("0102030405060708")));
        assert_eq!(answer.arc, *b"00");
        assert_eq!(
            answer.issuer_authentication_data,
            Some(vec![1, 2, 3, 4, 5, 6, 7, 8])
        );
    }

    #[test]
    fn a_decline_gives_the_card_arc_05() {
        assert_eq!(host_answer(&answered(RespStat::Declined, None)).arc, *b"05");
    }

    #[test]
    fn malformed_issuer_data_is_left_out() {
        let answer = host_answer(&answered(RespStat::Approved, Some("01G2")));
        assert_eq!(answer.issuer_authentication_data, None);
        assert_eq!(decode_hex("ABC"), None);
    }
}
