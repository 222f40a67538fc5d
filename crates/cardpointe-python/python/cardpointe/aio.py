"""The asyncio variant: :class:`AsyncGateway`, the same operations as coroutines.

Each call runs on the package's Rust runtime (no thread per call, the event loop is never
blocked) and resolves its asyncio future from there::

    gateway = AsyncGateway.from_env()
    outcome = await gateway.auth(1999, token="9418594164541111")
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, List, Mapping, Optional

from . import _native
from ._native import (
    AuthOutcome,
    AuthResponse,
    BinInfo,
    CaptureResponse,
    FundingResponse,
    InquireResponse,
    ProfileResponse,
    RefundResponse,
    SettlementBatch,
    SigcapResponse,
    TokenizeResult,
    VoidResponse,
)

__all__ = ["AsyncGateway"]


def _resolver(loop: asyncio.AbstractEventLoop, future: "asyncio.Future[Any]") -> Callable[[Any, Any], None]:
    def settle(value: Any, error: Optional[BaseException]) -> None:
        if future.done():  # cancelled meanwhile
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)

    def done(value: Any, error: Optional[BaseException]) -> None:
        loop.call_soon_threadsafe(settle, value, error)

    return done


class AsyncGateway:
    """A :class:`cardpointe.Gateway` whose operations are coroutines.

    Build it like a ``Gateway`` (``AsyncGateway(merchid=…, …)``, ``AsyncGateway.from_env()``,
    ``AsyncGateway.from_config({...})``) or wrap one (``AsyncGateway(gateway=g)``). Cancelling a
    coroutine stops waiting for the answer; it does not recall a request already sent.
    """

    def __init__(self, gateway: Optional[_native.Gateway] = None, **settings: Any) -> None:
        self.gateway: _native.Gateway = gateway if gateway is not None else _native.Gateway(**settings)

    @classmethod
    def from_env(cls, **options: Any) -> "AsyncGateway":
        """From the ``CARDPOINTE_*`` environment variables (as ``Gateway.from_env``)."""
        return cls(_native.Gateway.from_env(**options))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "AsyncGateway":
        """From a mapping of settings (as ``Gateway.from_config``)."""
        return cls(_native.Gateway.from_config(dict(config)))

    @property
    def merchant_id(self) -> str:
        """The merchant id this gateway works for."""
        return self.gateway.merchant_id

    def __repr__(self) -> str:
        return f"Async{self.gateway!r}"

    async def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        future: "asyncio.Future[Any]" = loop.create_future()
        getattr(self.gateway, name)(_resolver(loop, future), *args, **kwargs)
        return await future

    async def auth(self, amount: int, **kwargs: Any) -> AuthOutcome:
        """Safe auth (see ``Gateway.auth``)."""
        return await self._call("_auth_async", amount, **kwargs)

    async def capture(self, retref: str, *, amount: Optional[int] = None) -> CaptureResponse:
        """``capture`` (see ``Gateway.capture``)."""
        return await self._call("_capture_async", retref, amount=amount)

    async def void(self, retref: str, *, amount: Optional[int] = None) -> VoidResponse:
        """``void`` (see ``Gateway.void``)."""
        return await self._call("_void_async", retref, amount=amount)

    async def refund(self, retref: str, *, amount: Optional[int] = None) -> RefundResponse:
        """``refund`` (see ``Gateway.refund``)."""
        return await self._call("_refund_async", retref, amount=amount)

    async def inquire(self, retref: str) -> InquireResponse:
        """``inquire`` (see ``Gateway.inquire``)."""
        return await self._call("_inquire_async", retref)

    async def inquire_by_orderid(self, orderid: str) -> List[InquireResponse]:
        """``inquireByOrderid`` (see ``Gateway.inquire_by_orderid``)."""
        return await self._call("_inquire_by_orderid_async", orderid)

    async def void_by_orderid(self, orderid: str) -> VoidResponse:
        """``voidByOrderId`` (see ``Gateway.void_by_orderid``)."""
        return await self._call("_void_by_orderid_async", orderid)

    async def funding(self, date: Optional[str] = None) -> FundingResponse:
        """``funding`` (see ``Gateway.funding``)."""
        return await self._call("_funding_async", date)

    async def settlestat(self, date: Optional[str] = None, *, batchid: Optional[str] = None) -> List[SettlementBatch]:
        """``settlestat`` (see ``Gateway.settlestat``)."""
        return await self._call("_settlestat_async", date, batchid=batchid)

    async def profile_create(self, **kwargs: Any) -> ProfileResponse:
        """``profile`` PUT (see ``Gateway.profile_create``)."""
        return await self._call("_profile_create_async", **kwargs)

    async def profile_update(self, profile: str, **kwargs: Any) -> ProfileResponse:
        """``profile`` PUT of an account (see ``Gateway.profile_update``)."""
        return await self._call("_profile_update_async", profile, **kwargs)

    async def profile_get(self, profile: str) -> List[ProfileResponse]:
        """``profile`` GET (see ``Gateway.profile_get``)."""
        return await self._call("_profile_get_async", profile)

    async def profile_delete(self, profile: str) -> ProfileResponse:
        """``profile`` DELETE (see ``Gateway.profile_delete``)."""
        return await self._call("_profile_delete_async", profile)

    async def sigcap(self, retref: str, signature: str) -> SigcapResponse:
        """``sigcap`` (see ``Gateway.sigcap``)."""
        return await self._call("_sigcap_async", retref, signature)

    async def bin(self, token: str) -> BinInfo:
        """``bin`` (see ``Gateway.bin``)."""
        return await self._call("_bin_async", token)

    async def tokenize(self, card: str, *, expiry: str, cvv2: Optional[str] = None) -> TokenizeResult:
        """CardSecure ``tokenize`` (see ``Gateway.tokenize``)."""
        return await self._call("_tokenize_async", card, expiry=expiry, cvv2=cvv2)


