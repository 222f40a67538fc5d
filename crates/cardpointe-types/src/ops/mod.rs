//! One module per endpoint family: the request, its response and the [`Operation`] impl.
//!
//! [`Operation`]: crate::Operation

pub(crate) mod auth;
pub(crate) mod bin;
pub(crate) mod capture;
pub(crate) mod cardsecure;
pub(crate) mod extras;
pub(crate) mod funding;
pub(crate) mod inquire;
pub(crate) mod merchant;
pub(crate) mod profile;
pub(crate) mod refund;
pub(crate) mod settlement;
pub(crate) mod sigcap;
pub(crate) mod void;

crate::operation::merchant_override!(
    auth::AuthRequest,
    bin::BinRequest,
    bin::SurchargeRequest,
    capture::CaptureRequest,
    funding::FundingRequest,
    funding::DepositRequest,
    inquire::InquireRequest,
    inquire::InquireByOrderIdRequest,
    merchant::InquireMerchantRequest,
    profile::ProfileRequest,
    profile::ProfileReadRequest,
    profile::ProfileDeleteRequest,
    refund::RefundRequest,
    settlement::SettlestatRequest,
    settlement::SettlestatByBatchSourceRequest,
    settlement::OpenBatchRequest,
    settlement::CloseBatchRequest,
    sigcap::SigcapRequest,
    void::VoidRequest,
    void::VoidByOrderIdRequest,
);
