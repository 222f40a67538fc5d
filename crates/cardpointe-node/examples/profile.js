// Store a card as a profile, read it back, charge it, update it, then delete it.
// `node examples/profile.js`
'use strict'

const { run } = require('./support')

run(async (gateway) => {
  const created = await gateway.profileCreate({ account: '4444333322221111', expiry: '1230', name: 'Pat Doe' })
  console.log(`created: approved=${created.approved} profile ${created.profileid}/${created.acctid}`)
  const profile = `${created.profileid}/${created.acctid}`
  for (const account of await gateway.profileGet(profile)) {
    console.log('read:', account) // the token shows only its last four
  }
  const charge = await gateway.auth({ amount: '5.00', profile })
  console.log(charge.summary)
  const updated = await gateway.profileUpdate({ profile, account: created.token, expiry: '1131' })
  console.log(`updated: ${updated.resptext}`)
  const deleted = await gateway.profileDelete(profile)
  console.log(`deleted: ${deleted.resptext}`)
})
