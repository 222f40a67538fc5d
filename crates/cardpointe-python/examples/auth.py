"""Authorize a card (with a generated order id), as the official toolkits' auth example.

    python examples/auth.py
"""

from _support import EXPIRY, VISA, connect

with connect() as (gateway, _):
    outcome = gateway.auth(1999, card=VISA, expiry=EXPIRY, cvv2="123")
    print(outcome)
    print(repr(outcome.response))
    print("approved:", outcome.approved, " category:", outcome.response.category)
    print("retref:", outcome.retref, " authcode:", outcome.response.authcode)
    assert outcome.approved
