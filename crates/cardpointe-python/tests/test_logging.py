"""The Rust layers' records reach Python's logging at the level the `cardpointe` logger allows."""

from __future__ import annotations

import logging

from conftest import EXPIRY, VISA


def test_records_follow_the_logger_level_from_the_next_call(gateway, caplog):
    caplog.set_level(logging.WARNING, logger="cardpointe")
    gateway.auth(100, card=VISA, expiry=EXPIRY)
    assert not any("call finished" in r.getMessage() for r in caplog.records)

    caplog.set_level(logging.DEBUG, logger="cardpointe")
    gateway.auth(100, card=VISA, expiry=EXPIRY)
    finished = [r for r in caplog.records if "call finished" in r.getMessage()]
    assert finished, "no record once the logger allows DEBUG"
    assert all(r.name == "cardpointe" for r in finished)
    assert any("[cardpointe.auth" in r.getMessage() for r in finished), "records keep their span context"
    assert any(r.name == "cardpointe.emulator" for r in caplog.records), "the emulator's records go to cardpointe.emulator"
