"""Authorize, then capture (settle) the authorization.

    python examples/capture.py
"""

from _support import EXPIRY, VISA, connect

with connect() as (gateway, _):
    outcome = gateway.auth(2500, card=VISA, expiry=EXPIRY)
    capture = gateway.capture(outcome.retref)
    print(repr(capture))
    print("batch:", capture.batchid, " amount (cents):", capture.amount)
    assert capture.approved
