"""A keyed checkout: tokenize the card with CardSecure, look the BIN up, authorize the token
with capture. The card number never goes to the gateway's auth, only its token.

    python examples/checkout_keyed.py
"""

from _support import EXPIRY, VISA, connect

with connect() as (gateway, _):
    token = gateway.tokenize(VISA, expiry=EXPIRY, cvv2="123")
    print("token:", repr(token))
    print("bin:", repr(gateway.bin(token.token)))
    outcome = gateway.auth(2499, token=token.token, expiry=EXPIRY, capture=True)
    print(outcome)
    print("receipt:", outcome.response.to_dict() if outcome.response else outcome.to_dict())
    assert outcome.approved
