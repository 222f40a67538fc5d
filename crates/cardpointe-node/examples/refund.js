// A sale, settled, then partly refunded. On the emulator the batch settles at once; on a real
// site a refund needs the nightly settlement first. `node examples/refund.js`
'use strict'

const { TEST_CARD, run } = require('./support')

run(async (gateway, sim) => {
  const sale = await gateway.auth({ amount: '30.00', ...TEST_CARD, capture: true })
  console.log(sale.summary)
  if (sim) console.log(`settled ${sim.settle()} transaction(s)`)
  const refund = await gateway.refund({ retref: sale.retref, amount: '10.00' })
  console.log(`refund of ${refund.amount}: approved=${refund.approved} ${refund.resptext} (retref ${refund.retref})`)
})
