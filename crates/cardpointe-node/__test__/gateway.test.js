// Every Gateway operation against the in-process emulator over HTTPS, through the installed
// package: approvals, a decline (a value, not an error), a lost answer recovered, refused
// credentials and input refused before anything is sent.
'use strict'

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { Emulator, Gateway } = require('@cardpointe-rs/cardpointe')

const VISA = '4111111111111111'
const DECLINES = '4387751111111038' // "Do not honor" in UAT
// A tiny signature: base64 of gzipped bytes, as terminals send it.
const SIGNATURE = 'H4sIAAAAAAAAA3PyDHFVSM7PS0nNK1EoSS0uUUjOzy1ITS4tSQUAmGz9sxcAAAA='

let sim
let gateway

before(async () => {
  sim = await Emulator.start()
  gateway = sim.gateway()
})

after(async () => {
  await sim.close()
})

test('the emulator serves HTTPS with its own CA and the UAT identity', () => {
  assert.match(sim.baseUrl, /^https:\/\/127\.0\.0\.1:\d+$/)
  assert.match(sim.caCertPem, /-----BEGIN CERTIFICATE-----/)
  assert.equal(gateway.merchid, sim.merchid)
  assert.ok(sim.credentials.username.length > 0)
})

test('a gateway built from options reaches the emulator like the one it hands out', async () => {
  const { username, password } = sim.credentials
  const own = new Gateway({
    baseUrl: sim.baseUrl,
    merchid: sim.merchid,
    username,
    password,
    caCertPem: sim.caCertPem,
  })
  const outcome = await own.auth({ amount: '1.00', account: VISA, expiry: '1230' })
  assert.equal(outcome.kind, 'answered')
  assert.equal(outcome.approved, true)
})

test('auth, capture, inquire, settle and refund move money as the gateway does', async () => {
  const outcome = await gateway.auth({ amount: '12.50', account: VISA, expiry: '1230', cvv2: '123' })
  assert.equal(outcome.kind, 'answered')
  assert.equal(outcome.approved, true)
  assert.equal(outcome.recovered, false)
  assert.match(outcome.orderid, /\S/)
  assert.equal(outcome.response.respstat, 'A')
  assert.equal(outcome.response.amount, '12.50')
  assert.match(outcome.response.token, /^9\d{15}$/)
  assert.equal(outcome.retref, outcome.response.retref)

  const capture = await gateway.capture({ retref: outcome.retref, amount: '10.00' })
  assert.equal(capture.approved, true)
  assert.equal(capture.amount, '10.00')

  const inquiry = await gateway.inquire(outcome.retref)
  assert.equal(inquiry.retref, outcome.retref)
  assert.equal(inquiry.orderid, outcome.orderid)

  assert.ok(sim.settle() >= 1)
  const refund = await gateway.refund({ retref: outcome.retref, amount: '4.00' })
  assert.equal(refund.approved, true)
  assert.equal(refund.amount, '4.00')
  assert.notEqual(refund.retref, outcome.retref)
})

test('void cancels an authorization; voidByOrderId and inquireByOrderid find it by order id', async () => {
  const first = await gateway.auth({ amount: '5.00', account: VISA, expiry: '1230' })
  const voided = await gateway.void({ retref: first.retref })
  assert.equal(voided.approved, true)

  const orderid = `node-${Date.now()}`
  const second = await gateway.auth({ amount: '6.00', account: VISA, expiry: '1230', orderid })
  assert.equal(second.orderid, orderid)
  const found = await gateway.inquireByOrderid(orderid)
  assert.equal(found.length, 1)
  assert.equal(found[0].retref, second.retref)
  const byOrder = await gateway.voidByOrderId(orderid)
  assert.equal(byOrder.approved, true)

  const none = await gateway.inquireByOrderid('node-never-sent')
  assert.equal(none[0].approved, false)
  assert.equal(none[0].respcode, '29')
})

test('a decline is a value, not an error', async () => {
  const outcome = await gateway.auth({ amount: '3.00', account: DECLINES, expiry: '1230' })
  assert.equal(outcome.kind, 'answered')
  assert.equal(outcome.approved, false)
  assert.equal(outcome.response.respstat, 'C')
  assert.match(outcome.response.resptext, /\S/)
})

test('a lost auth answer is recovered by order id, never sent twice', async () => {
  const slow = sim.gateway({ paymentTimeoutMs: 300 })
  sim.fault({ endpoint: 'auth', fault: 'delay', delayMs: 2000 })
  const outcome = await slow.auth({ amount: '7.77', account: VISA, expiry: '1230' })
  assert.equal(outcome.kind, 'recovered')
  assert.equal(outcome.recovered, true)
  assert.equal(outcome.approved, true)
  assert.equal(outcome.cause.code, 'CARDPOINTE_CONNECTION')
  assert.equal(outcome.cause.mayHaveBeenSent, true)
  assert.equal(outcome.inquiry.retref, outcome.retref)
  const booked = sim.ledger().filter((e) => e.orderid === outcome.orderid)
  assert.equal(booked.length, 1)
})

test('a dropped connection after the gateway recorded the auth is recovered too', async () => {
  sim.fault({ endpoint: 'auth', fault: 'close_after' })
  const outcome = await gateway.auth({ amount: '8.00', account: VISA, expiry: '1230' })
  assert.equal(outcome.kind, 'recovered')
  assert.equal(outcome.approved, true)
  assert.equal(sim.ledger().filter((e) => e.orderid === outcome.orderid).length, 1)
})

test('profiles are created, read, updated and deleted', async () => {
  const created = await gateway.profileCreate({ account: '4444333322221111', expiry: '1230', name: 'Pat Doe' })
  assert.equal(created.approved, true)
  assert.match(created.profileid, /^\d+$/)
  const profile = `${created.profileid}/${created.acctid}`

  const read = await gateway.profileGet(profile)
  assert.equal(read.length, 1)
  assert.equal(read[0].profileid, created.profileid)
  assert.equal(read[0].expiry, '1230')

  const updated = await gateway.profileUpdate({ profile, account: created.token, expiry: '1131', name: 'Pat Q Doe' })
  assert.equal(updated.approved, true)
  const reread = await gateway.profileGet(profile)
  assert.equal(reread[0].expiry, '1131')

  const charged = await gateway.auth({ amount: '2.00', profile })
  assert.equal(charged.approved, true)

  const deleted = await gateway.profileDelete(profile)
  assert.equal(deleted.approved, true)
  const gone = await gateway.profileGet(profile)
  assert.equal(gone[0].approved, false)
})

test('sigcap attaches a signature; bin describes a token; tokenize makes one', async () => {
  const outcome = await gateway.auth({ amount: '9.00', account: VISA, expiry: '1230' })
  const sig = await gateway.sigcap({ retref: outcome.retref, signature: SIGNATURE })
  assert.equal(sig.approved, true)
  assert.equal(sig.retref, outcome.retref)

  const { token } = await gateway.tokenize({ number: '4111 1111 1111 1111', expiry: '12/30', cvv: '123' })
  assert.match(token, /^9\d{11}1111$/)
  const bin = await gateway.bin(token)
  assert.equal(typeof bin, 'object')

  const byToken = await gateway.auth({ amount: '1.50', account: token, expiry: '1230' })
  assert.equal(byToken.approved, true)
})

test('funding and settlestat report in the gateway shape', async () => {
  const funding = await gateway.funding()
  assert.equal(typeof funding, 'object')
  const batches = await gateway.settlestat()
  assert.ok(Array.isArray(batches))
})

test('refused credentials reject with CARDPOINTE_AUTHENTICATION, nothing sent', async () => {
  const wrong = new Gateway({
    baseUrl: sim.baseUrl,
    merchid: sim.merchid,
    username: sim.credentials.username,
    password: 'not-the-password',
    caCertPem: sim.caCertPem,
  })
  await assert.rejects(wrong.auth({ amount: '1.00', account: VISA, expiry: '1230' }), (error) => {
    assert.equal(error.name, 'CardPointeError')
    assert.equal(error.code, 'CARDPOINTE_AUTHENTICATION')
    assert.equal(error.kind, 'authentication')
    assert.equal(error.mayHaveBeenSent, false)
    assert.doesNotMatch(error.message, /not-the-password/)
    return true
  })
})

test('an untrusted certificate is a connection error that was not sent', async () => {
  const untrusting = new Gateway({
    baseUrl: sim.baseUrl,
    merchid: sim.merchid,
    username: sim.credentials.username,
    password: sim.credentials.password,
  })
  await assert.rejects(untrusting.capture({ retref: '123456789012' }), (error) => {
    assert.equal(error.code, 'CARDPOINTE_CONNECTION')
    assert.equal(error.mayHaveBeenSent, false)
    return true
  })
})

test('bad input is refused before sending, naming the field and the fix', async () => {
  const before = sim.ledger().length
  const cases = [
    [{ amount: 12.5, account: VISA, expiry: '1230' }, 'amount', /string/],
    [{ account: VISA, expiry: '1230' }, 'amount', /required/],
    [{ amount: '1.999', account: VISA, expiry: '1230' }, 'amount', /decimal/],
    [{ amount: '1.00', account: '4111111111111112', expiry: '1230' }, 'account', /Luhn/],
    [{ amount: '1.00', expiry: '1230' }, 'account', /required/],
    [{ amount: '1.00', account: VISA, expiry: '1330' }, 'expiry', /MMYY/],
  ]
  for (const [input, field, fix] of cases) {
    await assert.rejects(gateway.auth(input), (error) => {
      assert.equal(error.code, 'CARDPOINTE_INVALID_INPUT', error.message)
      assert.equal(error.field, field, error.message)
      assert.match(error.message, fix)
      assert.equal(error.mayHaveBeenSent, false)
      return true
    })
  }
  await assert.rejects(gateway.capture({}), { code: 'CARDPOINTE_INVALID_INPUT', field: 'retref' })
  await assert.rejects(gateway.tokenize({ number: '4111111111111112', expiry: '1230' }), {
    code: 'CARDPOINTE_INVALID_INPUT',
    field: 'number',
  })
  assert.throws(() => new Gateway({ baseUrl: sim.baseUrl, merchid: sim.merchid }), {
    code: 'CARDPOINTE_INVALID_INPUT',
    field: 'username',
  })
  assert.equal(sim.ledger().length, before, 'nothing reached the gateway')
})

test('Gateway.fromEnv reads the CARDPOINTE_* variables and names what is missing', () => {
  const saved = { ...process.env }
  try {
    for (const key of Object.keys(process.env)) {
      if (key.startsWith('CARDPOINTE_')) delete process.env[key]
    }
    assert.throws(() => Gateway.fromEnv(), (error) => {
      assert.equal(error.code, 'CARDPOINTE_CONFIGURATION')
      assert.match(error.message, /CARDPOINTE_SITE/)
      return true
    })
    process.env.CARDPOINTE_BASE_URL = sim.baseUrl
    process.env.CARDPOINTE_MERCHID = sim.merchid
    assert.throws(() => Gateway.fromEnv(), /CARDPOINTE_USERNAME, CARDPOINTE_PASSWORD/)
    process.env.CARDPOINTE_USERNAME = sim.credentials.username
    process.env.CARDPOINTE_PASSWORD = sim.credentials.password
    assert.equal(Gateway.fromEnv().merchid, sim.merchid)
  } finally {
    for (const key of Object.keys(process.env)) {
      if (!(key in saved)) delete process.env[key]
    }
    Object.assign(process.env, saved)
  }
})
