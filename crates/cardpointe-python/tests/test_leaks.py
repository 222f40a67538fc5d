"""No card number, CVV or password in log records (at DEBUG), reprs or exception texts."""

from __future__ import annotations

import logging

import pytest

import cardpointe
from conftest import EXPIRY, VISA

PASSWORD = "s3cret-Passw0rd"
CVV = "987"


def test_nothing_secret_reaches_logs_reprs_or_errors(emulator, caplog):
    caplog.set_level(logging.DEBUG, logger="cardpointe")
    gateway = emulator.gateway()
    texts = []

    outcome = gateway.auth(1999, card=VISA, expiry=EXPIRY, cvv2=CVV)
    texts += [repr(outcome), str(outcome), repr(outcome.response), repr(gateway)]
    token = gateway.tokenize(VISA, expiry=EXPIRY, cvv2=CVV)
    texts.append(repr(token))
    profile = gateway.profile_create(card=VISA, expiry=EXPIRY, cvv2=CVV)
    texts.append(repr(profile))
    texts += [repr(a) for a in gateway.profile_get(profile.profileid)]
    texts.append(repr(gateway.inquire(outcome.retref)))
    texts.append(repr(emulator.ledger()))
    texts.append(repr(outcome.to_dict()))

    wrong = emulator.gateway(password=PASSWORD)
    with pytest.raises(cardpointe.AuthenticationError) as caught:
        wrong.auth(100, card=VISA, expiry=EXPIRY, cvv2=CVV)
    texts += [str(caught.value), repr(caught.value)]
    with pytest.raises(cardpointe.InvalidInput) as caught:
        gateway.auth(100, card="4111111111111112", expiry=EXPIRY)
    texts += [str(caught.value), repr(caught.value)]

    emulator.inject_fault("auth", "malformed_json")
    recovered = emulator.gateway(recovery_pause=0.01).auth(100, card=VISA, expiry=EXPIRY, cvv2=CVV)
    texts += [repr(recovered), str(recovered), recovered.cause or ""]

    records = [r.getMessage() for r in caplog.records]
    assert any("call finished" in r for r in records), "the Rust tracing bridge logged nothing"
    assert any("orderid=" in r for r in records)
    for text in texts + records:
        assert VISA not in text, text
        assert "4111111111112" not in text, text
        assert PASSWORD not in text, text
        assert f'"{CVV}"' not in text and f"'{CVV}'" not in text and f"={CVV}" not in text, text
