// No card number, CVV or password in what an application prints: results under
// `util.inspect` (what console.log shows), errors (message, stack, inspect) and the process's
// own output, with the Rust layers' logging at its most verbose.
'use strict'

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')
const { Emulator, Gateway } = require('@cardpointe-rs/cardpointe')

const PAN = '4111111111111111'
const MC = '5454545454545454'
const CVV = '987'
const PASSWORD = 'sw0rdf1sh-secret'

let sim
let gateway

before(async () => {
  sim = await Emulator.start()
  gateway = sim.gateway()
})

after(async () => {
  await sim.close()
})

/** Everything a log line could show of a value. */
function shown(value) {
  return [
    util.inspect(value, { depth: Infinity, showHidden: false }),
    util.format('%s %o', value, value),
    value instanceof Error ? `${value.stack}\n${JSON.stringify(value)}` : '',
  ].join('\n')
}

function assertClean(text, secrets) {
  for (const secret of secrets) {
    assert.ok(!text.includes(secret), `printed a secret (${secret.length} chars):\n${text}`)
  }
}

test('inspected results show tokens by their last four only', async () => {
  const outcome = await gateway.auth({ amount: '4.00', account: PAN, expiry: '1230', cvv2: CVV })
  const token = outcome.response.token
  const text = shown(outcome)
  assertClean(text, [PAN, token])
  assert.match(text, /Token\(…1111\)/)
  // The object itself still holds the token for the application to store.
  assert.match(JSON.stringify(outcome), new RegExp(token))

  const profile = await gateway.profileCreate({ account: MC, expiry: '1230' })
  const read = await gateway.profileGet(`${profile.profileid}/${profile.acctid}`)
  assertClean(shown(profile) + shown(read) + shown(read[0]), [MC, profile.token])
  const { token: fresh } = await gateway.tokenize({ number: MC, expiry: '1230', cvv: CVV })
  assertClean(shown(await gateway.tokenize({ number: MC, expiry: '1230' })), [MC, fresh])
})

test('errors never quote the card number, the CVV or the password', async () => {
  const errors = []
  const capture = async (promise) => {
    try {
      await promise
    } catch (error) {
      errors.push(error)
    }
  }
  await capture(gateway.auth({ amount: '1.00', account: '4111111111111112', expiry: '1230', cvv2: CVV }))
  await capture(gateway.auth({ amount: 'x1.00', account: PAN, expiry: '1230', cvv2: CVV }))
  await capture(gateway.tokenize({ number: PAN, expiry: '0101', cvv: CVV }))
  await capture(gateway.tokenize({ number: PAN, expiry: '1230', cvv: '12345' }))
  const wrong = new Gateway({
    baseUrl: sim.baseUrl,
    merchid: sim.merchid,
    username: sim.credentials.username,
    password: PASSWORD,
    caCertPem: sim.caCertPem,
  })
  await capture(wrong.auth({ amount: '1.00', account: PAN, expiry: '1230', cvv2: CVV }))
  sim.fault({ endpoint: 'auth', fault: 'server_error', times: 10 })
  const noRecovery = sim.gateway({ recovery: { pauseMs: 1, voidAttempts: 1 } })
  const outcome = await noRecovery.auth({ amount: '1.00', account: PAN, expiry: '1230', cvv2: CVV })
  sim.reset()
  assert.equal(errors.length, 5)
  // Error texts carry no generated numbers, so even the 3-digit CVV cannot appear by chance.
  assertClean(errors.map(shown).join('\n'), [PAN, '4111111111111112', CVV, PASSWORD])
  assertClean(shown(outcome), [PAN, PASSWORD])
  assertClean(shown(wrong) + shown(gateway) + shown(sim.ledger()), [PAN, PASSWORD])
})

test('a process running the whole flow with Rust logging on prints no card data', async () => {
  const { spawnSync } = require('node:child_process')
  const script = `
    const { Emulator } = require('@cardpointe-rs/cardpointe')
    ;(async () => {
      const sim = await Emulator.start()
      const gw = sim.gateway()
      const o = await gw.auth({ amount: '2.00', account: '${PAN}', expiry: '1230', cvv2: '${CVV}' })
      console.log(o)
      console.log(await gw.capture({ retref: o.retref }))
      try { await gw.auth({ amount: '2.00', account: '${PAN.slice(0, 15)}2', expiry: '1230' }) } catch (e) { console.error(e) }
      console.log(sim.ledger())
      await sim.close()
    })()
  `
  const run = spawnSync(process.execPath, ['-e', script], {
    cwd: __dirname,
    env: { ...process.env, RUST_LOG: 'trace', NODE_DEBUG: 'tls,net,http' },
    encoding: 'utf8',
  })
  assert.equal(run.status, 0, run.stderr)
  assert.match(run.stdout, /Token\(…1111\)/)
  assertClean(run.stdout + run.stderr, [PAN, `${PAN.slice(0, 15)}2`])
})
