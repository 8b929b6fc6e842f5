import t from 'tap'
import type { Reading } from '../../src/ingest/reading.js'
import { everyPairOnce, summaryDeltas } from '../../src/ingest/summary-delta.js'

const reading = (sensorId: number, variable: string, epochMs: number, microsInMs = 0, value = 1): Reading =>
  ({ sensorId, variable, epochMs, microsInMs, value, unit: 'u' })

t.test('one delta per sensor and variable, with its count, first and last reading', async (t) => {
  const a1 = reading(1, 'temp', 2000, 0, 10)
  const a2 = reading(1, 'temp', 1000, 7, 11)
  const a3 = reading(1, 'temp', 10000, 0, 12)
  const a4 = reading(1, 'temp', 1000, 6, 13)
  const b = reading(1, 'hum', 1500, 0, 50)
  const c = reading(2, 'temp', 1500, 0, 20)
  const deltas = summaryDeltas([a1, b, a2, c, a3, a4])
  t.same(deltas, [
    { sensorId: 1, variable: 'temp', count: 4, first: a4, last: a3 },
    { sensorId: 1, variable: 'hum', count: 1, first: b, last: b },
    { sensorId: 2, variable: 'temp', count: 1, first: c, last: c }
  ])
})

t.test('no readings, no deltas', async (t) => {
  t.same(summaryDeltas([]), [])
})

t.test('every pair once: readings in key order, each of its own sensor and variable', async (t) => {
  t.equal(everyPairOnce([reading(1, 'hum', 1000), reading(1, 'temp', 1000), reading(2, 'temp', 1000)]), true)
  t.equal(everyPairOnce([]), true)
})

t.test('not every pair once: two readings of one sensor and variable, side by side', async (t) => {
  t.equal(everyPairOnce([reading(1, 'hum', 1000), reading(1, 'temp', 1000), reading(1, 'temp', 2000)]), false)
})
