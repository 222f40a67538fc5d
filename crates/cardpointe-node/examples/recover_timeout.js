// A lost answer, recovered. The emulator holds the auth's answer longer than the client waits;
// the client never resends the auth: it asks inquireByOrderid what happened (and would reverse
// with voidByOrderId if it could not learn). On a real site, use the UAT timeout test cards.
// `node examples/recover_timeout.js`
'use strict'

const { Emulator, Gateway } = require('@cardpointe-rs/cardpointe')

async function main() {
  if (process.env.CARDPOINTE_SITE || process.env.CARDPOINTE_BASE_URL) {
    // UAT: the timeout test card answers after about 32 s with respstat B, PPS 62 (the host
    // timed out: a value, retry later); the answer-lost recovery itself is shown on the emulator.
    const gateway = Gateway.fromEnv()
    const outcome = await gateway.auth({ amount: '32.00', account: '4999006200620062', expiry: '1230' })
    console.log(outcome.summary)
    return
  }
  const sim = await Emulator.start()
  try {
    const gateway = sim.gateway({ paymentTimeoutMs: 500, recovery: { pauseMs: 100 } })
    sim.fault({ endpoint: 'auth', fault: 'delay', delayMs: 3000 })
    const outcome = await gateway.auth({ amount: '12.34', account: '4111111111111111', expiry: '1230' })
    console.log(outcome.summary)
    console.log(`  kind: ${outcome.kind}; lost because: ${outcome.cause?.message}`)
    if (outcome.inquiry) console.log(`  found: retref ${outcome.inquiry.retref}, setlstat ${outcome.inquiry.setlstat}`)
    const charges = sim.ledger().filter((entry) => entry.orderid === outcome.orderid).length
    console.log(`transactions on the books for this order: ${charges} (never two)`)
  } finally {
    await sim.close()
  }
}

main().catch((error) => {
  console.error(`${error.code ?? error.name}: ${error.message}`)
  process.exitCode = 1
})
