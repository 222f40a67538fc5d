// Attach a signature (Base64 of a gzipped BMP, as terminals make it) to an authorization.
// `node examples/sigcap.js`
'use strict'

const { TEST_CARD, run } = require('./support')

const SIGNATURE = 'H4sIAAAAAAAAA3PyDHFVSM7PS0nNK1EoSS0uUUjOzy1ITS4tSQUAmGz9sxcAAAA='

run(async (gateway) => {
  const auth = await gateway.auth({ amount: '42.00', ...TEST_CARD })
  console.log(auth.summary)
  const sig = await gateway.sigcap({ retref: auth.retref, signature: SIGNATURE })
  console.log(`signature: approved=${sig.approved} ${sig.resptext}`)
})
