import t, { type Test } from 'tap'
import { overlappingRequests } from '../helpers/overlapping-writes.js'
import { appPerFile } from './fixture.js'

// Many requests at once, overlapping on purpose: exact resends (duplicates), same keys with other
// values (conflicts) and late readings older than what is stored, over a few sensors and variables.
// The rollups' queue folded as soon as it fills, so a drain leaves the rollup tables complete.
const app = await appPerFile(t, { writeConcurrency: 4, flushMaxRows: 50, rollupFoldDelayMs: 0 })

async function assertSummaryMatchesReadings (t: Test): Promise<void> {
  await app.summary.drain()
  const expected = await app.pg.query(`
    SELECT r.sensor_id, r.variable, count(*)::int8 AS reading_count, min(r.ts) AS first_seen, max(r.ts) AS last_seen,
           (array_agg(r.value ORDER BY r.ts DESC))[1] AS latest_value, (array_agg(r.unit ORDER BY r.ts DESC))[1] AS latest_unit
    FROM readings r GROUP BY r.sensor_id, r.variable ORDER BY r.sensor_id, r.variable`)
  const summary = await app.pg.query(`
    SELECT sensor_id, variable, reading_count, first_seen, last_seen, latest_value, latest_unit
    FROM sensor_variable_summary ORDER BY sensor_id, variable`)
  t.same(summary.rows, expected.rows, 'the summary equals an aggregate over readings')
}

t.test('after concurrent ingestion the summary equals an aggregate over readings', async (t) => {
  const base = Date.parse('2024-05-01T12:00:00Z')
  const requests = overlappingRequests(base, 1000, 60_000)
  const answers = await Promise.all(requests.map((payload) => app.inject({ method: 'POST', url: '/readings', payload })))
  t.same(answers.filter((a) => a.statusCode !== 200 && a.statusCode !== 201).map((a) => a.body), [], 'every request succeeded')
  const totals = answers.reduce((sum, a) => {
    const body = a.json()
    return { inserted: sum.inserted + body.inserted, duplicates: sum.duplicates + body.duplicates, conflicts: sum.conflicts + body.conflicts.length }
  }, { inserted: 0, duplicates: 0, conflicts: 0 })
  t.ok(totals.duplicates > 0 && totals.conflicts > 0, 'the mix holds duplicates and conflicts')

  await assertSummaryMatchesReadings(t)
  const stored = await app.pg.query<{ n: string }>('SELECT count(*) AS n FROM readings')
  t.equal(Number(stored.rows[0]!.n), totals.inserted, 'every stored reading was answered as inserted once')
})

t.test('new readings only, several per sensor and variable in one request, out of time order', async (t) => {
  await app.pg.query('TRUNCATE readings, sensor_variable_summary, sensor_summary_deltas')
  const base = Date.parse('2024-06-01T00:00:00Z')
  // Every key is new, so each flush takes the all-new path, which works the summary out in
  // JavaScript; the microsecond offsets make first and last differ below the millisecond.
  const requests = Array.from({ length: 30 }, (_, r) => Array.from({ length: 25 }, (_, i) => ({
    sensor_id: i % 4,
    timestamp: new Date(base + ((r * 25 + i) * 7919) % 100_000).toISOString().replace('Z', `${String((r + i) % 1000).padStart(3, '0')}Z`),
    variable: i % 2 === 0 ? 'temperature' : 'humidity',
    value: r * 100 + i,
    unit: i % 3 === 0 ? 'C' : 'F'
  })))
  const answers = await Promise.all(requests.map((payload) => app.inject({ method: 'POST', url: '/readings', payload })))
  t.same(answers.map((a) => a.statusCode), requests.map(() => 201))
  t.equal(answers.reduce((sum, a) => sum + a.json().inserted, 0), 750)
  await assertSummaryMatchesReadings(t)
})

t.test('one flush of new readings for stored and new pairs updates the one and adds the other', async (t) => {
  await app.pg.query('TRUNCATE readings, sensor_variable_summary, sensor_summary_deltas')
  const reading = (sensorId: number, variable: string, second: number, value: number) =>
    ({ sensor_id: sensorId, timestamp: `2024-07-01T00:00:${String(second).padStart(2, '0')}Z`, variable, value, unit: 'u' })
  const first = await app.inject({ method: 'POST', url: '/readings', payload: [reading(1, 'temperature', 10, 1), reading(2, 'humidity', 10, 2)] })
  t.equal(first.statusCode, 201)
  // Stored pairs (1, temperature) and (2, humidity) get one reading older and one newer than
  // stored; (1, humidity) and (3, temperature) are new.
  const second = await app.inject({
    method: 'POST',
    url: '/readings',
    payload: [reading(1, 'temperature', 5, 3), reading(1, 'humidity', 20, 4), reading(2, 'humidity', 30, 5), reading(3, 'temperature', 1, 6)]
  })
  t.equal(second.statusCode, 201)
  t.equal(second.json().inserted, 4)
  await app.summary.drain()
  const { rows } = await app.pg.query('SELECT count(*)::int AS n FROM sensor_variable_summary')
  t.equal(rows[0].n, 4)
  await assertSummaryMatchesReadings(t)
})

t.test('folds running alongside concurrent writes fold every delta exactly once', async (t) => {
  await app.pg.query('TRUNCATE readings, sensor_variable_summary, sensor_summary_deltas')
  const base = Date.parse('2024-08-01T00:00:00Z')
  const requests = Array.from({ length: 40 }, (_, r) => Array.from({ length: 15 }, (_, i) => ({
    sensor_id: i % 6,
    timestamp: new Date(base + ((r * 15 + i) % 200) * 1000).toISOString(), // keys repeat: duplicates
    variable: i % 2 === 0 ? 'temperature' : 'humidity',
    value: (r * 15 + i) % 200,
    unit: 'u'
  })))
  // Rounds of four requests, each alongside two small chunks folding at once (as from two
  // replicas): a chunk meets the deltas of earlier rounds, and writes and other chunks in flight.
  const answers = []
  let folded = 0
  for (let round = 0; round < requests.length; round += 4) {
    const [writes, chunkA, chunkB] = await Promise.all([
      Promise.all(requests.slice(round, round + 4).map((payload) => app.inject({ method: 'POST', url: '/readings', payload }))),
      app.summary.foldChunk({ deltas: 2, pairs: 20 }),
      app.summary.foldChunk({ deltas: 2, pairs: 20 })
    ])
    answers.push(...writes)
    folded += chunkA.deltas + chunkB.deltas
  }
  await app.summary.drain()
  t.same(answers.filter((a) => a.statusCode !== 200 && a.statusCode !== 201).map((a) => a.body), [], 'every request succeeded')
  t.ok(folded > 0, 'the concurrent folds folded deltas')
  await assertSummaryMatchesReadings(t)
  const { rows } = await app.pg.query('SELECT count(*)::int AS n FROM sensor_summary_deltas')
  t.equal(rows[0].n, 0, 'no delta is left pending')
})
