// Authorize, then void it before settlement. `node examples/void.js`
'use strict'

const { TEST_CARD, run } = require('./support')

run(async (gateway) => {
  const auth = await gateway.auth({ amount: '15.00', ...TEST_CARD })
  console.log(auth.summary)
  const voided = await gateway.void({ retref: auth.retref })
  console.log(`void: approved=${voided.approved} ${voided.resptext}`)
  const state = await gateway.inquire(auth.retref)
  console.log(`now: ${state.setlstat}`)
})
