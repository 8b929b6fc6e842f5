import t from 'tap'
import { loadTest } from '../../load-test/load-test.js'
import { runLoad } from '../../load-test/run.js'
import { compareCounts, fetchStoredCounts } from '../../load-test/verify.js'
import { testPool } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'
import { until } from '../helpers/wait.js'
import { listeningApp, options } from '../load-test/helpers.js'

// The outage the summary deltas once caused: folds off (replicas with SUMMARY_FOLD_INTERVAL_MS=0,
// or folds stalled for a while), a backlog far larger than one statement can fold within a short
// DB_STATEMENT_TIMEOUT_MS. A fold of it all in one statement timed out, rolled back, and every
// read started it over: every /sensors read answered 503 forever.

// The setting, a 1 s statement timeout, with a backlog of 3 million readings rather than
// its 1.5 million, which one statement folds within 1 s on this machine when it is otherwise idle
// (the run's readings, and the rest appended as the writer would, for sensors of its own, which is
// quicker to make).
const STATEMENT_TIMEOUT_MS = 1000
const READINGS = 100_000
const SENSORS = 2000
const SENSOR_BASE = 1_000_000
const OTHER_READINGS = 2_900_000
const OTHER_SENSORS = 10_000
const OTHER_BASE = 5_000_000

const db = await freshDatabase(t)
// The scenario is a statement cancelled by its timeout, which embedded PGlite never does: its one
// single-threaded backend has no timer to interrupt a statement, so a fold of it all just finishes.
const noTimeouts = db.source === 'pglite' && 'embedded PGlite does not enforce statement_timeout'

t.test('with folds off, reads over a backlog no single statement can fold answer at once, then recover; the load test verifies', { skip: noTimeouts }, async (t) => {
  t.setTimeout(600_000)
  // The backlog: written by a replica that does not fold, with room for its flushes on a busy machine.
  const writer = await listeningApp(t, { databaseUrl: db.url, config: { summaryFoldIntervalMs: 0 } })
  const databaseUrl = writer.databaseUrl
  const run = await runLoad(options(writer.url, '--readings', String(READINGS), '--batch', '1000', '--sensors', String(SENSORS), '--max', '--connections', '4'), SENSOR_BASE)
  t.equal(run.ledger.counts.acknowledgedNew, READINGS, 'every reading was acknowledged', { statuses: run.ledger.counts.statuses, errors: run.ledger.counts.errors })
  await writer.app.close()

  // Read by one with a short statement timeout, which does not fold on a timer either.
  const answers: Array<{ url: string, status: number, ms: number, stale: boolean }> = []
  const { url } = await listeningApp(t, {
    databaseUrl,
    config: { summaryFoldIntervalMs: 0, dbStatementTimeoutMs: STATEMENT_TIMEOUT_MS, summaryReadWaitMs: 100 },
    setup: (app) => app.addHook('onSend', async (request, reply, payload) => {
      if (request.method === 'GET' && request.url.startsWith('/sensors')) {
        answers.push({ url: request.url, status: reply.statusCode, ms: reply.elapsedTime, stale: String(payload).includes('"as_of"') })
      }
      return payload
    })
  })

  const pool = testPool(t, databaseUrl)
  await pool.query(`
    INSERT INTO sensor_summary_deltas (sensor_ids, variables, reading_counts, first_seen, last_seen, latest_values, latest_units)
    SELECT array_agg(s ORDER BY s), array_agg('temperature'::text), array_agg(1::int8), array_agg(ts), array_agg(ts), array_agg(r::float8), array_agg('C'::text)
    FROM generate_series(1, $1::int) r, generate_series($3::int, $3::int + $2::int - 1) s, LATERAL (SELECT timestamptz '2024-01-01' + r * interval '1 s' AS ts) t
    GROUP BY r`, [OTHER_READINGS / OTHER_SENSORS, OTHER_SENSORS, OTHER_BASE])
  const { rows: [backlog] } = await pool.query<{ readings: string }>('SELECT sum(n_readings)::text AS readings FROM sensor_summary_deltas')
  t.equal(Number(backlog!.readings), READINGS + OTHER_READINGS, 'nothing was folded: the whole run is pending')
  const client = await pool.connect()
  try {
    await client.query(`BEGIN; SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`)
    await t.rejects(client.query('SELECT * FROM fold_summary_deltas_chunk(2147483647, 9223372036854775807)'), { code: '57014' },
      'a fold of the whole backlog in one statement outlives the statement timeout')
  } finally {
    await client.query('ROLLBACK')
    client.release()
  }

  // Nothing of it is counted yet: a sensor is a 404 that says so, the fleet is empty as of as_of.
  // The sensor is one of the appended backlog's, whose deltas are folded last: the fold these
  // reads start may take the oldest chunks (the run's sensors) within their wait.
  for (const [path, status] of [[`/sensors/${OTHER_BASE}`, 404], ['/sensors/silent?minutes=1', 200], ['/sensors?limit=10', 200]] as const) {
    const res = await fetch(`${url}${path}`)
    t.equal(res.status, status, `${path} answers`)
    t.match(await res.json(), { as_of: /Z$/, pending_readings: Number }, `${path} says the summary lags`)
  }

  await until(async () => !('as_of' in (await (await fetch(`${url}/sensors/${SENSOR_BASE}`)).json() as object)), 300_000, 'reads to be exact again')
  const stored = await fetchStoredCounts(Array.from({ length: SENSORS }, (_, i) => SENSOR_BASE + i), { url })
  const verification = compareCounts(run.ledger.tallyBySensor(SENSORS, 1000), stored)
  t.match(verification, { holds: true, stored: READINGS, lost: 0, duplicated: 0 }, 'the load test\'s verification holds')

  t.same(answers.filter((a) => a.status !== 200 && !(a.status === 404 && a.stale)), [], 'every read answered 200, or 404 as of an older point')
  t.ok(answers.some((a) => a.stale), 'some answers were marked as of an older point')
  t.same(answers.filter((a) => a.ms > 3000), [], 'every read answered within 3 s')

  const again = await loadTest(options(url, '--readings', '5000', '--batch', '100', '--sensors', '50', '--max'))
  t.equal(again.passed, true, `a whole load test passes afterwards: ${again.reasons.join('; ')}`)
})
