import t from 'tap'
import type { Reading } from '../../src/ingest/reading.js'
import { everyPairOnce, summaryDeltas } from '../../src/ingest/summary-delta.js'

const reading = (sensorId: number, variable: string, epochMs: number, microsInMs = 0, value = 1): Reading =>
  ({ sensorId, variable, epochMs, microsInMs, value, unit: 'u' })

t.test('one delta per sensor and variable (within a minute), with its count, first and last reading, min, max and sum', async (t) => {
  const a1 = reading(1, 'temp', 2000, 0, 10)
  const a2 = reading(1, 'temp', 1000, 7, 11)
  const a3 = reading(1, 'temp', 10000, 0, 12)
  const a4 = reading(1, 'temp', 1000, 6, 13)
  const b = reading(1, 'hum', 1500, 0, 50)
  const c = reading(2, 'temp', 1500, 0, 20)
  const deltas = summaryDeltas([a1, b, a2, c, a3, a4])
  t.same(deltas, [
    { sensorId: 1, variable: 'temp', minute: 0, count: 4, first: a4, last: a3, min: 10, max: 13, sum: 46 },
    { sensorId: 1, variable: 'hum', minute: 0, count: 1, first: b, last: b, min: 50, max: 50, sum: 50 },
    { sensorId: 2, variable: 'temp', minute: 0, count: 1, first: c, last: c, min: 20, max: 20, sum: 20 }
  ])
})

t.test('one delta per sensor, variable and minute (UTC, on the epoch), so rollups can be kept per minute', async (t) => {
  const a = reading(1, 'temp', 59_999, 999, 1)
  const b = reading(1, 'temp', 60_000, 0, 2)
  const c = reading(1, 'temp', 119_000, 0, 3)
  const d = reading(1, 'temp', -1, 0, 4)
  t.same(summaryDeltas([d, a, b, c]), [
    { sensorId: 1, variable: 'temp', minute: -1, count: 1, first: d, last: d, min: 4, max: 4, sum: 4 },
    { sensorId: 1, variable: 'temp', minute: 0, count: 1, first: a, last: a, min: 1, max: 1, sum: 1 },
    { sensorId: 1, variable: 'temp', minute: 1, count: 2, first: b, last: c, min: 2, max: 3, sum: 5 }
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
