"""Fixtures: one in-process emulator per test module (HTTPS), reset before every test."""

from __future__ import annotations

import pytest

import cardpointe

VISA = "4111111111111111"
MASTERCARD = "4444333322221111"
DECLINED_VISA = "4387751111111038"
EXPIRY = "1230"


@pytest.fixture(scope="module")
def sim():
    with cardpointe.Emulator() as emulator:
        yield emulator


@pytest.fixture
def emulator(sim):
    sim.reset()
    return sim


@pytest.fixture
def gateway(emulator):
    return emulator.gateway()
