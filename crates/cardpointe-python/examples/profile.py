"""Store a card as a profile, read it back, charge it, then delete it.

    python examples/profile.py
"""

from _support import EXPIRY, connect

with connect() as (gateway, _):
    created = gateway.profile_create(card="4444333322221111", expiry=EXPIRY, name="Ada Lovelace")
    print("created:", repr(created))
    reference = f"{created.profileid}/{created.acctid}"
    for account in gateway.profile_get(reference):
        print("read:", repr(account))
    charged = gateway.auth(700, profile=reference)
    print("charged:", charged)
    deleted = gateway.profile_delete(created.profileid)
    print("deleted:", deleted.resptext)
    assert created.approved and charged.approved and deleted.approved
