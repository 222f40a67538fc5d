// A keyed checkout on a server: tokenize the card with CardSecure (checked locally first),
// look the card up by its token, then a safe sale with the token. The card number never goes
// further than the tokenizer. `node examples/checkout_keyed.js`
'use strict'

const { run } = require('./support')

run(async (gateway) => {
  const card = { number: '4111 1111 1111 1111', expiry: '12/30', cvv: '123' }
  const { token } = await gateway.tokenize(card)
  console.log(`tokenized: …${token.slice(-4)}`)
  const bin = await gateway.bin(token)
  console.log(`card: ${bin.cardusestring ?? 'unknown use'} from ${bin.country ?? 'unknown country'}`)
  const sale = await gateway.auth({ amount: '24.99', account: token, expiry: '1230', capture: true, ecomind: 'E' })
  console.log(sale.summary)
  if (sale.approved) console.log(`receipt: ${sale.response.amount} approved, authcode ${sale.response.authcode}, retref ${sale.retref}`)
})
