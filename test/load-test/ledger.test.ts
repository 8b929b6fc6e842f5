import t from 'tap'
import { Ledger } from '../../load-test/ledger.js'
import type { Batch } from '../../load-test/readings.js'

const batch = (index: number, readings = 1, resend = false): Batch => ({ index, readings, resend, body: '' })
const answer = (inserted: number, duplicates: number, conflicts: unknown[] = []) =>
  JSON.stringify({ received: inserted + duplicates + conflicts.length, inserted, duplicates, conflicts })

t.test('2xx answers count new and duplicate readings and acknowledge the batch', async (t) => {
  const ledger = new Ledger()
  ledger.sent(batch(0, 2))
  ledger.answered(batch(0, 2), 201, answer(2, 0), undefined)
  ledger.sent(batch(0, 2, true))
  ledger.answered(batch(0, 2, true), 200, answer(0, 2), undefined)
  t.match(ledger.counts, { requestsSent: 2, readingsSent: 4, resendRequests: 1, resendReadings: 2, acknowledgedNew: 2, acknowledgedDuplicate: 2 })
  t.equal(ledger.uniqueReadingsSent, 2)
  t.same(ledger.tallyBySensor(2, 2), [{ acknowledged: 1, unacknowledged: 0, rejected: 0 }, { acknowledged: 1, unacknowledged: 0, rejected: 0 }])
})

t.test('a resend acknowledges a batch whose own request got no answer', async (t) => {
  const ledger = new Ledger()
  ledger.sent(batch(0))
  ledger.failed(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))
  t.same(ledger.tallyBySensor(1, 1), [{ acknowledged: 0, unacknowledged: 1, rejected: 0 }])
  ledger.sent(batch(0, 1, true))
  ledger.answered(batch(0, 1, true), 200, answer(0, 1), undefined)
  t.same(ledger.tallyBySensor(1, 1), [{ acknowledged: 1, unacknowledged: 0, rejected: 0 }])
  t.same(ledger.counts.errors, { ECONNRESET: 1 })
})

t.test('503 keeps the batch unacknowledged and records Retry-After', async (t) => {
  const ledger = new Ledger()
  ledger.sent(batch(0))
  ledger.answered(batch(0), 503, '{}', '2')
  t.same(ledger.counts.statuses, { 503: 1 })
  t.same(ledger.counts.retryAfter, { 2: 1 })
  t.same(ledger.tallyBySensor(1, 1), [{ acknowledged: 0, unacknowledged: 1, rejected: 0 }])
})

t.test('4xx answers are rejections', async (t) => {
  const ledger = new Ledger()
  ledger.sent(batch(0, 3))
  ledger.answered(batch(0, 3), 401, '{}', undefined)
  t.match(ledger.counts, { rejectedRequests: 1, rejectedReadings: 3, statuses: { 401: 1 } })
  t.same(ledger.tallyBySensor(1, 3), [{ acknowledged: 0, unacknowledged: 0, rejected: 3 }])
})

t.test('a 2xx that does not account for every reading is malformed, not an acknowledgement', async (t) => {
  const ledger = new Ledger()
  ledger.sent(batch(0, 2))
  ledger.answered(batch(0, 2), 201, answer(1, 0), undefined)
  ledger.answered(batch(0, 2), 201, 'not json', undefined)
  t.equal(ledger.counts.malformed, 2)
  t.same(ledger.tallyBySensor(1, 2), [{ acknowledged: 0, unacknowledged: 2, rejected: 0 }])
})

t.test('timeouts are counted apart from other errors', async (t) => {
  const ledger = new Ledger()
  ledger.failed(new Error('request timed out'))
  ledger.failed(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
  t.equal(ledger.counts.timeouts, 1)
  t.same(ledger.counts.errors, { ECONNREFUSED: 1 })
})

t.test('the ledger grows past its first allocation', async (t) => {
  const ledger = new Ledger()
  for (let i = 0; i < 5000; i++) ledger.sent(batch(i))
  t.equal(ledger.uniqueReadingsSent, 5000)
  t.equal(ledger.tallyBySensor(10, 1)[3]!.unacknowledged, 500)
})
