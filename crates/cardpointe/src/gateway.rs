//! [`Gateway`]: every CardPointe Gateway operation as a typed method over one HTTPS client.

use cardpointe_transport::{CallOptions, Client};
use cardpointe_types::{
    AuthRequest, BatchResponse, BinInfo, BinRequest, CaptureRequest, CaptureResponse,
    CloseBatchRequest, CredentialTestRequest, CredentialTestResponse, FundingRequest,
    FundingResponse, InquireByOrderIdRequest, InquireMerchantRequest, InquireRequest,
    InquireResponse, MerchantId, MerchantInfo, OpenBatchRequest, Operation, ProfileDeleteRequest,
    ProfileReadRequest, ProfileRequest, ProfileResponse, RefundRequest, RefundResponse,
    SettlementBatch, SettlestatByBatchSourceRequest, SettlestatRequest, SigcapRequest,
    SigcapResponse, SurchargeRequest, SurchargeResponse, VoidByOrderIdRequest, VoidRequest,
    VoidResponse,
};
use tracing::Instrument as _;

use crate::Error;
use crate::recovery::{self, AuthOutcome, RecoveryPolicy};

/// A CardPointe Gateway client for one merchant: every operation as a method, typed requests
/// and responses, declines as values, and an [`auth`](Gateway::auth) that never charges twice.
///
/// Cheap to clone (the HTTPS client inside is one `Arc`).
///
/// ```no_run
/// use cardpointe::{Amount, AuthRequest, Gateway, PaymentSource, Token};
///
/// # async fn run() -> Result<(), cardpointe::Error> {
/// let gateway = Gateway::from_env()?; // CARDPOINTE_SITE, _MERCHID, _USERNAME, _PASSWORD
/// let request = AuthRequest::new(
///     Amount::from_minor(1999)?,
///     PaymentSource::Token(Token::new("9418594164541111")?),
/// );
/// let outcome = gateway.auth(request).await?;
/// println!("{outcome}");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Gateway {
    client: Client,
    merchid: MerchantId,
    recovery: RecoveryPolicy,
}

impl Gateway {
    /// A gateway over `client`, for the client's merchant (validated when the client was
    /// built), with the default [`RecoveryPolicy`].
    #[must_use]
    pub fn new(client: Client) -> Self {
        let merchid = client.merchant_id().clone();
        Self {
            client,
            merchid,
            recovery: RecoveryPolicy::default(),
        }
    }

    /// A gateway configured from the `CARDPOINTE_*` environment variables
    /// (`CARDPOINTE_SITE` or `CARDPOINTE_BASE_URL`, `CARDPOINTE_MERCHID`,
    /// `CARDPOINTE_USERNAME`, `CARDPOINTE_PASSWORD`; `CARDPOINTE_CA_CERT` for an emulator's CA
    /// file, `CARDPOINTE_ALLOW_PLAIN_HTTP=loopback` for its plain-HTTP loopback URL): the line
    /// `cardpointe sim` prints works as is. Must run inside a Tokio runtime.
    ///
    /// # Errors
    /// [`Error::Transport`] (a configuration error naming the missing variable).
    pub fn from_env() -> Result<Self, Error> {
        Ok(Self::new(Client::from_env()?))
    }

    /// The same gateway with another recovery policy for lost `auth` answers.
    #[must_use]
    pub fn with_recovery(mut self, recovery: RecoveryPolicy) -> Self {
        self.recovery = recovery;
        self
    }

    /// The merchant this gateway works for.
    #[must_use]
    pub fn merchant_id(&self) -> &MerchantId {
        &self.merchid
    }

    /// The HTTPS client underneath (for CardSecure, which shares it).
    #[must_use]
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The recovery policy in force.
    #[must_use]
    pub fn recovery(&self) -> &RecoveryPolicy {
        &self.recovery
    }

    /// Sends any [`Operation`] and reads its answer, through the transport's one send path
    /// ([`Client::call`]). Every method below is this call with a fixed request type; use it
    /// for endpoints added later.
    ///
    /// Whether the transport may resend the request after an ambiguous failure is the
    /// operation's own declaration ([`Operation::RETRY`]); nothing here changes it.
    ///
    /// # Errors
    /// [`Error::Transport`] when no usable answer came: no connection, a timeout, an HTTP
    /// error status, or an unreadable body (ask [`Error::maybe_sent`]).
    pub async fn call<Op: Operation>(&self, op: &Op) -> Result<Op::Response, Error> {
        Ok(self.client.call(op).await?)
    }

    /// As [`call`](Self::call), with options for this call only: a timeout, a resend budget
    /// ([`CallOptions`]).
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn call_with<Op: Operation>(
        &self,
        op: &Op,
        options: CallOptions,
    ) -> Result<Op::Response, Error> {
        Ok(self.client.call_with(op, options).await?)
    }

    /// `auth`, safely: the request gets a unique order id when it has none, and when the answer
    /// is lost (timeout, connection reset after sending, unreadable answer) the outcome is
    /// recovered with `inquireByOrderid`, or the authorization is reversed with
    /// `voidByOrderId` (up to three times) — never sent twice. See [`AuthOutcome`].
    ///
    /// # Errors
    /// Only when nothing was charged for certain: the request could not be sent (bad
    /// configuration, no connection, 401). Every case where the request may have arrived comes
    /// back as an [`AuthOutcome`].
    pub async fn auth(&self, request: AuthRequest) -> Result<AuthOutcome, Error> {
        // The span carries the order id (recorded once it is known) and the retref of the
        // answer, so every line logged inside — the call, a recovery — names the transaction.
        let span = tracing::info_span!(
            "cardpointe.auth",
            orderid = tracing::field::Empty,
            retref = tracing::field::Empty,
        );
        let outcome = recovery::safe_auth(self, request)
            .instrument(span.clone())
            .await;
        if let Some(retref) = outcome.as_ref().ok().and_then(AuthOutcome::retref) {
            span.record("retref", tracing::field::display(retref.as_str()));
        }
        outcome
    }

    /// `capture`: settle an authorization (optionally for less).
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn capture(&self, request: &CaptureRequest) -> Result<CaptureResponse, Error> {
        let span = tracing::info_span!("cardpointe.capture", retref = %request.retref);
        self.call(request).instrument(span).await
    }

    /// `void`: cancel an authorization or capture before settlement.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn void(&self, request: &VoidRequest) -> Result<VoidResponse, Error> {
        let span = tracing::info_span!("cardpointe.void", retref = %request.retref);
        self.call(request).instrument(span).await
    }

    /// `voidByOrderId`: void the approved transaction carrying an order id.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn void_by_order_id(
        &self,
        request: &VoidByOrderIdRequest,
    ) -> Result<VoidResponse, Error> {
        let span = tracing::info_span!("cardpointe.void_by_order_id", orderid = %request.orderid);
        self.call(request).instrument(span).await
    }

    /// `refund`: return money on a settled transaction.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn refund(&self, request: &RefundRequest) -> Result<RefundResponse, Error> {
        let span = tracing::info_span!("cardpointe.refund", retref = %request.retref);
        self.call(request).instrument(span).await
    }

    /// `inquire`: a transaction's state by retref.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn inquire(&self, request: &InquireRequest) -> Result<InquireResponse, Error> {
        let span = tracing::info_span!("cardpointe.inquire", retref = %request.retref);
        self.call(request).instrument(span).await
    }

    /// `inquireByOrderid`: the transactions carrying an order id (usually one; a "not found"
    /// answer is one entry with PPS 29).
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn inquire_by_order_id(
        &self,
        request: &InquireByOrderIdRequest,
    ) -> Result<Vec<InquireResponse>, Error> {
        let span =
            tracing::info_span!("cardpointe.inquire_by_order_id", orderid = %request.orderid);
        self.call(request).instrument(span).await
    }

    /// `inquireMerchant`: the merchant's configuration.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn inquire_merchant(
        &self,
        request: &InquireMerchantRequest,
    ) -> Result<MerchantInfo, Error> {
        self.call(request).await
    }

    /// `settlestat`: settlement batches by date or batch id (an empty list for `Null batches`).
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn settlestat(
        &self,
        request: &SettlestatRequest,
    ) -> Result<Vec<SettlementBatch>, Error> {
        self.call(request).await
    }

    /// `settlestatByBatchSource`: settlement of a manual batch.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn settlestat_by_batch_source(
        &self,
        request: &SettlestatByBatchSourceRequest,
    ) -> Result<Vec<SettlementBatch>, Error> {
        self.call(request).await
    }

    /// `openbatch`: open a manual batch.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn open_batch(&self, request: &OpenBatchRequest) -> Result<BatchResponse, Error> {
        self.call(request).await
    }

    /// `closebatch`: close a batch now.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn close_batch(&self, request: &CloseBatchRequest) -> Result<BatchResponse, Error> {
        self.call(request).await
    }

    /// `funding`: deposits, adjustments and chargebacks of a day.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn funding(&self, request: &FundingRequest) -> Result<FundingResponse, Error> {
        self.call(request).await
    }

    /// `profile` (PUT): create a stored profile, or add/update an account of one.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn profile_create(&self, request: &ProfileRequest) -> Result<ProfileResponse, Error> {
        self.call(request).await
    }

    /// `profile` (PUT with `profile` set): update a stored profile's account.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn profile_update(&self, request: &ProfileRequest) -> Result<ProfileResponse, Error> {
        self.call(request).await
    }

    /// `profile` (GET): read a profile's accounts.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn profile_read(
        &self,
        request: &ProfileReadRequest,
    ) -> Result<Vec<ProfileResponse>, Error> {
        self.call(request).await
    }

    /// `profile` (DELETE): delete a profile or one of its accounts.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn profile_delete(
        &self,
        request: &ProfileDeleteRequest,
    ) -> Result<ProfileResponse, Error> {
        self.call(request).await
    }

    /// `sigcap`: attach a signature to a transaction.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn sigcap(&self, request: &SigcapRequest) -> Result<SigcapResponse, Error> {
        let span = tracing::info_span!("cardpointe.sigcap", retref = %request.retref);
        self.call(request).instrument(span).await
    }

    /// `bin`: what the card behind a token is (brand, country, debit, corporate …).
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn bin(&self, request: &BinRequest) -> Result<BinInfo, Error> {
        self.call(request).await
    }

    /// `surcharge`: whether a surcharge may be added for this card and place.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn surcharge(&self, request: &SurchargeRequest) -> Result<SurchargeResponse, Error> {
        self.call(request).await
    }

    /// The credential test: checks that the credentials are valid and cover this merchant
    /// (`PUT /` with the merchant id).
    ///
    /// # Errors
    /// [`Error::Transport`] with [`is_auth`](cardpointe_transport::Error::is_auth) when they
    /// are not; as [`call`](Self::call) otherwise.
    pub async fn test_credentials(&self) -> Result<CredentialTestResponse, Error> {
        self.call(&CredentialTestRequest::for_merchant(self.merchid.clone()))
            .await
    }
}
