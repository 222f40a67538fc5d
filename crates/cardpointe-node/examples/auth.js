// Authorize a card: the outcome says approved, declined, or — when the answer was lost —
// what recovery found. `node examples/auth.js`
'use strict'

const { TEST_CARD, run } = require('./support')

run(async (gateway) => {
  const outcome = await gateway.auth({ amount: '12.50', ...TEST_CARD, cvv2: '123' })
  console.log(outcome.summary)
  console.log(outcome) // tokens show only their last four
  if (!outcome.approved) {
    console.log(`not approved: ${outcome.response?.resptext ?? outcome.kind}`)
  }
})
