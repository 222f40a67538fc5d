// The cross-language ledger check: the flow of the Rust example `ledger_flow` (sale, capture,
// settle, partial refund; a profile round trip; a recovered timeout), run through this package,
// must leave the same emulator ledger. The Rust ledger is read from the file named by
// CARDPOINTE_LEDGER_REFERENCE (`cargo xtask test-node` writes it); its canonical form is
// documented at the top of crates/cardpointe/examples/ledger_flow.rs.
'use strict'

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const { Emulator } = require('@cardpointe-rs/cardpointe')

const reference = process.env.CARDPOINTE_LEDGER_REFERENCE
const inCi = process.env.CI === 'true'

/** The ledger in the canonical form of ledger_flow.rs: ids numbered by first appearance. */
function canonical(ledger) {
  const names = new Map()
  const counts = new Map()
  const name = (prefix, value) => {
    if (value === undefined || value === null) return null
    const key = `${prefix}\u0000${value}`
    if (!names.has(key)) {
      const n = (counts.get(prefix) ?? 0) + 1
      counts.set(prefix, n)
      names.set(key, `${prefix}${n}`)
    }
    return names.get(key)
  }
  return ledger.map((e) => {
    // The same numbering order as the Rust program: retref, parent (a retref), batch, token, authcode.
    const retref = name('R', e.retref)
    const parent = name('R', e.parent)
    const batchid = name('B', e.batchid)
    const token = name('T', e.token)
    const authcode = name('A', e.authcode)
    return {
      kind: e.kind,
      merchid: e.merchid,
      respstat: e.respstat,
      respcode: e.respcode,
      setlstat: e.setlstat,
      masked: e.masked ?? null,
      amount: e.amount,
      auth_amount: e.authAmount,
      refunded: e.refunded,
      orderid: e.orderid ?? null,
      retref,
      parent,
      batchid,
      token,
      authcode,
    }
  })
}

test(
  'the ledger flow leaves the same ledger as the Rust reference',
  { skip: !reference && !inCi ? 'CARDPOINTE_LEDGER_REFERENCE is not set (cargo xtask test-node sets it)' : false },
  async () => {
    assert.ok(reference, 'CI=true but CARDPOINTE_LEDGER_REFERENCE is not set: run the suite through `cargo xtask test-node`')
    const expected = JSON.parse(fs.readFileSync(reference, 'utf8'))
    const sim = await Emulator.start()
    try {
      const gateway = sim.gateway()
      // 1. Sale: auth, capture, settle, partial refund.
      const sale = await gateway.auth({
        amount: '19.99',
        account: '4111111111111111',
        expiry: '1230',
        cvv2: '123',
        orderid: 'ledger-sale-1',
      })
      await gateway.capture({ retref: sale.retref })
      sim.settle()
      await gateway.refund({ retref: sale.retref, amount: '5.00' })
      // 2. Profile round trip.
      const created = await gateway.profileCreate({ account: '4444333322221111', expiry: '1230' })
      const profile = `${created.profileid}/${created.acctid}`
      await gateway.profileGet(profile)
      await gateway.auth({ amount: '7.00', profile, orderid: 'ledger-profile-1' })
      await gateway.profileDelete(created.profileid)
      // 3. A lost answer, recovered.
      const slow = sim.gateway({ paymentTimeoutMs: 500 })
      sim.fault({ endpoint: 'auth', fault: 'delay', delayMs: 2000 })
      const recovered = await slow.auth({
        amount: '12.34',
        account: '4111111111111111',
        expiry: '1230',
        orderid: 'ledger-timeout-1',
      })
      assert.equal(recovered.kind, 'recovered', recovered.summary)
      assert.deepStrictEqual(canonical(sim.ledger()), expected)
    } finally {
      await sim.close()
    }
  },
)
