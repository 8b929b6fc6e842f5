import t, { type Test } from 'tap'
import { overlappingRequests } from '../helpers/overlapping-writes.js'
import { DEFAULT_CHUNK_LIMITS, DEFAULT_ROLLUP_FOLDING, SummaryFolder } from '../../src/summary/folder.js'
import { appPerFile, type App } from './fixture.js'

type Json = Record<string, unknown>
interface Bucket { start: string, count: number, min: number, max: number, avg: number, first: number, last: number }

// Folds only when a test drains, so tests can read with deltas pending; the rollups' queue is
// folded as soon as it fills, so a drain leaves the rollup tables complete to compare.
const app = await appPerFile(t, { summaryFoldIntervalMs: 0, rollupFoldDelayMs: 0 })
t.beforeEach(async () => {
  await app.pg.query('TRUNCATE rollup_deltas, reading_rollups_minute, reading_rollups_hour, ingest_rollups_minute')
})

const BASE = Date.parse('2024-05-01T10:00:00Z')

/** A deterministic spread of values (a linear congruential sequence), one decimal. */
function values (seed: number) {
  let x = seed
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648
    return Math.round((x / 2147483648) * 1000) / 10 - 20
  }
}

/** Readings of one sensor-variable every `everyS` seconds from BASE + offsetS, `n` of them. */
function series (sensorId: number, variable: string, n: number, everyS: number, offsetS = 0, seed = 1) {
  const next = values(seed)
  return Array.from({ length: n }, (_, i) => ({
    sensor_id: sensorId, variable, unit: 'u', value: next(), timestamp: new Date(BASE + (offsetS + i * everyS) * 1000).toISOString()
  }))
}

/** Stores readings, then folds their deltas into the rollups unless `fold` is false. */
async function post (app: App, readings: Json[], fold = true) {
  for (let i = 0; i < readings.length; i += 5000) {
    const res = await app.inject({ method: 'POST', url: '/readings', payload: readings.slice(i, i + 5000) })
    if (res.statusCode !== 201 && res.statusCode !== 200) throw new Error(`POST /readings answered ${res.statusCode}: ${res.body}`)
  }
  if (fold) await app.summary.drain()
}

async function pendingDeltas (): Promise<number> {
  return (await app.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM sensor_summary_deltas')).rows[0]!.n
}

async function get (url: string) {
  const res = await app.inject({ method: 'GET', url })
  if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}: ${res.body}`)
  return res.json()
}

/** The same aggregate computed by a different SQL formulation, straight from readings. */
async function expected (sensorId: number, variable: string, from: string, to: string, seconds: number): Promise<Bucket[]> {
  const { rows } = await app.pg.query<Bucket>(`
    SELECT to_char(to_timestamp(floor(extract(epoch FROM ts) / $5) * $5) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS start,
      count(*)::float8 AS count, min(value) AS min, max(value) AS max, avg(value) AS avg,
      (SELECT value FROM readings f WHERE f.sensor_id = $1 AND f.variable = $2 AND f.ts = min(r.ts)) AS first,
      (SELECT value FROM readings l WHERE l.sensor_id = $1 AND l.variable = $2 AND l.ts = max(r.ts)) AS last
    FROM readings r
    WHERE sensor_id = $1 AND variable = $2 AND ts >= $3 AND ts < $4
    GROUP BY 1 ORDER BY 1`, [sensorId, variable, from, to, seconds])
  return rows
}

function sameBuckets (t: Test, actual: Bucket[], wanted: Bucket[], what: string) {
  t.equal(actual.length, wanted.length, `${what}: as many buckets`)
  t.same(actual.map(({ avg, ...b }) => b), wanted.map(({ avg, ...b }) => b), `${what}: start, count, min, max, first, last`)
  t.ok(actual.every((b, i) => Math.abs(b.avg - wanted[i]!.avg) < 1e-9), `${what}: avg`)
}

// Sensor 1's temperature every 7 s for 6 h, beside other variables and sensors that must not count.
async function seedFleet () {
  await post(app, [
    ...series(1, 'temperature', 6 * 3600 / 7, 7, 0, 1),
    ...series(1, 'humidity', 600, 30, 0, 2),
    ...series(2, 'temperature', 600, 30, 0, 3)
  ])
}

t.test('GET /readings/aggregate: each bucket as a SQL aggregate over the same readings, for every bucket width', async (t) => {
  await seedFleet()
  const ranges: Array<[string, string]> = [
    ['2024-05-01T10:00:00Z', '2024-05-01T16:00:00Z'],
    // Neither end on a minute, nor on a bucket.
    ['2024-05-01T10:03:20.5Z', '2024-05-01T15:47:13.000001Z'],
    ['2024-05-01T09:00:00Z', '2024-05-01T11:00:00Z']
  ]
  for (const [from, to] of ranges) {
    for (const [bucket, seconds] of [['1m', 60], ['5m', 300], ['15m', 900], ['1h', 3600], ['6h', 21600], ['1d', 86400]] as const) {
      const body = await get(`/readings/aggregate?sensor_id=1&variable=temperature&from=${from}&to=${to}&bucket=${bucket}`)
      t.equal(body.bucket, bucket)
      t.equal(body.bucket_seconds, seconds)
      sameBuckets(t, body.buckets, await expected(1, 'temperature', from, to, seconds), `${bucket} over ${from}..${to}`)
    }
  }
})

t.test('GET /readings/aggregate answers the contract\'s shape, oldest first, and echoes the range', async (t) => {
  await post(app, [
    { sensor_id: 42, timestamp: '2024-05-01T10:00:10Z', variable: 'temperature', value: 3, unit: 'C' },
    { sensor_id: 42, timestamp: '2024-05-01T10:00:20Z', variable: 'temperature', value: 1, unit: 'C' },
    { sensor_id: 42, timestamp: '2024-05-01T10:00:30Z', variable: 'temperature', value: 2, unit: 'C' },
    { sensor_id: 42, timestamp: '2024-05-01T10:12:00Z', variable: 'temperature', value: 10, unit: 'C' }
  ])
  t.same(await get('/readings/aggregate?sensor_id=42&variable=temperature&from=2024-05-01T10:00:00%2B00:00&to=2024-05-01T12:00:00Z&bucket=5m'), {
    sensor_id: 42,
    variable: 'temperature',
    from: '2024-05-01T10:00:00.000000Z',
    to: '2024-05-01T12:00:00.000000Z',
    bucket: '5m',
    bucket_seconds: 300,
    buckets: [
      { start: '2024-05-01T10:00:00.000000Z', count: 3, min: 1, max: 3, avg: 2, first: 3, last: 2 },
      { start: '2024-05-01T10:10:00.000000Z', count: 1, min: 10, max: 10, avg: 10, first: 10, last: 10 }
    ]
  })
})

t.test('duplicates, conflicts and retries do not count twice, in the rollups or the answers', async (t) => {
  const readings = series(5, 'temperature', 300, 10)
  await post(app, readings.slice(0, 200))
  // A retry holding stored readings and new ones, then an exact resend, then conflicting values.
  await post(app, readings.slice(100, 300))
  await post(app, readings)
  await post(app, readings.slice(0, 50).map((r) => ({ ...r, value: r.value + 1000 })))
  const from = '2024-05-01T10:00:00Z'
  const to = '2024-05-01T11:00:00Z'
  for (const [bucket, seconds] of [['1m', 60], ['1h', 3600]] as const) {
    const body = await get(`/readings/aggregate?sensor_id=5&variable=temperature&from=${from}&to=${to}&bucket=${bucket}`)
    sameBuckets(t, body.buckets, await expected(5, 'temperature', from, to, seconds), bucket)
  }
  const { rows } = await app.pg.query('SELECT sum(reading_count)::int AS minutes, (SELECT sum(reading_count)::int FROM reading_rollups_hour) AS hours FROM reading_rollups_minute')
  t.same(rows[0], { minutes: 300, hours: 300 }, 'each reading rolled up once')
})

t.test('readings whose deltas no fold has taken yet are counted, and counted once after the fold', async (t) => {
  // Flushes of every kind: many readings per pair, one per pair (a fleet), and part new part stored.
  await post(app, series(6, 'temperature', 500, 10), false)
  await post(app, Array.from({ length: 50 }, (_, s) => series(100 + s, 'temperature', 1, 1, 120 + s)[0]!).concat(series(6, 'temperature', 1, 1, 125, 9)), false)
  await post(app, series(6, 'temperature', 600, 10), false)
  t.ok(await pendingDeltas() >= 3, 'deltas are pending')
  const ranges: Array<[string, string, number, string]> = [
    ['2024-05-01T10:00:00Z', '2024-05-01T12:00:00Z', 60, '1m'],
    ['2024-05-01T10:00:30Z', '2024-05-01T11:40:30Z', 3600, '1h']
  ]
  const answers = async () => Promise.all(ranges.map(([from, to, , bucket]) => get(`/readings/aggregate?sensor_id=6&variable=temperature&from=${from}&to=${to}&bucket=${bucket}`)))
  const pending = await answers()
  // The summary fold alone: the deltas wait in the rollups' queue.
  while ((await app.pg.query('SELECT next_id FROM fold_summary_deltas_chunk(1000, 50000)')).rows[0].next_id !== null);
  t.equal(await pendingDeltas(), 0, 'the summary folded them')
  t.ok((await app.pg.query('SELECT count(*)::int AS n FROM rollup_deltas')).rows[0].n >= 3, 'queued for the rollups')
  const queued = await answers()
  await app.summary.drain()
  t.equal((await app.pg.query('SELECT count(*)::int AS n FROM rollup_deltas')).rows[0].n, 0, 'all rolled up')
  const folded = await answers()
  for (const [i, [from, to, seconds]] of ranges.entries()) {
    const wanted = await expected(6, 'temperature', from, to, seconds)
    sameBuckets(t, pending[i].buckets, wanted, `pending ${from}..${to}`)
    sameBuckets(t, queued[i].buckets, wanted, `queued ${from}..${to}`)
    sameBuckets(t, folded[i].buckets, wanted, `folded ${from}..${to}`)
  }
  const body = await get('/readings/aggregate?sensor_id=120&variable=temperature&from=2024-05-01T10:00:00Z&to=2024-05-01T11:00:00Z&bucket=1h')
  t.same(body.buckets.map((b: Bucket) => b.count), [1], 'one reading of a one-per-pair flush')
})

t.test('a rollup fold takes nothing until the oldest queued row is min_age old', async (t) => {
  await post(app, series(7, 'temperature', 120, 5), false)
  while ((await app.pg.query('SELECT next_id FROM fold_summary_deltas_chunk(1000, 50000)')).rows[0].next_id !== null);
  const queued = async () => (await app.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM rollup_deltas')).rows[0]!.n
  const before = await queued()
  t.ok(before > 0, 'the summary fold queued its deltas')
  const young = await app.pg.query("SELECT * FROM fold_rollup_deltas_chunk(1000, 50000, interval '1 hour')")
  t.same(young.rows[0], { folded_deltas: '0', folded_pairs: '0', next_id: null }, 'too young: nothing folded')
  t.equal(await queued(), before, 'the queue is left whole')
  const old = await app.pg.query("SELECT * FROM fold_rollup_deltas_chunk(1000, 50000, interval '0')")
  t.equal(Number(old.rows[0].folded_deltas), before, 'old enough: all folded')
  t.equal(await queued(), 0)
})

t.test('a folder with a rollup delay leaves the queue to a later fold, and reads count what waits in it', async (t) => {
  const delayed = new SummaryFolder(app.pg.pool, DEFAULT_CHUNK_LIMITS, { ...DEFAULT_ROLLUP_FOLDING, delayMs: 3_600_000 })
  t.teardown(() => delayed.close())
  await post(app, series(8, 'temperature', 720, 5), false)
  await delayed.drain()
  t.equal(await pendingDeltas(), 0, 'the summary is folded')
  t.ok((await app.pg.query('SELECT count(*)::int AS n FROM rollup_deltas')).rows[0].n > 0, 'the rollups\' queue waits')
  t.equal((await app.pg.query('SELECT count(*)::int AS n FROM reading_rollups_minute')).rows[0].n, 0, 'no rollup row yet')
  const [from, to] = ['2024-05-01T10:00:00Z', '2024-05-01T11:00:00Z']
  const body = await get(`/readings/aggregate?sensor_id=8&variable=temperature&from=${from}&to=${to}&bucket=5m`)
  sameBuckets(t, body.buckets, await expected(8, 'temperature', from, to, 300), 'queued')
  t.equal(body.buckets.reduce((n: number, b: Bucket) => n + b.count, 0), 720, 'every reading counted once')
})

t.test('a folder folds the rollups\' queue at once when it holds fullEntries, however young', async (t) => {
  await post(app, series(9, 'temperature', 120, 5), false)
  while ((await app.pg.query('SELECT next_id FROM fold_summary_deltas_chunk(1000, 50000)')).rows[0].next_id !== null);
  const entries = async () => Number((await app.pg.query('SELECT coalesce(sum(n_pairs), 0)::int8 AS n FROM rollup_deltas')).rows[0].n)
  const queued = await entries()
  t.ok(queued > 0, 'the summary fold queued its deltas')
  const notFull = new SummaryFolder(app.pg.pool, DEFAULT_CHUNK_LIMITS, { ...DEFAULT_ROLLUP_FOLDING, delayMs: 3_600_000, fullEntries: queued + 1 })
  t.equal(await notFull.foldRollupChunk(), undefined)
  t.equal(await entries(), queued, 'one entry short of full, and young: the queue waits')
  const full = new SummaryFolder(app.pg.pool, DEFAULT_CHUNK_LIMITS, { ...DEFAULT_ROLLUP_FOLDING, delayMs: 3_600_000, fullEntries: queued })
  await full.foldRollupChunk()
  t.equal(await entries(), 0, 'full: folded at once')
  const [from, to] = ['2024-05-01T10:00:00Z', '2024-05-01T11:00:00Z']
  const body = await get(`/readings/aggregate?sensor_id=9&variable=temperature&from=${from}&to=${to}&bucket=5m`)
  sameBuckets(t, body.buckets, await expected(9, 'temperature', from, to, 300), 'from the rollups')
})

t.test('rebuild_reading_rollups() recomputes the rollups from readings stored without the writer (the migration\'s backfill)', async (t) => {
  await app.pg.query(`
    INSERT INTO readings (sensor_id, ts, variable, value, unit)
    SELECT 8, timestamptz '2024-05-01T10:00:00Z' + i * interval '13 s', 'temperature', (i * 7919) % 1000 / 10.0, 'u'
    FROM generate_series(0, 2000) i`)
  await app.pg.query('SELECT rebuild_reading_rollups()')
  for (const [from, to, bucket, seconds] of [['2024-05-01T10:00:00Z', '2024-05-01T18:00:00Z', '15m', 900], ['2024-05-01T09:59:00Z', '2024-05-01T17:01:07Z', '1h', 3600]] as const) {
    const body = await get(`/readings/aggregate?sensor_id=8&variable=temperature&from=${from}&to=${to}&bucket=${bucket}`)
    sameBuckets(t, body.buckets, await expected(8, 'temperature', from, to, seconds), `${bucket} over ${from}..${to}`)
  }
  const stats = await get(`/stats/ingest?from=${new Date(Date.now() - 3600_000).toISOString()}`)
  t.equal(stats.buckets.reduce((sum: number, b: { count: number }) => sum + b.count, 0), 2001, 'counted by arrival')
})

t.test('bucket=auto (the default) picks the smallest width giving at most 1,000 buckets', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['2024-05-01T10:00:00Z', '2024-05-01T11:00:00Z', '1m'],
    ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000001Z', '1m'],
    ['2024-05-01T00:00:00Z', '2024-05-02T00:00:00Z', '5m'],
    ['2024-05-01T00:00:00Z', '2024-05-08T00:00:00Z', '15m'],
    ['2024-05-01T00:00:00Z', '2024-05-31T00:00:00Z', '1h'],
    ['2024-01-01T00:00:00Z', '2024-07-01T00:00:00Z', '6h'],
    ['2020-01-01T00:00:00Z', '2024-01-01T00:00:00Z', '1d']
  ]
  const widths = [60, 300, 900, 3600, 21600, 86400]
  for (const [from, to, bucket] of cases) {
    const body = await get(`/readings/aggregate?sensor_id=1&variable=temperature&from=${from}&to=${to}`)
    t.equal(body.bucket, bucket, `${from}..${to}`)
    const count = (seconds: number) => Math.ceil((Date.parse(to) - Math.floor(Date.parse(from) / seconds / 1000) * seconds * 1000) / seconds / 1000)
    if (bucket !== '1d') t.ok(count(body.bucket_seconds) <= 1000, `${bucket}: at most 1,000 buckets`)
    const smaller = widths.filter((w) => w < body.bucket_seconds)
    t.ok(smaller.every((w) => count(w) > 1000), `${bucket}: every smaller width gives more than 1,000`)
  }
})

t.test('to defaults to now and from to 24 hours before it', async (t) => {
  const now = Date.now()
  await post(app, [
    { sensor_id: 9, timestamp: new Date(now - 60_000).toISOString(), variable: 'v', value: 1, unit: '' },
    { sensor_id: 9, timestamp: new Date(now - 25 * 3600_000).toISOString(), variable: 'v', value: 2, unit: '' }
  ])
  const body = await get('/readings/aggregate?sensor_id=9&variable=v')
  t.equal(body.bucket, '5m')
  t.ok(Math.abs(Date.parse(body.to) - now) < 60_000, 'to is now')
  t.equal(Date.parse(body.to) - Date.parse(body.from), 24 * 3600_000)
  t.same(body.buckets.map((b: Bucket) => b.count), [1], 'only the reading of the last 24 hours')
})

t.test('a range holding no readings answers no buckets', async (t) => {
  await seedFleet()
  for (const url of [
    '/readings/aggregate?sensor_id=1&variable=temperature&from=2023-01-01T00:00:00Z&to=2023-01-02T00:00:00Z',
    '/readings/aggregate?sensor_id=1&variable=pressure&from=2024-05-01T10:00:00Z&to=2024-05-01T12:00:00Z',
    '/readings/aggregate?sensor_id=77&variable=temperature&from=2024-05-01T10:00:00Z&to=2024-05-01T12:00:00Z',
    '/readings/aggregate?sensor_id=1&variable=temperature&from=2024-05-01T11:00:00Z&to=2024-05-01T11:00:00Z'
  ]) {
    t.same((await get(url)).buckets, [], url)
  }
})

t.test('GET /stats/ingest counts readings stored per bucket by arrival, every bucket present', async (t) => {
  const from = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000).toISOString()
  const readings = series(3, 'temperature', 300, 1)
  await post(app, readings)
  await post(app, readings) // a resend: duplicates are not stored again
  await post(app, series(4, 'temperature', 20, 1), false) // pending: counted from its delta
  t.equal(await pendingDeltas(), 1)
  const to = new Date(Date.now() + 1000).toISOString()
  const body = await get(`/stats/ingest?from=${from}&to=${to}&bucket=1m`)
  t.equal(body.bucket, '1m')
  t.equal(body.bucket_seconds, 60)
  t.equal(body.buckets.length, Math.ceil((Date.parse(to) - Date.parse(from)) / 60_000), 'dense: one bucket per minute')
  t.equal(body.buckets[0].start, from.replace('Z', '000Z'))
  t.ok(body.buckets.every((b: { start: string }, i: number) => Date.parse(b.start) === Date.parse(from) + i * 60_000), 'oldest first, a minute apart')
  t.equal(body.buckets.reduce((sum: number, b: { count: number }) => sum + b.count, 0), 320, 'each stored reading once')
  t.ok(body.buckets.some((b: { count: number }) => b.count === 0), 'empty minutes are present with 0')
})

t.test('GET /stats/ingest defaults to the last hour, auto picking one-minute buckets', async (t) => {
  await post(app, series(3, 'temperature', 10, 1))
  const body = await get('/stats/ingest')
  t.equal(body.bucket, '1m')
  t.equal(Date.parse(body.to) - Date.parse(body.from), 3600_000)
  t.ok(body.buckets.length === 60 || body.buckets.length === 61, `${body.buckets.length} buckets`)
  t.equal(body.buckets.at(-1).count, 10, 'the readings just stored, in the current minute')
})

t.test('bad parameters are a 400 problem naming the parameter', async (t) => {
  const cases: Array<[string, string]> = [
    ['/readings/aggregate?variable=t', 'sensor_id'],
    ['/readings/aggregate?sensor_id=1', 'variable'],
    ['/readings/aggregate?sensor_id=x&variable=t', 'sensor_id'],
    ['/readings/aggregate?sensor_id=1&variable=', 'variable'],
    ['/readings/aggregate?sensor_id=1&variable=t&bucket=2m', 'bucket'],
    ['/readings/aggregate?sensor_id=1&variable=t&bucket=1m&bucket=5m', 'bucket'],
    ['/readings/aggregate?sensor_id=1&variable=t&from=yesterday', 'from'],
    ['/readings/aggregate?sensor_id=1&variable=t&to=2024-05-01T10:00:00', 'to'],
    ['/readings/aggregate?sensor_id=1&variable=t&from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z', 'from'],
    ['/readings/aggregate?sensor_id=1&variable=t&from=2000-01-01T00:00:00Z&to=2024-05-01T00:00:00Z&bucket=1m', 'bucket'],
    ['/readings/aggregate?sensor_id=1&variable=t&limit=5', 'limit'],
    ['/stats/ingest?bucket=1w', 'bucket'],
    ['/stats/ingest?from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z', 'from'],
    ['/stats/ingest?from=0001-01-01T00:00:00Z&to=9999-01-01T00:00:00Z', 'bucket'],
    ['/stats/ingest?sensor_id=1', 'sensor_id']
  ]
  for (const [url, path] of cases) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 400, url)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.ok(res.json().errors.some((e: { path: string }) => e.path === path), `${url} names ${path}: ${res.body}`)
  }
})

t.test('after concurrent overlapping writes and folds, every rollup equals an aggregate over readings', async (t) => {
  const base = Date.parse('2024-05-01T12:00:00Z')
  const requests = overlappingRequests(base, 7000, 3600_000)
  let folding = true
  const folds = (async () => { while (folding) await app.summary.drain() })()
  const answers = await Promise.all(requests.map((payload) => app.inject({ method: 'POST', url: '/readings', payload })))
  folding = false
  await folds
  await app.summary.drain()
  t.same(answers.filter((a) => a.statusCode !== 200 && a.statusCode !== 201).map((a) => a.body), [], 'every request succeeded')

  const perMinute = `
    SELECT sensor_id, variable, date_bin(interval '1 minute', ts, timestamptz 'epoch') AS bucket, count(*)::int8 AS reading_count,
      min(value) AS min_value, max(value) AS max_value, sum(value) AS sum_value,
      min(ts) AS first_ts, (array_agg(value ORDER BY ts))[1] AS first_value, max(ts) AS last_ts, (array_agg(value ORDER BY ts DESC))[1] AS last_value
    FROM readings GROUP BY 1, 2, 3`
  const columns = 'sensor_id, variable, bucket, reading_count, min_value, max_value, sum_value, first_ts, first_value, last_ts, last_value'
  const minutes = await app.pg.query(`SELECT ${columns} FROM reading_rollups_minute ORDER BY 1, 2, 3`)
  t.same(minutes.rows, (await app.pg.query(`${perMinute} ORDER BY 1, 2, 3`)).rows, 'per minute')
  const hours = await app.pg.query(`SELECT ${columns} FROM reading_rollups_hour ORDER BY 1, 2, 3`)
  t.same(hours.rows, (await app.pg.query(`
    SELECT sensor_id, variable, date_bin(interval '1 hour', bucket, timestamptz 'epoch') AS bucket, sum(reading_count)::int8 AS reading_count,
      min(min_value) AS min_value, max(max_value) AS max_value, sum(sum_value) AS sum_value,
      min(first_ts) AS first_ts, (array_agg(first_value ORDER BY first_ts))[1] AS first_value, max(last_ts) AS last_ts, (array_agg(last_value ORDER BY last_ts DESC))[1] AS last_value
    FROM (${perMinute}) m GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`)).rows, 'per hour')
  const ingest = await app.pg.query('SELECT (SELECT sum(reading_count)::int FROM ingest_rollups_minute) AS rolled_up, (SELECT count(*)::int FROM readings) AS stored')
  t.equal(ingest.rows[0].rolled_up, ingest.rows[0].stored, 'ingest counts every stored reading once')
})
