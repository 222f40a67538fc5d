// Shared by the examples: a gateway on a real site when CARDPOINTE_* is set (the variables of
// Gateway.fromEnv), else on an emulator started in this process.
'use strict'

const { Emulator, Gateway } = require('@cardpointe-rs/cardpointe')

/** The UAT test Visa. */
const TEST_CARD = { account: '4111111111111111', expiry: '1230' }

/** `{ gateway, sim }`: `sim` is the emulator behind the gateway, or null on a real site. */
async function connect() {
  if (process.env.CARDPOINTE_SITE || process.env.CARDPOINTE_BASE_URL) {
    const gateway = Gateway.fromEnv()
    console.log(`using the CardPointe site from CARDPOINTE_* (merchant ${gateway.merchid})`)
    return { gateway, sim: null }
  }
  const sim = await Emulator.start()
  console.log(`using the in-process emulator at ${sim.baseUrl} (set CARDPOINTE_SITE to use a real site)`)
  return { gateway: sim.gateway(), sim }
}

/** Runs an example's body, closing the emulator and reporting failures by their code. */
function run(body) {
  connect()
    .then(async ({ gateway, sim }) => {
      try {
        await body(gateway, sim)
      } finally {
        if (sim) await sim.close()
      }
    })
    .catch((error) => {
      console.error(`${error.code ?? error.name}: ${error.message}`)
      process.exitCode = 1
    })
}

module.exports = { TEST_CARD, connect, run }
