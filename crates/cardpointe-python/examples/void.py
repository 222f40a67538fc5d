"""Authorize, then void the authorization before it settles.

    python examples/void.py
"""

from _support import EXPIRY, VISA, connect

with connect() as (gateway, _):
    outcome = gateway.auth(1500, card=VISA, expiry=EXPIRY)
    void = gateway.void(outcome.retref)
    print(repr(void))
    print("state now:", gateway.inquire(outcome.retref).setlstat)
    assert void.approved
