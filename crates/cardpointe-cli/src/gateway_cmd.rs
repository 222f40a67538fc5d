//! `cardpointe auth|capture|void|refund|inquire|settlestat|funding|profile|sigcap|bin|tokenize`.

use cardpointe::cardsecure::{CardSecure, ManualCard, TokenizeOptions};
use cardpointe::types::{ProfileId, ReportDate};
use cardpointe::{
    Amount, AuthOutcome, AuthRequest, BinRequest, CaptureRequest, FundingRequest, HasOutcome,
    InquireByOrderIdRequest, InquireRequest, OrderId, PaymentSource, ProfileDeleteRequest,
    ProfileReadRequest, ProfileRef, ProfileRequest, RefundRequest, Retref, SettlestatRequest,
    SigcapRequest, Token, VoidRequest,
};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::config::{ConnArgs, Connection};
use crate::error::{CliError, ErrorKind, declined};

/// Parses a CLI amount: dollars with at most two decimals (`12`, `12.5`, `12.34`).
pub(crate) fn parse_amount(text: &str) -> Result<Amount, String> {
    let text = text.trim().trim_start_matches('$');
    if text.starts_with('-') {
        return Err(format!(
            "{text} is negative: amounts are positive dollars like 12.34 (money goes back with \
             `refund` or `void`)"
        ));
    }
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (!frac.is_empty() && !digits(frac)) || frac.len() > 2 {
        return Err(format!(
            "{text:?} is not an amount in dollars: write it like 12.34 (at most two decimals)"
        ));
    }
    let whole: i64 = whole
        .parse()
        .map_err(|_| format!("{text:?} is too large"))?;
    let cents: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    let minor = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .ok_or_else(|| format!("{text:?} is too large"))?;
    Amount::from_minor(minor).map_err(|e| e.to_string())
}

/// A transaction to act on, and optionally an amount.
#[derive(Debug, clap::Args)]
pub(crate) struct RetrefArgs {
    /// The transaction's retrieval reference (from the auth's answer).
    #[arg(long)]
    retref: String,
    /// Amount in dollars (default: the whole amount).
    #[arg(long, value_parser = parse_amount, allow_negative_numbers = true)]
    amount: Option<Amount>,
}

/// `auth` flags.
#[derive(Debug, clap::Args)]
pub(crate) struct AuthArgs {
    /// Amount in dollars, e.g. 12.34.
    #[arg(long, value_parser = parse_amount, allow_negative_numbers = true)]
    amount: Amount,
    /// A CardSecure token (9…).
    #[arg(long, conflicts_with = "card")]
    token: Option<String>,
    /// A card number (PCI scope: prefer --token).
    #[arg(long, required_unless_present = "token")]
    card: Option<String>,
    /// Expiry: MMYY, MM/YY or MM/YYYY (required with --card).
    #[arg(long)]
    expiry: Option<String>,
    /// Card verification value.
    #[arg(long)]
    cvv: Option<String>,
    /// Order id (generated when absent; always sent).
    #[arg(long)]
    order_id: Option<String>,
    /// Capture in the same call.
    #[arg(long)]
    capture: bool,
}

/// `inquire` flags: by retref or by order id.
#[derive(Debug, clap::Args)]
pub(crate) struct InquireArgs {
    /// The retrieval reference.
    #[arg(long, required_unless_present = "order_id")]
    retref: Option<String>,
    /// The order id given at auth time.
    #[arg(long, conflicts_with = "retref")]
    order_id: Option<String>,
}

/// `settlestat` / `funding` flags.
#[derive(Debug, clap::Args)]
pub(crate) struct DateArgs {
    /// The day: MMDD (this year) or YYYYMMDD; default today.
    #[arg(long)]
    date: Option<String>,
}

/// `profile` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum ProfileCmd {
    /// Store a token or card as a new profile.
    Create {
        /// A CardSecure token.
        #[arg(long, conflicts_with = "card")]
        token: Option<String>,
        /// A card number.
        #[arg(long, required_unless_present = "token")]
        card: Option<String>,
        /// Expiry: MMYY, MM/YY or MM/YYYY (required with --card).
        #[arg(long)]
        expiry: Option<String>,
        #[command(flatten)]
        conn: ConnArgs,
    },
    /// Read a profile's accounts.
    Read {
        /// Profile id, or `profileid/acctid`.
        profile: String,
        #[command(flatten)]
        conn: ConnArgs,
    },
    /// Delete a profile (or one account with `profileid/acctid`).
    Delete {
        /// Profile id, or `profileid/acctid`.
        profile: String,
        #[command(flatten)]
        conn: ConnArgs,
    },
}

impl ProfileCmd {
    /// Where the gateway is and who we are (every profile command talks to it).
    pub(crate) fn conn(&self) -> &ConnArgs {
        match self {
            Self::Create { conn, .. } | Self::Read { conn, .. } | Self::Delete { conn, .. } => conn,
        }
    }
}

/// `sigcap` flags.
#[derive(Debug, clap::Args)]
pub(crate) struct SigcapArgs {
    /// The transaction.
    #[arg(long)]
    retref: String,
    /// Base64 of a gzipped BMP signature.
    #[arg(long)]
    signature: String,
}

/// `bin` flags.
#[derive(Debug, clap::Args)]
pub(crate) struct BinArgs {
    /// A CardSecure token.
    #[arg(long)]
    token: String,
}

/// `tokenize` flags.
#[derive(Debug, clap::Args)]
pub(crate) struct TokenizeArgs {
    /// A card number to tokenize.
    #[arg(long, required_unless_present = "reader")]
    card: Option<String>,
    /// Expiry: MMYY, MM/YY or MM/YYYY.
    #[arg(long, default_value = "12/30")]
    expiry: String,
    /// Card verification value.
    #[arg(long)]
    cvv: Option<String>,
    /// Read the card from the virtual VP3300 instead (swipe of the UAT Visa).
    #[arg(long, conflicts_with = "card")]
    reader: bool,
    /// With --reader: a real VP3300 over Bluetooth LE instead of the virtual one.
    #[arg(long, requires = "reader")]
    ble: bool,
}

/// Prints a response as text (`key  value`, absent fields left out) or JSON.
pub(crate) fn print<T: Serialize>(value: &T, json: bool) {
    let value = serde_json::to_value(value).unwrap_or(Value::Null);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
        return;
    }
    print_text(&value, 0);
}

fn print_text(value: &Value, depth: usize) {
    let pad = "  ".repeat(depth);
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::Null => {}
                    Value::Object(_) | Value::Array(_) => {
                        println!("{pad}{k}:");
                        print_text(v, depth + 1);
                    }
                    Value::String(s) => println!("{pad}{k:<16} {s}"),
                    other => println!("{pad}{k:<16} {other}"),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                println!("{pad}[{i}]");
                print_text(item, depth + 1);
            }
        }
        other => println!("{pad}{other}"),
    }
}

fn approved_or_declined(approved: bool) -> Result<(), CliError> {
    if approved { Ok(()) } else { Err(declined()) }
}

/// The JSON view of an [`AuthOutcome`].
pub(crate) fn outcome_json(outcome: &AuthOutcome) -> Value {
    let mut map = Map::new();
    let kind = match outcome {
        AuthOutcome::Answered { .. } => "answered",
        AuthOutcome::Recovered { .. } => "recovered",
        AuthOutcome::NotProcessed { .. } => "not_processed",
        AuthOutcome::Reversed { .. } => "reversed",
        AuthOutcome::NothingToReverse { .. } => "nothing_to_reverse",
        AuthOutcome::NotReversed { .. } => "not_reversed",
        AuthOutcome::Unknown { .. } => "unknown",
        _ => "other",
    };
    map.insert("outcome".into(), json!(kind));
    map.insert("order_id".into(), json!(outcome.order_id().as_str()));
    map.insert("approved".into(), json!(outcome.is_approved()));
    map.insert("summary".into(), json!(outcome.to_string()));
    // What the next command (capture, void, refund, inquire) needs, however the answer came.
    map.insert(
        "retref".into(),
        json!(outcome.retref().map(|r| r.as_str().to_owned())),
    );
    match outcome {
        AuthOutcome::Answered { response, .. } => {
            map.insert(
                "response".into(),
                serde_json::to_value(response).unwrap_or_default(),
            );
        }
        // The auth's answer as the inquiry found it: under the same key as a direct answer.
        AuthOutcome::Recovered { inquiry, .. } => {
            map.insert(
                "response".into(),
                serde_json::to_value(inquiry).unwrap_or_default(),
            );
        }
        AuthOutcome::Reversed { void, attempts, .. }
        | AuthOutcome::NothingToReverse { void, attempts, .. }
        | AuthOutcome::NotReversed { void, attempts, .. } => {
            map.insert(
                "void".into(),
                serde_json::to_value(void).unwrap_or_default(),
            );
            map.insert("void_attempts".into(), json!(attempts));
        }
        _ => {}
    }
    Value::Object(map)
}

/// What pays, from `--token` or `--card` (with `--expiry` and `--cvv`), checked before sending.
struct TypedPayment {
    source: PaymentSource,
    expiry: Option<cardpointe::Expiry>,
    cvv: Option<cardpointe::types::Cvv>,
}

/// `--token` (with an optional expiry and CVV) or a typed card ([`typed_card`]).
fn typed_payment(
    token: Option<&str>,
    card: Option<&str>,
    expiry: Option<&str>,
    cvv: Option<&str>,
) -> Result<TypedPayment, CliError> {
    match (token, card) {
        (Some(token), _) => Ok(TypedPayment {
            source: PaymentSource::Token(Token::new(token)?),
            expiry: expiry
                .map(|e| {
                    cardpointe::Expiry::parse_typed(e).map_err(|e| {
                        CliError::new(format!("--expiry: {e}")).kind(ErrorKind::InvalidInput)
                    })
                })
                .transpose()?,
            cvv: cvv.map(str::parse).transpose()?,
        }),
        (None, Some(number)) => {
            let card = typed_card(number, expiry, cvv)?;
            Ok(TypedPayment {
                source: PaymentSource::Card(card.number().clone()),
                expiry: Some(card.expiry()),
                cvv: card.cvv().cloned(),
            })
        }
        (None, None) => Err(CliError::usage("give --token or --card")),
    }
}

/// A card typed on the command line, checked the one way every command checks it (by
/// `cardpointe-cardsecure`'s `ManualCard`: digits, length for the brand, Luhn, an expiry as
/// MMYY, MM/YY or MM/YYYY that is not past, a CVV as long as the brand's), before anything is
/// sent; the error names the flag at fault.
fn typed_card(
    number: &str,
    expiry: Option<&str>,
    cvv: Option<&str>,
) -> Result<ManualCard, CliError> {
    let Some(expiry) = expiry else {
        return Err(
            CliError::new("--card needs --expiry: a keyed card is declined without one")
                .kind(ErrorKind::InvalidInput)
                .hint("add --expiry MM/YY (or MMYY)"),
        );
    };
    ManualCard::new(number, expiry, cvv).map_err(|e| {
        use cardpointe::cardsecure::ValidationError as V;
        let flag = match &e {
            V::ExpiryFormat { .. } | V::ExpiryMonth { .. } | V::Expired { .. } => "--expiry",
            V::CvvCharacter | V::CvvLength { .. } => "--cvv",
            _ => "--card",
        };
        CliError::new(format!("{flag}: {e}"))
            .kind(ErrorKind::InvalidInput)
            .hint("nothing was sent; check the number, the expiry (MM/YY) and the CVV")
    })
}

fn report_date(date: Option<&str>) -> Result<Option<ReportDate>, CliError> {
    date.map(|d| {
        d.parse::<ReportDate>()
            .map_err(|e| CliError::new(format!("--date {d:?}: {e}")).hint("write MMDD or YYYYMMDD"))
    })
    .transpose()
}

fn profile_ref(text: &str) -> Result<ProfileRef, CliError> {
    let (profile, account) = match text.split_once('/') {
        Some((p, a)) if !a.is_empty() => (p, Some(a.parse()?)),
        Some((p, _)) => (p, None),
        None => (text, None),
    };
    Ok(ProfileRef::new(ProfileId::new(profile)?, account))
}

/// `auth`.
pub(crate) async fn auth(conn: &Connection, args: AuthArgs, json: bool) -> Result<(), CliError> {
    let gateway = &conn.gateway;
    let paying = typed_payment(
        args.token.as_deref(),
        args.card.as_deref(),
        args.expiry.as_deref(),
        args.cvv.as_deref(),
    )?;
    let mut request = AuthRequest::new(args.amount, paying.source);
    if let Some(expiry) = paying.expiry {
        request = request.with_expiry(expiry);
    }
    request.cvv2 = paying.cvv;
    request = request.with_capture(args.capture);
    if let Some(o) = &args.order_id {
        request = request.with_order_id(OrderId::new(o.as_str())?);
    }
    let outcome = gateway.auth(request).await?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&outcome_json(&outcome)).unwrap_or_default()
        );
    } else {
        println!("{outcome}");
        if let Some(response) = outcome.response() {
            print(response, false);
        } else if let Some(retref) = outcome.retref() {
            // A recovered answer: the retref is what capture, void and refund need next.
            println!("retref  {}", retref.as_str());
        }
    }
    approved_or_declined(outcome.is_approved())
}

/// `capture`.
pub(crate) async fn capture(
    conn: &Connection,
    args: RetrefArgs,
    json: bool,
) -> Result<(), CliError> {
    let g = &conn.gateway;
    let mut request = CaptureRequest::new(Retref::new(args.retref)?);
    if let Some(a) = args.amount {
        request = request.with_amount(a);
    }
    let r = g.capture(&request).await?;
    print(&r, json);
    approved_or_declined(r.is_approved())
}

/// `void`.
pub(crate) async fn void(conn: &Connection, args: RetrefArgs, json: bool) -> Result<(), CliError> {
    let g = &conn.gateway;
    let mut request = VoidRequest::new(Retref::new(args.retref)?);
    request.amount = args.amount;
    let r = g.void(&request).await?;
    print(&r, json);
    approved_or_declined(r.is_approved())
}

/// `refund`.
pub(crate) async fn refund(
    conn: &Connection,
    args: RetrefArgs,
    json: bool,
) -> Result<(), CliError> {
    let g = &conn.gateway;
    let mut request = RefundRequest::new(Retref::new(args.retref)?);
    if let Some(a) = args.amount {
        request = request.with_amount(a);
    }
    let r = g.refund(&request).await?;
    print(&r, json);
    approved_or_declined(r.is_approved())
}

/// `inquire`.
pub(crate) async fn inquire(
    conn: &Connection,
    args: InquireArgs,
    json: bool,
) -> Result<(), CliError> {
    let g = &conn.gateway;
    match (args.retref, args.order_id) {
        (Some(retref), _) => print(
            &g.inquire(&InquireRequest::new(Retref::new(retref)?))
                .await?,
            json,
        ),
        (None, Some(order)) => print(
            &g.inquire_by_order_id(&InquireByOrderIdRequest::new(OrderId::new(order)?))
                .await?,
            json,
        ),
        (None, None) => return Err(CliError::new("give --retref or --order-id")),
    }
    Ok(())
}

/// `settlestat`.
pub(crate) async fn settlestat(
    conn: &Connection,
    args: DateArgs,
    json: bool,
) -> Result<(), CliError> {
    let g = &conn.gateway;
    let request = match report_date(args.date.as_deref())? {
        Some(d) => SettlestatRequest::on(d),
        None => SettlestatRequest::new(),
    };
    let batches = g.settlestat(&request).await?;
    if batches.is_empty() && !json {
        println!("no settled batches (the gateway answered \"Null batches\")");
    } else {
        print(&batches, json);
    }
    Ok(())
}

/// `funding`.
pub(crate) async fn funding(conn: &Connection, args: DateArgs, json: bool) -> Result<(), CliError> {
    let g = &conn.gateway;
    let request = FundingRequest::new(report_date(args.date.as_deref())?);
    print(&g.funding(&request).await?, json);
    Ok(())
}

/// `profile`.
pub(crate) async fn profile(
    conn: &Connection,
    cmd: ProfileCmd,
    json: bool,
) -> Result<(), CliError> {
    let g = &conn.gateway;
    match cmd {
        ProfileCmd::Create {
            token,
            card,
            expiry,
            ..
        } => {
            let paying = typed_payment(token.as_deref(), card.as_deref(), expiry.as_deref(), None)?;
            let mut request = ProfileRequest::create(paying.source)?;
            request.expiry = paying.expiry;
            let r = g.profile_create(&request).await?;
            print(&r, json);
            approved_or_declined(r.is_approved())
        }
        ProfileCmd::Read { profile, .. } => {
            print(
                &g.profile_read(&ProfileReadRequest::new(profile_ref(&profile)?))
                    .await?,
                json,
            );
            Ok(())
        }
        ProfileCmd::Delete { profile, .. } => {
            let r = g
                .profile_delete(&ProfileDeleteRequest::new(profile_ref(&profile)?))
                .await?;
            print(&r, json);
            approved_or_declined(r.is_approved())
        }
    }
}

/// `sigcap`.
pub(crate) async fn sigcap(
    conn: &Connection,
    args: SigcapArgs,
    json: bool,
) -> Result<(), CliError> {
    let g = &conn.gateway;
    let r = g
        .sigcap(&SigcapRequest::new(
            Retref::new(args.retref)?,
            args.signature,
        ))
        .await?;
    print(&r, json);
    approved_or_declined(r.is_approved())
}

/// `bin`.
pub(crate) async fn bin(conn: &Connection, args: BinArgs, json: bool) -> Result<(), CliError> {
    let g = &conn.gateway;
    let r = g.bin(&BinRequest::new(Token::new(args.token)?)).await?;
    print(&r, json);
    Ok(())
}

/// `tokenize`.
pub(crate) async fn tokenize(
    conn: &Connection,
    args: TokenizeArgs,
    json: bool,
) -> Result<(), CliError> {
    let cardsecure = CardSecure::new(conn.gateway.client().clone());
    let (token, masked) = if args.reader {
        use cardpointe::CardReader as _;
        // The reader API an app uses: the virtual VP3300 swiping the UAT Visa, or a real
        // reader over Bluetooth LE with --ble.
        let config = crate::reader_cmd::virtual_config_with(
            cardpointe_vp3300_sim::TestCard::uat_visa(),
            Some(cardpointe_vp3300_sim::Entry::Swipe),
            std::time::Duration::ZERO,
        );
        let connected =
            crate::reader_cmd::open(&crate::reader_cmd::Which::new(args.ble), config).await?;
        let mut reader = cardpointe::checkout::ReaderSession::new(connected)
            .with_card_timeout(std::time::Duration::from_secs(30));
        let mut progress = |e: cardpointe::CheckoutEvent| {
            if let cardpointe::CheckoutEvent::ReaderPrompt(p) = e {
                eprintln!("reader: {p}");
            }
        };
        let read = reader
            .read_card(Amount::from_minor(100)?, &mut progress)
            .await;
        if read.is_ok() {
            // Only tokenized here, never charged: the host does not go online.
            let _ = reader
                .complete(cardpointe_vp3300::command::HostResponse::unable_to_go_online())
                .await;
        }
        let _ = reader.into_inner().disconnect().await;
        let data = read?;
        let masked = data.masked_pan().map(str::to_owned);
        let reader_data = cardpointe::cardsecure::ReaderData::from_encrypted_card_data(&data)?;
        (
            cardsecure
                .tokenize_reader_data(&reader_data, TokenizeOptions::default())
                .await
                .map_err(cardpointe::Error::from)?,
            masked,
        )
    } else {
        let number = args.card.as_deref().unwrap_or_default();
        let card = typed_card(number, Some(&args.expiry), args.cvv.as_deref())?;
        let masked = Some(card.number().to_string());
        (
            cardsecure
                .tokenize_card(&card, TokenizeOptions::default())
                .await
                .map_err(cardpointe::Error::from)?,
            masked,
        )
    };
    let value = json!({ "token": token.as_str(), "card": masked });
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    } else {
        println!(
            "token {}  (card {})",
            token.as_str(),
            masked.unwrap_or_default()
        );
    }
    Ok(())
}
