import t from 'tap'
import { subscribe, writerFlush } from '../../src/diagnostics.js'
import { build } from '../helpers/build.js'

const reading = { sensor_id: 42, timestamp: '2024-05-01T00:00:00.5Z', variable: 'pressure', value: 1013.25, unit: 'hPa' }

t.test('100 concurrent identical POSTs: exactly one insert, 99 duplicates, no 5xx', async (t) => {
  const app = await build(t)
  const responses = await Promise.all(Array.from({ length: 100 }, () =>
    app.inject({ method: 'POST', url: '/readings', payload: reading })))
  const statuses = responses.map((r) => r.statusCode)
  t.equal(statuses.filter((s) => s === 201).length, 1, 'one 201')
  t.equal(statuses.filter((s) => s === 200).length, 99, '99 answered 200')
  t.equal(responses.reduce((sum, r) => sum + r.json().inserted, 0), 1, 'inserted counts add up to one')
  const { rows } = await app.pg.query('SELECT count(*)::int AS n FROM readings')
  t.equal(rows[0].n, 1)
})

t.test('overlapping concurrent batches store every distinct reading once and account for each', async (t) => {
  const app = await build(t)
  // 20 batches of 50 over 200 distinct readings: each reading is sent 5 times.
  const batches = Array.from({ length: 20 }, (_, b) => Array.from({ length: 50 }, (_, i) => {
    const n = (b * 50 + i) % 200
    return { sensor_id: n % 10, timestamp: new Date(Date.UTC(2024, 0, 1) + n * 1000).toISOString(), variable: 'v', value: n, unit: 'u' }
  }))
  const responses = await Promise.all(batches.map((payload) => app.inject({ method: 'POST', url: '/readings', payload })))
  t.same(responses.filter((r) => r.statusCode >= 300).length, 0, 'all 2xx')
  const bodies = responses.map((r) => r.json())
  t.equal(bodies.reduce((s, b) => s + b.inserted, 0), 200, 'inserted adds up to the distinct readings')
  t.equal(bodies.reduce((s, b) => s + b.duplicates, 0), 800, 'the rest are duplicates')
  t.equal(bodies.reduce((s, b) => s + b.conflicts.length, 0), 0)
  const { rows } = await app.pg.query('SELECT count(*)::int AS n FROM readings')
  t.equal(rows[0].n, 200)
})

t.test('concurrent requests are group-committed: fewer flushes than requests', async (t) => {
  const app = await build(t, { writeConcurrency: 1 })
  let flushes = 0
  t.teardown(subscribe(writerFlush, app.writer, () => { flushes++ }))
  const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => app.inject({
    method: 'POST', url: '/readings', payload: { ...reading, sensor_id: i }
  })))
  t.ok(responses.every((r) => r.statusCode === 201))
  t.ok(flushes < 50, `50 requests took ${flushes} flushes`)
})
