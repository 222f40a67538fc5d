"""Attach a signature (base64 of a gzipped BMP) to a transaction.

    python examples/sigcap.py
"""

import base64
import gzip

from _support import EXPIRY, VISA, connect

# A 1x1 white BMP stands in for the signature pad's image.
BMP = bytes.fromhex(
    "424d3a0000000000000036000000280000000100000001000000010018000000000004000000130b0000130b00000000000000000000ffffff00"
)

with connect() as (gateway, _):
    outcome = gateway.auth(1200, card=VISA, expiry=EXPIRY)
    signature = base64.b64encode(gzip.compress(BMP)).decode()
    answer = gateway.sigcap(outcome.retref, signature)
    print(repr(answer))
    assert answer.approved
