"""Every gateway operation against the emulator over HTTPS, sync and asyncio."""

from __future__ import annotations

import asyncio
import base64
import gzip

import cardpointe
from conftest import EXPIRY, MASTERCARD, VISA


def test_the_emulator_serves_https_with_its_own_ca(emulator):
    assert emulator.base_url.startswith("https://127.0.0.1:")
    assert "BEGIN CERTIFICATE" in emulator.ca_cert
    assert emulator.gateway_url.endswith("/cardconnect/rest/")


def test_auth_capture_settle_refund(gateway, emulator):
    outcome = gateway.auth(1999, card=VISA, expiry=EXPIRY, cvv2="123")
    assert outcome.kind == "answered" and outcome.approved and not outcome.was_recovered
    assert outcome.order_id.startswith("cp-")
    response = outcome.response
    assert response.approved and response.respstat == "A" and response.amount == 1999
    assert response.category == "approved"
    assert response.to_dict()["amount"] == "19.99"

    capture = gateway.capture(outcome.retref)
    assert capture.approved and capture.amount == 1999 and capture.batchid
    assert emulator.settle() >= 1
    assert gateway.inquire(outcome.retref).setlstat == "Accepted"

    refund = gateway.refund(outcome.retref, amount=500)
    assert refund.approved and refund.amount == 500 and refund.retref != outcome.retref
    kinds = sorted(entry["kind"] for entry in emulator.ledger())
    assert kinds == ["refund", "sale"]


def test_void_by_retref_and_by_order_id(gateway):
    first = gateway.auth(1000, card=VISA, expiry=EXPIRY)
    void = gateway.void(first.retref)
    assert void.approved
    assert gateway.inquire(first.retref).setlstat == "Voided"

    second = gateway.auth(1000, card=VISA, expiry=EXPIRY, orderid="ORDER-PY-2")
    assert second.order_id == "ORDER-PY-2"
    found = gateway.inquire_by_orderid("ORDER-PY-2")
    assert [t.retref for t in found] == [second.retref]
    assert gateway.void_by_orderid("ORDER-PY-2").approved


def test_funding_and_settlestat_report_settled_batches(gateway, emulator):
    outcome = gateway.auth(2500, card=VISA, expiry=EXPIRY, capture=True)
    assert outcome.approved and outcome.response.batchid
    emulator.settle()
    batches = gateway.settlestat()
    assert any(b.batchid == outcome.response.batchid for b in batches)
    funding = gateway.funding()
    assert funding.merchid == emulator.merchid
    assert isinstance(funding.to_dict(), dict)


def test_profile_round_trip(gateway):
    created = gateway.profile_create(card=MASTERCARD, expiry=EXPIRY, name="Ada Lovelace")
    assert created.approved and created.profileid and created.acctid
    reference = f"{created.profileid}/{created.acctid}"
    [account] = gateway.profile_get(reference)
    assert account.token.endswith("1111") and account.token.startswith("9")
    updated = gateway.profile_update(reference, token=account.token, expiry="0131", name="A. Lovelace")
    assert updated.approved
    charged = gateway.auth(700, profile=reference)
    assert charged.approved
    deleted = gateway.profile_delete(created.profileid)
    assert deleted.approved
    [missing] = gateway.profile_get(created.profileid)
    assert not missing.approved


def test_sigcap_bin_and_tokenize(gateway):
    outcome = gateway.auth(1500, card=VISA, expiry=EXPIRY)
    signature = base64.b64encode(gzip.compress(b"BM" + bytes(64))).decode()
    assert gateway.sigcap(outcome.retref, signature).approved
    token = gateway.tokenize(VISA, expiry=EXPIRY, cvv2="123")
    assert token.token.startswith("9") and token.last_four == "1111" and token.brand == "visa"
    info = gateway.bin(token.token)
    assert info.country
    by_token = gateway.auth(300, token=token.token, expiry=EXPIRY)
    assert by_token.approved


def test_the_asyncio_gateway_runs_every_kind_of_call(emulator):
    async def flow():
        gateway = cardpointe.AsyncGateway(emulator.gateway())
        outcome = await gateway.auth(1234, card=VISA, expiry=EXPIRY)
        capture = await gateway.capture(outcome.retref)
        inquiry = await gateway.inquire(outcome.retref)
        token = await gateway.tokenize(VISA, expiry=EXPIRY)
        profile = await gateway.profile_create(token=token.token, expiry=EXPIRY)
        accounts = await gateway.profile_get(profile.profileid)
        concurrent = await asyncio.gather(
            *(gateway.auth(100 + i, token=token.token, expiry=EXPIRY) for i in range(5))
        )
        return outcome, capture, inquiry, accounts, concurrent

    outcome, capture, inquiry, accounts, concurrent = asyncio.run(flow())
    assert outcome.approved and capture.approved and inquiry.retref == outcome.retref
    assert len(accounts) == 1
    assert all(o.approved for o in concurrent)
    assert len({o.order_id for o in concurrent}) == 5


def test_gateway_from_config_and_env(emulator, tmp_path, monkeypatch):
    ca = tmp_path / "ca.pem"
    ca.write_text(emulator.ca_cert)
    settings = {
        "CARDPOINTE_BASE_URL": emulator.base_url,
        "CARDPOINTE_MERCHID": emulator.merchid,
        "CARDPOINTE_USERNAME": emulator.username,
        "CARDPOINTE_PASSWORD": emulator.password,
        "CARDPOINTE_CA_CERT": str(ca),
    }
    assert cardpointe.Gateway.from_config(settings).auth(100, card=VISA, expiry=EXPIRY).approved
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    gateway = cardpointe.Gateway.from_env()
    assert gateway.merchant_id == emulator.merchid
    assert gateway.auth(100, card=VISA, expiry=EXPIRY).approved
    direct = cardpointe.Gateway(
        base_url=emulator.base_url,
        merchid=emulator.merchid,
        username=emulator.username,
        password=emulator.password,
        ca_cert=emulator.ca_cert,
    )
    assert direct.inquire(gateway.auth(100, card=VISA, expiry=EXPIRY).retref).approved
