// Today's funding report and settlement batches. `node examples/funding.js [YYYYMMDD]`
'use strict'

const { run } = require('./support')

run(async (gateway) => {
  const funding = await gateway.funding(process.argv[2])
  console.log('funding:', JSON.stringify(funding, null, 2))
  const batches = await gateway.settlestat(process.argv[2] ? { date: process.argv[2] } : undefined)
  console.log(`settlement batches: ${batches.length}`)
})
