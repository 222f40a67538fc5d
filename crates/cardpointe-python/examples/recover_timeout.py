"""A lost answer, recovered. The emulator holds the auth's answer longer than the client
waits; the client never resends the auth: it asks inquireByOrderid what happened (and would
reverse with voidByOrderId if it could not learn).

    python examples/recover_timeout.py

Emulator only: a real site has the 32-second timeout test cards instead.
"""

import cardpointe

with cardpointe.Emulator() as sim:
    gateway = sim.gateway(timeout=0.5, recovery_pause=0.1)
    sim.inject_fault("auth", "delay", delay_ms=3000)
    outcome = gateway.auth(1234, card="4111111111111111", expiry="1230")
    print(outcome)
    print("  kind:", outcome.kind, " lost because:", outcome.cause)
    if outcome.inquiry is not None:
        print("  found:", repr(outcome.inquiry))
    charges = [e for e in sim.ledger() if e["orderid"] == outcome.order_id]
    print(f"transactions on the books for this order: {len(charges)} (never two)")
    assert outcome.kind == "recovered" and len(charges) == 1
