// Authorize, then capture part of it. `node examples/capture.js`
'use strict'

const { TEST_CARD, run } = require('./support')

run(async (gateway) => {
  const auth = await gateway.auth({ amount: '20.00', ...TEST_CARD })
  console.log(auth.summary)
  const capture = await gateway.capture({ retref: auth.retref, amount: '18.75' })
  console.log(`captured ${capture.amount}: ${capture.resptext} (batch ${capture.batchid ?? '-'})`)
})
