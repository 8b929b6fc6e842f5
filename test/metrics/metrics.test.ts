import t from 'tap'
import parsePrometheusTextFormat, { type MetricFamily } from 'parse-prometheus-text-format'
import { version } from '../../src/version.js'
import { build } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'

type App = Awaited<ReturnType<typeof build>>

const { url: databaseUrl } = await freshDatabase(t)

const reading = (overrides: Record<string, unknown> = {}) => ({
  sensor_id: 1, timestamp: '2024-05-01T12:00:00Z', variable: 'temperature', value: 20, unit: 'C', ...overrides
})

async function scrape (app: App): Promise<Map<string, MetricFamily>> {
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  if (res.statusCode !== 200) throw new Error(`GET /metrics answered ${res.statusCode}`)
  return new Map(parsePrometheusTextFormat(res.body).map((family) => [family.name, family]))
}

/** The value of one sample, found by its labels (all of them, or none for an unlabelled metric). */
function value (families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  const sample = families.get(name)?.metrics.find((m) => JSON.stringify(m.labels ?? {}) === JSON.stringify(labels))
  return sample === undefined ? undefined : Number(sample.value ?? sample.count)
}

const readingCounters = (families: Map<string, MetricFamily>) => Object.fromEntries(
  ['received', 'inserted', 'duplicate', 'conflict', 'rejected', 'failed'].map((k) => [k, value(families, `iot_readings_${k}_total`)])
)

t.test('the readings counters match a known mix of new, duplicate, conflicting and invalid readings', async (t) => {
  const app = await build(t, { databaseUrl, maxBatch: 5 })
  const send = async (payload: unknown, expected: number, headers: Record<string, string> = {}) => {
    const res = await app.inject({ method: 'POST', url: '/readings', payload: payload as object, headers })
    t.equal(res.statusCode, expected, JSON.stringify(payload).slice(0, 80))
  }
  await send([reading(), reading({ sensor_id: 2 }), reading({ sensor_id: 3 })], 201) // 3 new
  await send([reading(), reading({ sensor_id: 2, value: 99 }), reading({ sensor_id: 4 })], 201) // duplicate, conflict, new
  await send(reading({ sensor_id: 3, value: 98 }), 409) // single conflict
  await send([reading({ sensor_id: 5 }), reading({ value: '20' })], 400) // invalid: both rejected
  await send(Array.from({ length: 6 }, (_, i) => reading({ sensor_id: 10 + i })), 413) // too many: refused while scanned, before parsing, so counted nowhere
  await send('{"sensor_id": 1,', 400, { 'content-type': 'application/json' }) // unparsable: no reading received

  const families = await scrape(app)
  t.same(readingCounters(families), { received: 9, inserted: 4, duplicate: 1, conflict: 2, rejected: 2, failed: 0 })
  const stored = await app.pg.query<{ n: string }>('SELECT count(*) AS n FROM readings')
  t.equal(Number(stored.rows[0]!.n), 4, 'inserted equals what was stored')
})

t.test('readings of requests turned away with 503 count as failed', async (t) => {
  // One flush at a time and room for one waiting request: of simultaneous requests, the first is
  // written, the second waits and the rest find the queue full.
  const app = await build(t, { databaseUrl, writeConcurrency: 1, writeQueueMax: 1 })
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => app.inject({
    method: 'POST', url: '/readings', payload: [reading({ sensor_id: 400 + i }), reading({ sensor_id: 500 + i })]
  })))
  const turnedAway = answers.filter((a) => a.statusCode === 503).length
  t.ok(turnedAway > 0, 'some requests found the queue full')
  t.equal(turnedAway + answers.filter((a) => a.statusCode === 201).length, 10)
  t.same(readingCounters(await scrape(app)), {
    received: 20, inserted: 2 * (10 - turnedAway), duplicate: 0, conflict: 0, rejected: 0, failed: 2 * turnedAway
  })
})

t.test('flush sizes and durations are observed once per flush', async (t) => {
  const app = await build(t, { databaseUrl })
  await app.inject({ method: 'POST', url: '/readings', payload: [reading({ sensor_id: 100 }), reading({ sensor_id: 101 })] })
  await app.inject({ method: 'POST', url: '/readings', payload: reading({ sensor_id: 102 }) })
  const families = await scrape(app)
  t.match(families.get('iot_flush_rows'), { type: 'HISTOGRAM', metrics: [{ count: '2', sum: '3' }] })
  t.match(families.get('iot_flush_duration_seconds'), { type: 'HISTOGRAM', metrics: [{ count: '2' }] })
})

t.test('summary folds are observed, with the delta rows they fold', async (t) => {
  const app = await build(t, { databaseUrl, summaryFoldIntervalMs: 0 })
  await app.summary.drain() // what earlier tests' writes left pending
  const before = await scrape(app)
  await app.inject({ method: 'POST', url: '/readings', payload: reading({ sensor_id: 600 }) })
  await app.inject({ method: 'POST', url: '/readings', payload: reading({ sensor_id: 601 }) })
  t.equal((await app.inject({ method: 'GET', url: '/sensors/600' })).statusCode, 200)
  const after = await scrape(app)
  t.equal(value(after, 'iot_summary_deltas_folded_total')! - value(before, 'iot_summary_deltas_folded_total')!, 2, 'one delta row per flush')
  t.equal(value(after, 'iot_summary_fold_duration_seconds')! - value(before, 'iot_summary_fold_duration_seconds')!, 1, 'one fold, by the read')
})

t.test('rollup folds are observed, and the rollups\' queue shows what waits in it', async (t) => {
  const app = await build(t, { databaseUrl, summaryFoldIntervalMs: 0, rollupFoldDelayMs: 3_600_000 })
  await app.summary.drain()
  while (await app.summary.foldRollupChunk(undefined, 0) !== undefined); // what earlier tests queued
  const before = await scrape(app)
  t.equal(value(before, 'iot_rollup_pending_entries'), 0)
  t.equal(value(before, 'iot_rollup_oldest_pending_age_seconds'), 0)

  // One entry per sensor, variable and minute of a flush: 2 in the first flush, 1 in the second.
  await app.inject({ method: 'POST', url: '/readings', payload: [reading({ sensor_id: 700 }), reading({ sensor_id: 700, timestamp: '2024-05-01T12:00:30Z' }), reading({ sensor_id: 701 })] })
  await app.inject({ method: 'POST', url: '/readings', payload: reading({ sensor_id: 700, timestamp: '2024-05-01T12:05:00Z' }) })
  await app.summary.drain() // the summary folds them; the rollups' queue keeps them for an hour
  const queued = await scrape(app)
  t.equal(value(queued, 'iot_rollup_pending_entries'), 3)
  t.ok(value(queued, 'iot_rollup_oldest_pending_age_seconds')! > 0, 'the queue\'s age')
  t.equal(value(queued, 'iot_rollup_fold_duration_seconds'), value(before, 'iot_rollup_fold_duration_seconds'), 'a fold that finds nothing old enough is not observed')

  t.equal(await app.summary.foldRollupChunk(undefined, 0), undefined, 'one fold takes the queue')
  const folded = await scrape(app)
  t.equal(value(folded, 'iot_rollup_pending_entries'), 0)
  t.equal(value(folded, 'iot_rollup_oldest_pending_age_seconds'), 0)
  t.equal(value(folded, 'iot_rollup_entries_folded_total')! - value(before, 'iot_rollup_entries_folded_total')!, 3)
  t.equal(value(folded, 'iot_rollup_fold_duration_seconds')! - value(before, 'iot_rollup_fold_duration_seconds')!, 1, 'one fold observed')
})

t.test('HTTP requests are counted by route pattern and status, never by raw URL', async (t) => {
  const app = await build(t, { databaseUrl })
  await app.inject({ method: 'POST', url: '/readings', payload: reading({ sensor_id: 200 }) })
  await app.inject({ method: 'GET', url: '/sensors/200' })
  await app.inject({ method: 'GET', url: '/sensors/201' })
  await app.inject({ method: 'GET', url: '/sensors/abc' })
  await app.inject({ method: 'GET', url: '/no/such/path' })
  const families = await scrape(app)
  const requests = (labels: Record<string, string>) => value(families, 'http_requests_total', labels)
  t.equal(requests({ method: 'POST', route: '/readings', status_code: '201' }), 1)
  t.equal(requests({ method: 'GET', route: '/sensors/:id', status_code: '200' }), 1)
  t.equal(requests({ method: 'GET', route: '/sensors/:id', status_code: '404' }), 1)
  t.equal(requests({ method: 'GET', route: '/sensors/:id', status_code: '400' }), 1)
  t.equal(requests({ method: 'GET', route: 'unmatched', status_code: '404' }), 1)
  const routes = new Set(families.get('http_requests_total')!.metrics.map((m) => m.labels!.route))
  t.same([...routes].sort(), ['/readings', '/sensors/:id', 'unmatched'])
  t.equal(families.get('http_request_duration_seconds')?.type, 'HISTOGRAM')
  // The text parser drops a histogram's labels: read the latency samples from the registry.
  const latency = (await app.metrics.httpDuration.get()).values
  const count = latency.find((v) => v.metricName === 'http_request_duration_seconds_count' && v.labels.route === '/sensors/:id' && v.labels.status_code === '200')
  t.equal(count?.value, 1)
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
  t.notMatch(text, /\/sensors\/20[01]|\/no\/such/, 'no raw URL in any label')
})

t.test('gauges report the write queue, the pool and the running version and instance', async (t) => {
  const app = await build(t, { databaseUrl, instanceId: 'replica-7' })
  // A scrape asks the database for the summary backlog: the first opens that pool connection.
  await scrape(app)
  const families = await scrape(app)
  t.equal(value(families, 'iot_write_queue_depth'), 0)
  t.equal(value(families, 'iot_write_flushes_in_flight'), 0)
  t.equal(value(families, 'iot_db_pool_connections'), app.pg.pool.totalCount)
  t.equal(value(families, 'iot_db_pool_idle_connections'), app.pg.pool.idleCount)
  t.equal(value(families, 'iot_db_pool_waiting_clients'), 0)
  t.equal(value(families, 'iot_service_info', { version, instance_id: 'replica-7' }), 1)
  t.ok(families.has('process_cpu_seconds_total'), 'default process metrics')
  t.ok(families.has('nodejs_eventloop_lag_seconds'), 'default Node.js metrics')
})

t.test('the metrics text parses, and is served as Prometheus text', async (t) => {
  const app = await build(t, { databaseUrl })
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const families = parsePrometheusTextFormat(res.body)
  t.ok(families.length > 20)
  t.same(families.filter((f) => f.type === 'UNTYPED').map((f) => f.name), [], 'every metric declares its type')
})

t.test('each app counts on its own registry', async (t) => {
  const one = await build(t, { databaseUrl })
  const other = await build(t, { databaseUrl })
  await one.inject({ method: 'POST', url: '/readings', payload: reading({ sensor_id: 300 }) })
  t.equal(value(await scrape(one), 'iot_readings_received_total'), 1)
  t.equal(value(await scrape(other), 'iot_readings_received_total'), 0)
})

t.test('/metrics stays open when read and ingest tokens are set', async (t) => {
  const app = await build(t, { databaseUrl, readTokens: ['r'], ingestTokens: ['i'] })
  t.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 200)
})
