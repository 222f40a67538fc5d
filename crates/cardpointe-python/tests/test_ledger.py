"""The cross-language ledger check: the flow of `crates/cardpointe/examples/ledger_flow.rs`,
run through the Python package, must leave the same emulator ledger as the Rust example.

`cargo xtask test-python` writes the Rust example's output and names it in
``CARDPOINTE_LEDGER_REFERENCE``. Without it the test skips locally and fails on CI (``CI`` set).
The canonical form is documented at the top of ledger_flow.rs.
"""

from __future__ import annotations

import json
import os

import pytest

import cardpointe


def canonical(ledger):
    """ledger_flow.rs's canonical form: ids numbered by first appearance, per kind."""
    names = {}
    counts = {}

    def name(prefix, value):
        if value is None:
            return None
        key = ("R" if prefix == "P" else prefix, value)
        if key not in names:
            counts[key[0]] = counts.get(key[0], 0) + 1
            names[key] = f"{key[0]}{counts[key[0]]}"
        return names[key]

    out = []
    for e in ledger:
        out.append(
            {
                "kind": e["kind"],
                "merchid": e["merchid"],
                "respstat": e["respstat"],
                "respcode": e["respcode"],
                "setlstat": e["setlstat"],
                "masked": e["masked"],
                "amount": e["amount"],
                "auth_amount": e["auth_amount"],
                "refunded": e["refunded"],
                "orderid": e["orderid"],
                "retref": name("R", e["retref"]),
                "parent": name("P", e["parent"]),
                "batchid": name("B", e["batchid"]),
                "token": name("T", e["token"]),
                "authcode": name("A", e["authcode"]),
            }
        )
    return out


def run_flow():
    with cardpointe.Emulator() as sim:
        gateway = sim.gateway(recovery_pause=0.05)
        # 1. Sale: auth, capture, settle, partial refund.
        sale = gateway.auth(1999, card="4111111111111111", expiry="1230", cvv2="123", orderid="ledger-sale-1")
        assert sale.approved
        assert gateway.capture(sale.retref).approved
        sim.settle()
        assert gateway.refund(sale.retref, amount=500).approved
        # 2. Profile round trip.
        created = gateway.profile_create(card="4444333322221111", expiry="1230")
        reference = f"{created.profileid}/{created.acctid}"
        assert len(gateway.profile_get(reference)) == 1
        assert gateway.auth(700, profile=reference, orderid="ledger-profile-1").approved
        assert gateway.profile_delete(created.profileid).approved
        # 3. A lost answer, recovered.
        slow = sim.gateway(timeout=0.5, recovery_pause=0.05)
        sim.inject_fault("auth", "delay", delay_ms=2000)
        recovered = slow.auth(1234, card="4111111111111111", expiry="1230", orderid="ledger-timeout-1")
        assert recovered.kind == "recovered"
        return canonical(sim.ledger())


def test_the_python_flow_leaves_the_rust_reference_ledger():
    path = os.environ.get("CARDPOINTE_LEDGER_REFERENCE")
    if not path:
        if os.environ.get("CI"):
            pytest.fail("CARDPOINTE_LEDGER_REFERENCE is not set: run the suite with `cargo xtask test-python`")
        pytest.skip("CARDPOINTE_LEDGER_REFERENCE not set (cargo xtask test-python sets it)")
    with open(path, encoding="utf-8") as f:
        reference = json.load(f)
    assert len(reference) == 4
    assert run_flow() == reference
