import t, { type Test } from 'tap'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import type pg from 'pg'
import { build, testPool } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'
import { until } from '../helpers/wait.js'

// Reads that meet deltas no fold can take within SUMMARY_READ_WAIT_MS: folds are held off by the
// advisory lock they take turns on, held here by a session of the test's own.

const reading = (sensorId: number, second: number) =>
  ({ sensor_id: sensorId, timestamp: `2024-05-01T12:00:${String(second).padStart(2, '0')}Z`, variable: 'temperature', value: second, unit: 'C' })

/** Holds the folds' advisory lock until the returned function is called. */
async function holdFolds (pool: pg.Pool): Promise<() => Promise<void>> {
  const client = await pool.connect()
  await client.query("SELECT pg_advisory_lock(hashtextextended('fold_sensor_summary_deltas', 0))")
  return async () => {
    await client.query("SELECT pg_advisory_unlock(hashtextextended('fold_sensor_summary_deltas', 0))")
    client.release()
  }
}

async function setUp (t: Test) {
  const db = await freshDatabase(t)
  const app = await build(t, { databaseUrl: db.url, summaryFoldIntervalMs: 0, summaryReadWaitMs: 50 })
  const post = async (payload: object) => t.equal((await app.inject({ method: 'POST', url: '/readings', payload })).statusCode, 201)
  return { app, post, pool: testPool(t, db.url) }
}

t.test('a read whose deltas cannot be folded in time answers what the summary counts, marked as_of and pending_readings', async (t) => {
  const { app, post, pool } = await setUp(t)
  await post([reading(3, 1), reading(3, 2)])
  await app.summary.drain()
  const foldsAllowed = await holdFolds(pool)
  await post([reading(3, 3), reading(3, 4), reading(3, 5)])

  const one = await app.inject({ method: 'GET', url: '/sensors/3' })
  t.equal(one.statusCode, 200)
  const body = one.json()
  t.equal(body.reading_count, 2, 'the readings the summary counts')
  t.equal(body.pending_readings, 3, 'the readings stored before the request that it does not count yet')
  t.match(body.as_of, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
  t.ok(Date.parse(body.as_of) <= Date.now(), 'as_of is in the past')

  const list = (await app.inject({ method: 'GET', url: '/sensors' })).json()
  t.match(list, { sensors: [{ sensor_id: 3, reading_count: 2 }], as_of: body.as_of, pending_readings: 3 })
  const silent = (await app.inject({ method: 'GET', url: '/sensors/silent?minutes=1' })).json()
  t.match(silent, { total: 1, as_of: body.as_of, pending_readings: 3 })

  await foldsAllowed()
  await until(async () => (await app.inject({ method: 'GET', url: '/sensors/3' })).json().reading_count === 5, 5000, 'the fold to go through')
  const exact = (await app.inject({ method: 'GET', url: '/sensors/3' })).json()
  t.notOk('as_of' in exact, 'an exact answer carries no as_of')
  t.notOk('pending_readings' in exact)
})

t.test('a sensor whose readings are all pending is a 404 that says so, with as_of', async (t) => {
  const { app, post, pool } = await setUp(t)
  const foldsAllowed = await holdFolds(pool)
  t.teardown(foldsAllowed)
  await post(reading(9, 1))
  const res = await app.inject({ method: 'GET', url: '/sensors/9' })
  t.equal(res.statusCode, 404)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json(), { type: 'urn:iot-sensors:problem:unknown-sensor', pending_readings: 1, as_of: /Z$/, detail: /not counted yet/ })
})

t.test('metrics show the backlog (pending delta rows, their readings, the oldest one\'s age) and the marked answers', async (t) => {
  const { app, post, pool } = await setUp(t)
  const scrape = async () => new Map(parsePrometheusTextFormat((await app.inject({ method: 'GET', url: '/metrics' })).body)
    .map((f) => [f.name, Number(f.metrics[0]?.value)]))
  const empty = await scrape()
  t.equal(empty.get('iot_summary_pending_deltas'), 0)
  t.equal(empty.get('iot_summary_oldest_pending_delta_age_seconds'), 0)

  const foldsAllowed = await holdFolds(pool)
  await post([reading(1, 1), reading(2, 1)])
  await post(reading(1, 2))
  await app.inject({ method: 'GET', url: '/sensors/1' })
  await until(async () => (await scrape()).get('iot_summary_oldest_pending_delta_age_seconds')! > 0, 5000, 'the backlog to age')
  const pending = await scrape()
  t.equal(pending.get('iot_summary_pending_deltas'), 2, 'one row per flush')
  t.equal(pending.get('iot_summary_pending_readings'), 3)
  t.equal(pending.get('iot_summary_stale_reads_total'), 1)

  await foldsAllowed()
  await app.summary.drain()
  const drained = await scrape()
  t.equal(drained.get('iot_summary_pending_deltas'), 0)
  t.equal(drained.get('iot_summary_pending_readings'), 0)
  t.equal(drained.get('iot_summary_readings_folded_total'), 3)
})
