"""Shared by the examples: a Gateway on a real site when CARDPOINTE_* is set, else on an
emulator started in this process."""

from __future__ import annotations

import contextlib
import os
from typing import Iterator, Optional, Tuple

import cardpointe

VISA = "4111111111111111"
EXPIRY = "1230"


@contextlib.contextmanager
def connect(**options) -> Iterator[Tuple[cardpointe.Gateway, Optional[cardpointe.Emulator]]]:
    """Yields (gateway, emulator or None)."""
    if os.environ.get("CARDPOINTE_SITE") or os.environ.get("CARDPOINTE_BASE_URL"):
        gateway = cardpointe.Gateway.from_env(**options)
        print(f"using the CardPointe site from CARDPOINTE_* (merchant {gateway.merchant_id})")
        yield gateway, None
        return
    with cardpointe.Emulator() as sim:
        print(f"using the in-process emulator at {sim.base_url} (set CARDPOINTE_SITE to use a real site)")
        yield sim.gateway(**options), sim
