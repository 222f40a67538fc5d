"""Today's funding report and the settlement batches.

    python examples/funding.py
"""

from _support import EXPIRY, VISA, connect

with connect() as (gateway, sim):
    if sim is not None:
        gateway.auth(1000, card=VISA, expiry=EXPIRY, capture=True)
        sim.settle()
    funding = gateway.funding()
    print(repr(funding))
    for batch in gateway.settlestat():
        print(repr(batch), "transactions:", len(batch.txns or []))
