"""The exceptions of the cardpointe package: one hierarchy under :class:`CardPointeError`.

Declines are not exceptions: they come back as results whose ``approved`` is ``False``. These
exceptions cover what kept a call from getting an answer. No message quotes a card number,
a password or a request or response body.
"""

from __future__ import annotations

import builtins
from typing import Optional

__all__ = [
    "CardPointeError",
    "AuthenticationError",
    "ConnectionError",
    "RequestError",
    "InvalidInput",
    "ConfigurationError",
    "ApiError",
]


class CardPointeError(Exception):
    """Base class of every error the package raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuthenticationError(CardPointeError):
    """HTTP 401: the user name or password is wrong, or they do not cover the merchant id
    (the message says which). Nothing was charged."""


class ConnectionError(CardPointeError, builtins.ConnectionError):
    """No answer: the connection failed, timed out or broke.

    ``may_have_been_sent`` is ``True`` when the request may have reached the gateway and been
    acted on: never resend a payment then; look it up by order id (``Gateway.auth`` does this
    for you).
    """

    def __init__(self, message: str, may_have_been_sent: bool = False) -> None:
        super().__init__(message)
        self.may_have_been_sent = may_have_been_sent


class RequestError(CardPointeError):
    """The request could not be made; nothing was sent."""


class InvalidInput(RequestError, ValueError):
    """An argument is not valid; ``field`` names it and the message says how to fix it.
    Raised before anything is sent."""

    def __init__(self, message: str, field: Optional[str] = None) -> None:
        super().__init__(message)
        self.field = field


class ConfigurationError(RequestError):
    """The gateway settings are unusable (a missing ``CARDPOINTE_*`` variable, a bad URL, a
    certificate that cannot be read); the message names the setting."""


class ApiError(CardPointeError):
    """The gateway or CardSecure answered with an error instead of a result: an HTTP error
    ``status``, an unreadable body, or a CardSecure refusal ``code``.

    ``may_have_been_sent`` is ``True`` when the request may have been acted on (5xx, a body
    that could not be read).
    """

    def __init__(
        self,
        message: str,
        status: Optional[int] = None,
        may_have_been_sent: bool = False,
        code: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.may_have_been_sent = may_have_been_sent
        self.code = code
