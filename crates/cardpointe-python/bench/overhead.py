"""Overhead of the cardpointe package against `requests` posting the same JSON.

1,000 sequential auths (keyed Visa, expiry 1230, 19.99, a unique order id each) against the
in-process emulator over HTTPS, first through ``cardpointe.Gateway.auth`` (the safe auth, as
an integrator calls it), then with ``requests`` putting the same JSON body to the same
``/auth`` URL with the same Basic credentials, verifying the emulator's CA:

* ``requests.put`` per call, as the original CardPointe Python host script does (a new
  connection and TLS handshake each time);
* a ``requests.Session`` (kept-alive connection), the best case for ``requests``.

Prints each time, the mean per auth and the ratios (requests time / package time). The issue
asks for the package to be at least 5x faster than ``requests``. This is a bench, not a timed
test: no CI step fails on it. Run it against a release wheel (the figures of a dev wheel are
not the ones users get)::

    cd crates/cardpointe-python
    python3 -m venv /tmp/cardpointe-bench
    /tmp/cardpointe-bench/bin/pip install "maturin>=1.9.4,<2" requests
    /tmp/cardpointe-bench/bin/maturin build --release --out /tmp/cardpointe-bench/wheels
    /tmp/cardpointe-bench/bin/pip install /tmp/cardpointe-bench/wheels/cardpointe-*.whl
    /tmp/cardpointe-bench/bin/python bench/overhead.py          # or: --count 5000

Every auth is checked to be approved (an unapproved one stops the bench), and the emulator's
ledger must hold one transaction per auth sent, so both sides did the same work.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import requests

import cardpointe

VISA = "4111111111111111"
EXPIRY = "1230"
AMOUNT_MINOR = 1999


def package_loop(gateway: cardpointe.Gateway, count: int, prefix: str) -> float:
    """Seconds for `count` auths through the package."""
    started = time.perf_counter()
    for i in range(count):
        outcome = gateway.auth(AMOUNT_MINOR, card=VISA, expiry=EXPIRY, orderid=f"{prefix}-{i}")
        if not outcome.approved:
            raise SystemExit(f"package auth {i} not approved: {outcome}")
    return time.perf_counter() - started


def body(merchid: str, orderid: str) -> str:
    """The auth JSON the package sends for the same call."""
    return json.dumps(
        {
            "merchid": merchid,
            "account": VISA,
            "expiry": EXPIRY,
            "amount": f"{AMOUNT_MINOR // 100}.{AMOUNT_MINOR % 100:02d}",
            "orderid": orderid,
        }
    )


def requests_loop(sim: cardpointe.Emulator, ca_file: str, count: int, prefix: str, session: bool) -> float:
    """Seconds for `count` auths put with `requests` (one Session, or requests.put per call)."""
    url = sim.gateway_url.rstrip("/") + "/auth"
    auth = (sim.username, sim.password)
    headers = {"Content-Type": "application/json"}
    client = requests.Session() if session else requests
    started = time.perf_counter()
    for i in range(count):
        answer = client.put(url, data=body(sim.merchid, f"{prefix}-{i}"), headers=headers, auth=auth, verify=ca_file, timeout=30)
        answer.raise_for_status()
        if answer.json().get("respstat") != "A":
            raise SystemExit(f"requests auth {i} not approved: {answer.text[:200]}")
    elapsed = time.perf_counter() - started
    if session:
        client.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="auths per side (default 1000)")
    args = parser.parse_args()
    count = args.count

    with cardpointe.Emulator() as sim, tempfile.TemporaryDirectory() as tmp:
        ca_file = os.path.join(tmp, "emulator-ca.pem")
        with open(ca_file, "w", encoding="utf-8") as f:
            f.write(sim.ca_cert)
        gateway = sim.gateway()

        # Warm both paths (connection pools, lazy imports), then reset the books.
        package_loop(gateway, 10, "warm-package")
        requests_loop(sim, ca_file, 10, "warm-session", session=True)
        requests_loop(sim, ca_file, 10, "warm-put", session=False)
        sim.reset()

        package = package_loop(gateway, count, "bench-package")
        session = requests_loop(sim, ca_file, count, "bench-session", session=True)
        per_call = requests_loop(sim, ca_file, count, "bench-put", session=False)
        recorded = len(sim.ledger())
        if recorded != 3 * count:
            raise SystemExit(f"the emulator recorded {recorded} transactions, expected {3 * count}")

    def line(name: str, seconds: float) -> str:
        return f"{name:<44} {seconds:8.3f} s  {seconds / count * 1e6:9.1f} us/auth"

    print(f"{count} sequential auths against the in-process emulator (HTTPS, Python {sys.version.split()[0]})")
    print(line("cardpointe.Gateway.auth", package))
    print(line("requests.Session().put (kept-alive)", session))
    print(line("requests.put per call (new connection)", per_call))
    print(f"ratio requests.put per call / cardpointe: {per_call / package:.1f}x")
    print(f"ratio requests.Session / cardpointe:       {session / package:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
