"""Declines are values; lost answers are recovered, never charged twice."""

from __future__ import annotations

import cardpointe
from conftest import DECLINED_VISA, EXPIRY, VISA


def test_a_decline_is_a_value_not_an_exception(gateway):
    outcome = gateway.auth(1000, card=DECLINED_VISA, expiry=EXPIRY)
    assert outcome.kind == "answered"
    assert not outcome.approved
    assert outcome.response.respstat == "C"
    assert outcome.response.category not in (None, "approved")


def test_a_lost_answer_is_recovered_by_order_id(emulator):
    gateway = emulator.gateway(timeout=0.5, recovery_pause=0.05)
    emulator.inject_fault("auth", "delay", delay_ms=2500)
    outcome = gateway.auth(1234, card=VISA, expiry=EXPIRY)
    assert outcome.kind == "recovered" and outcome.was_recovered
    assert outcome.approved and outcome.retref
    assert outcome.inquiry.retref == outcome.retref
    assert "no complete response within 500 ms" in outcome.cause
    charges = [e for e in emulator.ledger() if e["orderid"] == outcome.order_id]
    assert len(charges) == 1


def test_an_answer_dropped_after_recording_is_recovered(emulator):
    gateway = emulator.gateway(recovery_pause=0.05)
    emulator.inject_fault("auth", "close_after")
    outcome = gateway.auth(4321, card=VISA, expiry=EXPIRY)
    assert outcome.kind == "recovered" and outcome.approved
    assert len([e for e in emulator.ledger() if e["orderid"] == outcome.order_id]) == 1


def test_an_auth_that_never_arrived_is_reported_not_processed(emulator):
    gateway = emulator.gateway(recovery_pause=0.05)
    emulator.inject_fault("auth", "server_error")
    outcome = gateway.auth(999, card=VISA, expiry=EXPIRY)
    assert outcome.kind == "not_processed" and not outcome.approved
    assert emulator.ledger() == []
    assert outcome.to_dict()["kind"] == "not_processed"


def test_auth_once_raises_when_the_answer_is_lost(emulator):
    gateway = emulator.gateway(timeout=0.3)
    emulator.inject_fault("auth", "delay", delay_ms=1500)
    try:
        gateway.auth_once(500, card=VISA, expiry=EXPIRY)
    except cardpointe.ConnectionError as error:
        assert error.may_have_been_sent is True
        assert isinstance(error, cardpointe.CardPointeError)
    else:
        raise AssertionError("a lost answer must raise from auth_once")
