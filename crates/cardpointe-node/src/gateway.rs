//! `Gateway`: the facade's `cardpointe::Gateway` (and CardSecure on the same client) with a
//! Promise per operation. Nothing here sends, parses or validates on its own: values go through
//! the Rust models' parsers, calls through the facade, answers through the models' serde form.

use std::future::Future;
use std::time::Duration;

use cardpointe::cardsecure::{CardSecure, ManualCard, TokenizeOptions};
use cardpointe::transport::{Client, ClientBuilder, Credentials, Environment, Timeouts};
use cardpointe::{
    CaptureRequest, FundingRequest, InquireByOrderIdRequest, InquireRequest, ProfileDeleteRequest,
    ProfileReadRequest, RecoveryPolicy, RefundRequest, SettlestatRequest, SigcapRequest,
    VoidByOrderIdRequest, VoidRequest,
};
use napi::bindgen_prelude::PromiseRaw;
use napi::{Env, Unknown};
use napi_derive::napi;
use serde::Serialize;

use crate::error::Failure;
use crate::input::{
    self, AdjustInput, AuthInput, CardInput, ProfileInput, SettlestatInput, SigcapInput,
};
use crate::results::{
    self, AuthOutcome, BinResult, CaptureResult, InquireResult, ProfileResult, RefundResult,
    SigcapResult, TokenizeResult, VoidResult,
};

/// How to reach a CardPointe site (or an emulator) for one merchant.
#[napi(object)]
#[derive(Clone, Default)]
#[allow(clippy::exhaustive_structs, reason = "a plain JavaScript object")]
pub struct GatewayOptions {
    /// A site name as in `CARDPOINTE_SITE`: `"fts-uat"` is the UAT site `fts`, `"fts"`
    /// production. Give this or `baseUrl`.
    pub site: Option<String>,
    /// An explicit `https://host[:port]` (an emulator's `baseUrl`). Give this or `site`.
    pub base_url: Option<String>,
    /// The merchant id.
    pub merchid: Option<String>,
    /// The API user name.
    pub username: Option<String>,
    /// The API password (kept in zeroed memory; never printed).
    pub password: Option<String>,
    /// Extra trusted root certificates, PEM (an emulator's `caCertPem`). The public roots stay
    /// trusted; certificate checks cannot be turned off.
    pub ca_cert_pem: Option<String>,
    /// Allow an `http://` `baseUrl`, to a loopback address only (a plain-HTTP emulator).
    pub allow_plain_http_to_loopback: Option<bool>,
    /// How long to wait for a connection, in milliseconds.
    pub connect_timeout_ms: Option<u32>,
    /// How long to wait for the answer to a payment (auth, capture, void, refund), in
    /// milliseconds (default: the gateway's advice).
    pub payment_timeout_ms: Option<u32>,
    /// How long to wait for inquiries and reports, in milliseconds.
    pub inquiry_timeout_ms: Option<u32>,
    /// How a lost `auth` answer is recovered.
    pub recovery: Option<RecoveryOptions>,
}

/// How `auth` recovers a lost answer (defaults: inquire first, 3 voids, 1 s pause, 30 s
/// timeout per recovery request).
#[napi(object)]
#[derive(Clone, Default)]
#[allow(clippy::exhaustive_structs, reason = "a plain JavaScript object")]
pub struct RecoveryOptions {
    /// Ask `inquireByOrderid` before reversing (default `true`).
    pub inquire_first: Option<bool>,
    /// How many `voidByOrderId` requests at most (default 3).
    pub void_attempts: Option<u32>,
    /// The pause before each recovery request, in milliseconds (default 1000).
    pub pause_ms: Option<u32>,
    /// The timeout of each recovery request, in milliseconds (default 30000).
    pub timeout_ms: Option<u32>,
}

impl RecoveryOptions {
    fn policy(&self) -> RecoveryPolicy {
        let mut policy = RecoveryPolicy::default();
        if self.inquire_first == Some(false) {
            policy = policy.void_only();
        }
        if let Some(n) = self.void_attempts {
            policy = policy.with_void_attempts(u8::try_from(n).unwrap_or(u8::MAX));
        }
        if let Some(ms) = self.pause_ms {
            policy = policy.with_pause(Duration::from_millis(u64::from(ms)));
        }
        if let Some(ms) = self.timeout_ms {
            policy = policy.with_timeout(Duration::from_millis(u64::from(ms)));
        }
        policy
    }
}

impl GatewayOptions {
    /// The client these options describe.
    fn client(&self) -> Result<Client, Failure> {
        let t = |e: cardpointe::transport::Error| Failure::transport(&e);
        let environment = match (self.base_url.as_deref(), self.site.as_deref()) {
            (Some(url), _) => Environment::base_url(url).map_err(t)?,
            (None, Some(site)) => Environment::from_site_name(site).map_err(t)?,
            (None, None) => {
                return Err(Failure::invalid(
                    "site",
                    "is required: give `site` (for example \"fts-uat\") or `baseUrl`",
                ));
            }
        };
        let need = |field: &'static str, value: &Option<String>, hint: &'static str| {
            value
                .clone()
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| Failure::invalid(field, format!("is required: {hint}")))
        };
        let merchid = need("merchid", &self.merchid, "give the merchant id")?;
        let username = need("username", &self.username, "give the API user name")?;
        let password = need("password", &self.password, "give the API password")?;
        let mut builder: ClientBuilder = Client::builder(environment)
            .merchant_id(merchid.trim())
            .credentials(Credentials::new(username.trim(), password));
        if let Some(pem) = &self.ca_cert_pem {
            builder = builder
                .add_root_certificates_pem(pem.as_bytes())
                .map_err(|e| Failure::transport(&e).in_field("caCertPem"))?;
        }
        if self.allow_plain_http_to_loopback == Some(true) {
            builder = builder.allow_plain_http_to_loopback();
        }
        let mut timeouts = Timeouts::default();
        let ms = |v: u32| Duration::from_millis(u64::from(v));
        if let Some(v) = self.connect_timeout_ms {
            timeouts = timeouts.with_connect(ms(v));
        }
        if let Some(v) = self.payment_timeout_ms {
            timeouts = timeouts.with_payment(ms(v));
        }
        if let Some(v) = self.inquiry_timeout_ms {
            timeouts = timeouts.with_inquiry(ms(v));
        }
        builder.timeouts(timeouts).build().map_err(t)
    }
}

/// A CardPointe Gateway client for one merchant. Every operation returns a Promise of a plain
/// object; declines are values (`result.approved === false`), failures reject with an `Error`
/// whose `code` is one of `CARDPOINTE_AUTHENTICATION`, `CARDPOINTE_CONNECTION` (see
/// `mayHaveBeenSent`), `CARDPOINTE_INVALID_INPUT` (nothing was sent; `field` names the
/// property), `CARDPOINTE_API` and `CARDPOINTE_CONFIGURATION`.
#[napi]
pub struct Gateway {
    inner: cardpointe::Gateway,
}

impl Gateway {
    /// Wraps a facade gateway (the emulator's `gateway()` uses this).
    pub(crate) fn from_client(
        client: Client,
        recovery: Option<&RecoveryOptions>,
    ) -> Result<Self, Failure> {
        let mut inner = cardpointe::Gateway::new(client);
        if let Some(recovery) = recovery {
            inner = inner.with_recovery(recovery.policy());
        }
        Ok(Self { inner })
    }

    /// Runs `work` on napi's Tokio runtime; the Promise resolves with its result as a plain
    /// object (masked under `util.inspect`) or rejects with its failure as a `CardPointeError`.
    fn promise<'env, T, F>(
        &self,
        env: &'env Env,
        work: F,
    ) -> napi::Result<PromiseRaw<'env, Unknown<'env>>>
    where
        T: Serialize + Send + 'static,
        F: Future<Output = Result<T, Failure>> + Send + 'static,
    {
        env.spawn_future_with_callback(async move { Ok(work.await) }, |env, done| match done {
            Ok(value) => results::to_js(env, &value),
            Err(failure) => Err(failure.into_js(env)),
        })
    }
}

#[napi]
impl Gateway {
    /// A gateway from options: `site` or `baseUrl`, `merchid`, `username`, `password`.
    /// Throws a `CardPointeError` naming what is missing or wrong.
    #[napi(constructor)]
    pub fn new(env: Env, options: GatewayOptions) -> napi::Result<Self> {
        napi::bindgen_prelude::within_runtime_if_available(|| {
            options
                .client()
                .and_then(|client| Self::from_client(client, options.recovery.as_ref()))
        })
        .map_err(|f| f.into_js(&env))
    }

    /// A gateway from the same `CARDPOINTE_*` variables as the Rust `Gateway::from_env`:
    /// `CARDPOINTE_SITE` or `CARDPOINTE_BASE_URL`, `CARDPOINTE_MERCHID`,
    /// `CARDPOINTE_USERNAME`, `CARDPOINTE_PASSWORD`, and optionally `CARDPOINTE_CA_CERT` (a
    /// PEM file) and `CARDPOINTE_ALLOW_PLAIN_HTTP=loopback` — the line `cardpointe sim` prints.
    #[napi(factory)]
    pub fn from_env(env: Env) -> napi::Result<Self> {
        napi::bindgen_prelude::within_runtime_if_available(|| {
            let client = Client::from_env().map_err(|e| Failure::transport(&e))?;
            Self::from_client(client, None)
        })
        .map_err(|f| f.into_js(&env))
    }

    /// The merchant id every request is sent for.
    #[napi(getter)]
    pub fn merchid(&self) -> String {
        self.inner.merchant_id().as_str().to_owned()
    }

    /// Authorizes, safely: a unique order id when none is given, and when the answer is lost
    /// (timeout, connection lost after sending) the outcome is recovered with
    /// `inquireByOrderid` or reversed with `voidByOrderId` — never sent twice. Resolves with
    /// the outcome; rejects only when nothing was charged for certain.
    #[napi(ts_return_type = "Promise<AuthOutcome>")]
    pub fn auth<'env>(
        &self,
        env: &'env Env,
        input: AuthInput,
    ) -> napi::Result<PromiseRaw<'env, Unknown<'env>>> {
        let gateway = self.inner.clone();
        self.promise(env, async move {
            let request = input.request()?;
            let outcome = gateway
                .auth(request)
                .await
                .map_err(|e| Failure::facade(&e))?;
            AuthOutcome::of(&outcome)
        })
    }

    /// Captures an authorization (all of it, or `amount`).
    #[napi(ts_return_type = "Promise<CaptureResult>")]
    pub fn capture<'env>(
        &self,
        env: &'env Env,
        input: AdjustInput,
    ) -> napi::Result<PromiseRaw<'env, Unknown<'env>>> {
        let gateway = self.inner.clone();
        self.promise(env, async move {
            let (retref, amount) = input.parts()?;
            let mut request = CaptureRequest::new(retref);
            request.amount = amount;
            let answer = gateway
                .capture(&request)
                .await
                .map_err(|e| Failure::facade(&e))?;
            CaptureResult::of(&answer)
        })
    }

    /// Voids an authorization or capture before settlement (all of it, or `amount`).
    #[napi(ts_return_type = "Promise<VoidResult>")]
    pub fn void<'env>(
        &self,
        env: &'env Env,
        input: AdjustInput,
    ) -> napi::Result<PromiseRaw<'env, Unknown<'env>>> {
        let gateway = self.inner.clone();
        self.promise(env, async move {
            let (retref, amount) = input.parts()?;
            let mut request = VoidRequest::new(retref);
            request.amount = amount;
            let answer = gateway
                .void(&request)
                .await
                .map_err(|e| Failure::facade(&e))?;
            VoidResult::of(&answer)
        })
    }

    /// Refunds a settled transaction (all of it, or `amount`).
    #[napi(ts_return_type = "Promise<RefundResult>")]
    pub fn refund<'env>(
        &self,
        env: &'env Env,
        input: AdjustInput,
    ) -> napi::Result<PromiseRaw<'env, Unknown<'env>>> {
        let gateway = self.inner.clone();
        self.promise(env, async move {
            let (retref, amount) = input.parts()?;
            let request = RefundRequest::new(retref);
            let request = match amount {
                Some(amount) => request.with_amount(amount),
                None => request,
            };
            let answer = gateway
                .refund(&request)
                .await
                .map_err(|e| Failure::facade(&e))?;
            RefundResult::of(&answer)
        })
    }

    /// A transaction's current state, by retref.
    #[napi(ts_return_type = "Promise<InquireResult>")]
    pub fn inquire<'env>(
        &self,
        env: &'env Env,
        retref: String,
    ) -> napi::Result<PromiseRaw<'env, Unknown<'env>>> {
        let gateway = self.inner.clone();
        self.promise(env, async move {
            let request = InquireRequest::new(input::retref(&retref)?);
            let answer = gateway
                .inquire(&request)
                .await
                .map_err(|e| Failure::facade(&e))?;
            InquireResult::of(&answer)
        })
    }

    /// The transactions carrying an order id (one entry with `respcode` 29 when none).
    #[napi(ts_return_type = "Promise<InquireResult[]>")]
    pub fn inquire_by_orderid<'env>(
        &self,
        env: &'env Env,
        orderid: String,
    ) -> napi::Result<PromiseRaw<'env, Unknown<'env>>> {
        let gateway = self.inner.clone();
        self.promise(env, async move {
            let request = InquireByOrderIdRequest::new(input::orderid(&orderid)?);
            let answers = gateway
                .inquire_by_order_id(&request)
                .await
                .map_err(|e| Failure::facade(&e))?;
            answers
                .iter()
                .map(InquireResult::of)
                .collect::<Result<Vec<_>, _>>()
        })
    }

    /// Voids the approved transaction carrying an order id (`respcode` 29 when none).
    #[napi(ts_return_type = "Promise<VoidResult>")]
    pub fn void_by_order_id<'env>(
        &self,
        env: &'env Env,
        orderid: String,
    ) -> napi::Result<PromiseRaw<'env, Unknown<'env>>> {
        let gateway = self.inner.clone();
        self.promise(env, async move {
            let request = VoidByOrderIdRequest::new(input::orderid(&orderid)?);
            let answer = gateway
                .void_by_order_id(&request)
                .await
                .map_err(|e| Failure::facade(&e))?;
            VoidResult::of(&answer)
        })
    }

    /// Deposits, adjustments and chargebacks of a day (`MMDD` or `YYYYMMDD`; absent: those not
    /// yet retrieved), in the gateway's own JSON shape.
    #[napi(ts_return_type = "Promise<Record<string, unknown>>")]
    pub fn funding<'env>(
        &self,
        env: &'env Env,
        date: Option<String>,
    ) -> napi::Result<PromiseRaw<'env, Unknown<'env>>> {
        let gateway = self.inner.clone();
        self.promise(env, async move {
            let request = FundingRequest::new(input::report_date(date.as_deref())?);
            let answer = gateway
                .funding(&request)
                .await
                .map_err(|e| Failure::facade(&e))?;
            results::json(&answer)
        })
    }

    /// Settlement batches of a day or one batch (an empty list when none), in the gateway's
    /// own JSON shape.
    #[napi(ts_return_type = "Promise<Array<Record<string, unknown>>>")]
    pub fn settlestat<'env>(
        &self,
        env: &'env Env,
        query: Option<SettlestatInput>,
    ) -> napi::Result<PromiseRaw<'env, Unknown<'env>>> {
        let gateway = self.inner.clone();
        self.promise(env, async move {
            let query = query.unwrap_or_default();
            let mut request = SettlestatRequest::new();
            request.date = input::report_date(query.date.as_deref())?;
            request.batchid = query.batchid.filter(|b| !b.trim().is_empty());
            let answer = gateway
                .settlestat(&request)
                .await
                .map_err(|e| Failure::facade(&e))?;
            results::json(&answer)
        })
    }

    /// Stores a card or token as a new profile (or, with `profile`, as another account of one).
    #[napi(ts_return_type = "Promise<ProfileResult>")]
    pub fn profile_create<'env>(
        &self,
        env: &'env Env,
        input: ProfileInput,
    ) -> napi::Result<PromiseRaw<'env, Unknown<'env>>> {
        let gateway = self.inner.clone();
        self.promise(env, async move {
            let request = input.request(false)?;
            let answer = gateway
                .profile_create(&request)
                .await
                .map_err(|e| Failure::facade(&e))?;
            ProfileResult::of(&answer)
        })
    }

    /// The accounts of a profile (`"<profileid>"`), or one (`"<profileid>/<acctid>"`).
    #[napi(ts_return_type = "Promise<ProfileResult[]>")]
    pub fn profile_get<'env>(
        &self,
        env: &'env Env,
        profile: String,
    ) -> napi::Result<PromiseRaw<'env, Unknown<'env>>> {
        let gateway = self.inner.clone();
        self.promise(env, async move {
            let request = ProfileReadRequest::new(input::profile(&profile)?);
            let answers = gateway
                .profile_read(&request)
                .await
                .map_err(|e| Failure::facade(&e))?;
            answers
                .iter()
                .map(ProfileResult::of)
                .collect::<Result<Vec<_>, _>>()
        })
    }

    /// Updates a stored account (`profile` = `"<profileid>/<acctid>"`, required).
    #[napi(ts_return_type = "Promise<ProfileResult>")]
    pub fn profile_update<'env>(
        &self,
        env: &'env Env,
        input: ProfileInput,
    ) -> napi::Result<PromiseRaw<'env, Unknown<'env>>> {
        let gateway = self.inner.clone();
        self.promise(env, async move {
            let request = input.request(true)?;
            let answer = gateway
                .profile_update(&request)
                .await
                .map_err(|e| Failure::facade(&e))?;
            ProfileResult::of(&answer)
        })
    }

    /// Deletes a profile (`"<profileid>"`) or one of its accounts (`"<profileid>/<acctid>"`).
    #[napi(ts_return_type = "Promise<ProfileResult>")]
    pub fn profile_delete<'env>(
        &self,
        env: &'env Env,
        profile: String,
    ) -> napi::Result<PromiseRaw<'env, Unknown<'env>>> {
        let gateway = self.inner.clone();
        self.promise(env, async move {
            let request = ProfileDeleteRequest::new(input::profile(&profile)?);
            let answer = gateway
                .profile_delete(&request)
                .await
                .map_err(|e| Failure::facade(&e))?;
            ProfileResult::of(&answer)
        })
    }

    /// Attaches a signature to a transaction.
    #[napi(ts_return_type = "Promise<SigcapResult>")]
    pub fn sigcap<'env>(
        &self,
        env: &'env Env,
        input: SigcapInput,
    ) -> napi::Result<PromiseRaw<'env, Unknown<'env>>> {
        let gateway = self.inner.clone();
        self.promise(env, async move {
            let retref = input::retref(input.retref.as_deref().unwrap_or_default())?;
            let signature = input
                .signature
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| {
                    Failure::invalid(
                        "signature",
                        "is required: give the Base64 of the gzipped BMP signature",
                    )
                })?;
            let request = SigcapRequest::new(retref, signature);
            let answer = gateway
                .sigcap(&request)
                .await
                .map_err(|e| Failure::facade(&e))?;
            SigcapResult::of(&answer)
        })
    }

    /// What the card behind a token is (brand, country, debit, corporate …).
    #[napi(ts_return_type = "Promise<BinResult>")]
    pub fn bin<'env>(
        &self,
        env: &'env Env,
        token: String,
    ) -> napi::Result<PromiseRaw<'env, Unknown<'env>>> {
        let gateway = self.inner.clone();
        self.promise(env, async move {
            let request = cardpointe::BinRequest::new(input::token(&token)?);
            let answer = gateway
                .bin(&request)
                .await
                .map_err(|e| Failure::facade(&e))?;
            BinResult::of(&answer)
        })
    }

    /// Tokenizes a keyed card with CardSecure (same site, same credentials). The card is
    /// checked first (Luhn, expiry, CVV length for the brand); nothing is sent when it fails.
    #[napi(ts_return_type = "Promise<TokenizeResult>")]
    pub fn tokenize<'env>(
        &self,
        env: &'env Env,
        card: CardInput,
    ) -> napi::Result<PromiseRaw<'env, Unknown<'env>>> {
        let cardsecure = CardSecure::new(self.inner.client().clone());
        self.promise(env, async move {
            let number = card.number.as_deref().unwrap_or_default();
            let expiry = card.expiry.as_deref().unwrap_or_default();
            let manual = ManualCard::new(number, expiry, card.cvv.as_deref())
                .map_err(|e| Failure::invalid(card_field(&e), e.to_string()))?;
            let token = cardsecure
                .tokenize_card(&manual, TokenizeOptions::default())
                .await
                .map_err(|e| Failure::cardsecure(&e))?;
            Ok(TokenizeResult {
                token: token.as_str().to_owned(),
            })
        })
    }
}

/// The `CardInput` property a CardSecure validation error is about.
fn card_field(error: &cardpointe::cardsecure::ValidationError) -> &'static str {
    use cardpointe::cardsecure::ValidationError as V;
    match error {
        V::ExpiryFormat { .. } | V::ExpiryMonth { .. } | V::Expired { .. } => "expiry",
        V::CvvCharacter | V::CvvLength { .. } => "cvv",
        _ => "number",
    }
}
