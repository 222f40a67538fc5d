"""Sell, settle, then refund part of the sale.

    python examples/refund.py
"""

from _support import EXPIRY, VISA, connect

with connect() as (gateway, sim):
    outcome = gateway.auth(4000, card=VISA, expiry=EXPIRY, capture=True)
    if sim is not None:
        sim.settle()  # a real site settles on its own schedule
    refund = gateway.refund(outcome.retref, amount=1000)
    print(repr(refund))
    assert refund.approved or sim is None
