"""cardpointe — the CardPointe Gateway for Python, on the cardpointe-rs Rust core.

- :class:`Gateway`: every operation (auth with safe timeout recovery, capture, void, refund,
  inquire, inquire/void by order id, funding, settlestat, profiles, sigcap, bin, CardSecure
  tokenize) as blocking methods; :class:`AsyncGateway` the same as coroutines.
- Results are objects with attributes, ``to_dict()`` and a masked ``repr``; declines are
  results (``approved`` is ``False``), errors are :class:`CardPointeError` subclasses.
- :class:`Emulator`: the CardPointe emulator in process, over HTTPS, for tests and examples.
- Log records of the Rust layers go to the ``cardpointe`` logger (redacted at the source).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("cardpointe")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

from ._native import (
    AuthOutcome,
    AuthResponse,
    BinInfo,
    CaptureResponse,
    Emulator,
    FundingResponse,
    Gateway,
    InquireResponse,
    ProfileResponse,
    RefundResponse,
    SettlementBatch,
    SigcapResponse,
    TokenizeResult,
    VoidResponse,
)
from .aio import AsyncGateway
from .errors import (
    ApiError,
    AuthenticationError,
    CardPointeError,
    ConfigurationError,
    ConnectionError,
    InvalidInput,
    RequestError,
)

__all__ = [
    "__version__",
    "Gateway",
    "AsyncGateway",
    "Emulator",
    "AuthOutcome",
    "AuthResponse",
    "CaptureResponse",
    "VoidResponse",
    "RefundResponse",
    "InquireResponse",
    "ProfileResponse",
    "SigcapResponse",
    "FundingResponse",
    "SettlementBatch",
    "BinInfo",
    "TokenizeResult",
    "CardPointeError",
    "AuthenticationError",
    "ConnectionError",
    "RequestError",
    "InvalidInput",
    "ConfigurationError",
    "ApiError",
]
