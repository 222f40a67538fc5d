"""Bad credentials, bad input (refused before sending), unreachable gateways."""

from __future__ import annotations

import pytest

import cardpointe
from conftest import EXPIRY, VISA


def test_bad_credentials_raise_authentication_error(emulator):
    gateway = emulator.gateway(password="not-the-password")
    with pytest.raises(cardpointe.AuthenticationError) as caught:
        gateway.auth(100, card=VISA, expiry=EXPIRY)
    assert "password" in str(caught.value).lower()
    assert emulator.ledger() == []


@pytest.mark.parametrize(
    ("kwargs", "field", "hint"),
    [
        ({"amount": 10.5, "card": VISA, "expiry": EXPIRY}, "amount", "minor units"),
        ({"amount": True, "card": VISA, "expiry": EXPIRY}, "amount", "int"),
        ({"amount": 100, "card": "4111111111111112", "expiry": EXPIRY}, "card", "Luhn"),
        ({"amount": 100, "card": VISA}, "expiry", "expiry"),
        ({"amount": 100, "card": VISA, "expiry": "1399"}, "expiry", ""),
        ({"amount": 100, "card": VISA, "expiry": "0120"}, "expiry", ""),
        ({"amount": 100, "card": VISA, "expiry": EXPIRY, "cvv2": "12"}, "cvv2", ""),
        ({"amount": 100}, "card", "exactly one"),
        ({"amount": 100, "card": VISA, "token": "9418594164541111", "expiry": EXPIRY}, "card", "exactly one"),
        ({"amount": 100, "token": "1234"}, "token", ""),
        ({"amount": 100, "card": VISA, "expiry": EXPIRY, "orderid": "4111111111111111"}, "orderid", "Luhn"),
    ],
)
def test_bad_input_is_refused_before_sending(gateway, emulator, kwargs, field, hint):
    amount = kwargs.pop("amount")
    with pytest.raises(cardpointe.InvalidInput) as caught:
        gateway.auth(amount, **kwargs)
    error = caught.value
    assert error.field == field
    assert hint in str(error)
    assert isinstance(error, cardpointe.RequestError) and isinstance(error, ValueError)
    assert emulator.ledger() == []


def test_bad_retrefs_and_profiles_are_named(gateway):
    with pytest.raises(cardpointe.InvalidInput) as caught:
        gateway.capture("not-a-retref")
    assert caught.value.field == "retref"
    with pytest.raises(cardpointe.InvalidInput) as caught:
        gateway.profile_get("abc")
    assert caught.value.field == "profile"
    with pytest.raises(cardpointe.InvalidInput) as caught:
        gateway.refund("123456789012", amount=1.5)
    assert caught.value.field == "amount"


def test_missing_configuration_names_the_variable(monkeypatch):
    for name in ("CARDPOINTE_SITE", "CARDPOINTE_BASE_URL", "CARDPOINTE_MERCHID"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(cardpointe.ConfigurationError) as caught:
        cardpointe.Gateway.from_env()
    assert "CARDPOINTE_SITE" in str(caught.value)


def test_plain_http_to_a_remote_host_is_refused():
    with pytest.raises(cardpointe.ConfigurationError):
        cardpointe.Gateway(
            base_url="http://192.0.2.7:8080", merchid="496160873888", username="u",
            password="p", allow_plain_http=True,
        )


def test_an_unreachable_gateway_raises_connection_error_not_sent():
    with cardpointe.Emulator() as gone:
        gateway = gone.gateway()
    with pytest.raises(cardpointe.ConnectionError) as caught:
        gateway.capture("123456789012")
    assert caught.value.may_have_been_sent is False


def test_an_untrusted_certificate_is_refused(emulator):
    gateway = cardpointe.Gateway(
        base_url=emulator.base_url, merchid=emulator.merchid, username=emulator.username,
        password=emulator.password,
    )
    with pytest.raises(cardpointe.ConnectionError):
        gateway.inquire("123456789012")
