import { Writable } from 'node:stream'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { PartitionMaintainer } from '../../src/partitions/maintainer.js'
import { build, testConfig, testPool } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'

const DAY_MS = 86_400_000
const day = (iso: string) => new Date(`${iso}T00:00:00Z`)
const reading = (sensorId: number, timestamp: string, value = 1) =>
  ({ sensor_id: sensorId, timestamp, variable: 'temperature', value, unit: 'C' })

type App = Awaited<ReturnType<typeof build>>

async function partitionOf (app: App, sensorId: number, ts: string): Promise<string | undefined> {
  const { rows } = await app.pg.query<{ p: string }>('SELECT tableoid::regclass::text AS p FROM readings WHERE sensor_id = $1 AND ts = $2', [sensorId, ts])
  return rows[0]?.p
}

async function partitionNames (app: App): Promise<string[]> {
  const { rows } = await app.pg.query<{ name: string }>('SELECT name FROM readings_partitions() ORDER BY lower_bound')
  return rows.map((r) => r.name)
}

async function summary (app: App) {
  await app.summary.drain()
  const { rows } = await app.pg.query(`
    SELECT sensor_id, variable, reading_count::int AS reading_count, first_seen, last_seen FROM sensor_variable_summary ORDER BY sensor_id, variable`)
  return rows
}

t.test('the app makes the partitions from now to now + MAX_FUTURE_SKEW_S when it starts', async (t) => {
  const app = await build(t, { partitionIntervalS: 86_400, summaryFoldIntervalMs: 0, maxFutureSkewS: 2 * 86_400 })
  const names = await partitionNames(app)
  const today = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS)
  for (let i = 0; i <= 2; i++) {
    const d = new Date(today.getTime() + i * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')
    t.ok(names.includes(`readings_p${d}_000000`), `${d} in ${names.join(', ')}`)
  }
  const res = await app.inject({ method: 'POST', url: '/readings', payload: [reading(1, new Date().toISOString())] })
  t.equal(res.statusCode, 201)
  const { rows } = await app.pg.query('SELECT count(*)::int AS n FROM readings_default')
  t.equal(rows[0].n, 0, 'a reading of now goes to its own partition, not the default')
})

t.test('readings no partition covers (a backfill from years ago, a clock ahead) are stored in the default partition', async (t) => {
  const app = await build(t, { partitionIntervalS: 86_400, summaryFoldIntervalMs: 0, maxFutureSkewS: 3 * 86_400 })
  // As if the rounds had failed since that day came within MAX_FUTURE_SKEW_S.
  const aheadAt = new Date(Date.now() + 3 * DAY_MS - 3600_000)
  const aheadRange = app.partitions.maintainer.rangeStart(aheadAt).toISOString().slice(0, 10).replaceAll('-', '')
  await app.pg.query(`DROP TABLE readings_p${aheadRange}_000000`)
  const ahead = aheadAt.toISOString()
  const res = await app.inject({ method: 'POST', url: '/readings', payload: [reading(1, '2019-03-04T05:06:07Z'), reading(1, ahead)] })
  t.equal(res.statusCode, 201)
  t.equal(await partitionOf(app, 1, '2019-03-04T05:06:07Z'), 'readings_default')
  t.equal(await partitionOf(app, 1, ahead), 'readings_default', 'a clock ahead, its partition not made')
  const again = await app.inject({ method: 'POST', url: '/readings', payload: reading(1, '2019-03-04T05:06:07Z', 2) })
  t.equal(again.statusCode, 409, 'the same key with another value is a conflict there too')
  t.same((await summary(app)).map((r) => r.reading_count), [2])
})

t.test('a partition made for a range the default partition holds rows of takes them over: nothing lost, nothing doubled', async (t) => {
  const app = await build(t, { partitionIntervalS: 86_400, summaryFoldIntervalMs: 0 })
  const payload = [reading(1, '2020-01-01T00:00:00Z'), reading(1, '2020-01-01T23:59:59.999999Z'), reading(2, '2020-01-02T00:00:00Z'), reading(2, '2020-01-01T12:00:00Z')]
  t.equal((await app.inject({ method: 'POST', url: '/readings', payload })).statusCode, 201)
  const before = await summary(app)

  const created = await app.partitions.maintainer.createRange(day('2020-01-01'))
  t.same(created, { partition: 'readings_p20200101_000000', moved: 3 })
  t.equal(await partitionOf(app, 1, '2020-01-01T23:59:59.999999Z'), 'readings_p20200101_000000')
  t.equal(await partitionOf(app, 2, '2020-01-02T00:00:00Z'), 'readings_default', 'the next range stays where it was')
  const { rows } = await app.pg.query('SELECT count(*)::int AS n, count(DISTINCT (sensor_id, ts, variable))::int AS keys FROM readings')
  t.same(rows[0], { n: 4, keys: 4 })
  t.same(await summary(app), before, 'the summary is untouched')

  const retry = await app.inject({ method: 'POST', url: '/readings', payload })
  t.same(retry.json().duplicates, 4, 'a retry of the moved readings is a duplicate, not a second copy')
  const conflict = await app.inject({ method: 'POST', url: '/readings', payload: reading(1, '2020-01-01T00:00:00Z', 9) })
  t.equal(conflict.statusCode, 409)
  t.equal(conflict.json().stored.value, 1, 'the moved reading is the stored one')
  t.equal(await app.partitions.maintainer.createRange(day('2020-01-01')), undefined, 'made once')
})

t.test('a round gives backfilled readings in the default partition partitions of their own, once they are a minute old', async (t) => {
  const app = await build(t, { partitionIntervalS: 86_400, summaryFoldIntervalMs: 0 })
  await app.pg.query(`
    INSERT INTO readings (sensor_id, ts, variable, value, unit, received_at)
    VALUES (1, '2018-06-01T10:00:00Z', 'v', 1, 'u', now() - interval '2 minutes'),
           (1, '2018-06-03T10:00:00Z', 'v', 1, 'u', now() - interval '2 minutes'),
           (1, '2018-06-05T10:00:00Z', 'v', 1, 'u', now())`)
  const round = await app.partitions.run()
  t.same(round.created.filter((p) => p.partition.startsWith('readings_p2018')), [
    { partition: 'readings_p20180601_000000', moved: 1 },
    { partition: 'readings_p20180603_000000', moved: 1 }
  ])
  t.equal(await partitionOf(app, 1, '2018-06-05T10:00:00Z'), 'readings_default', 'stored under a minute ago: a later round')
})

t.test('partition widths of hours: each range is its interval, aligned on the epoch', async (t) => {
  const db = await freshDatabase(t)
  const pool = testPool(t, db.url)
  const maintainer = new PartitionMaintainer(pool, { intervalS: 6 * 3600, maxFutureSkewS: 0 })
  const made = await maintainer.createAhead(new Date('2025-02-03T13:14:15Z'))
  t.same(made.map((p) => p.partition), ['readings_p20250203_120000', 'readings_p20250203_180000'])
  const { rows } = await pool.query('SELECT name, lower_bound, upper_bound FROM readings_partitions()')
  t.same(rows.map((r) => [r.name, r.upper_bound.getTime() - r.lower_bound.getTime()]), [
    ['readings_p20250203_120000', 6 * 3600_000], ['readings_p20250203_180000', 6 * 3600_000]
  ])
})

t.test('replicas making the same partitions at once make each exactly once', async (t) => {
  const db = await freshDatabase(t)
  const pools = Array.from({ length: 4 }, () => testPool(t, db.url))
  const now = new Date('2025-07-01T12:00:00Z')
  const rounds = await Promise.all(pools.map((pool) =>
    new PartitionMaintainer(pool, { intervalS: 86_400, maxFutureSkewS: 2 * 86_400 }).createAhead(now)))
  const made = rounds.flat().map((p) => p.partition).sort()
  t.same(made, ['20250701', '20250702', '20250703', '20250704'].map((d) => `readings_p${d}_000000`))
})

t.test('retention drops whole partitions older than RETENTION_DAYS; the summary keeps counting what was ever stored', async (t) => {
  const db = await freshDatabase(t)
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _enc, done) { lines.push(String(chunk)); done() } })
  const app = await buildApp(testConfig(db.url, { partitionIntervalS: 86_400, summaryFoldIntervalMs: 0, retentionDays: 30, logLevel: 'info' }), { logger: { level: 'info', stream } })
  t.teardown(() => app.close())
  await app.ready()

  const now = new Date()
  const old = new Date(now.getTime() - 40 * DAY_MS)
  const recent = new Date(now.getTime() - 10 * DAY_MS)
  for (const at of [old, recent]) await app.partitions.maintainer.createRange(app.partitions.maintainer.rangeStart(at))
  const oldTs = [0, 1, 2].map((i) => new Date(app.partitions.maintainer.rangeStart(old).getTime() + i * 3600_000).toISOString())
  const recentTs = [0, 1].map((i) => new Date(recent.getTime() + i * 1000).toISOString())
  const payload = [...oldTs.map((ts) => reading(5, ts)), ...recentTs.map((ts) => reading(5, ts)), reading(6, oldTs[0]!)]
  t.equal((await app.inject({ method: 'POST', url: '/readings', payload })).statusCode, 201)
  const everStored = await app.pg.query(`
    SELECT sensor_id, variable, count(*)::int AS reading_count, min(ts) AS first_seen, max(ts) AS last_seen
    FROM readings GROUP BY sensor_id, variable ORDER BY sensor_id, variable`)
  t.same(await summary(app), everStored.rows, 'before: the summary is an aggregate of the readings')

  const round = await app.partitions.run(now)
  const oldName = `readings_p${old.toISOString().slice(0, 10).replaceAll('-', '')}_000000`
  t.same(round.dropped.map((p) => p.partition), [oldName])
  t.notOk((await partitionNames(app)).includes(oldName))
  const left = await app.pg.query('SELECT sensor_id, ts FROM readings ORDER BY sensor_id, ts')
  t.same(left.rows.map((r) => r.ts.toISOString()), recentTs, 'the recent readings, all of them, and only they')
  t.same(await summary(app), everStored.rows, 'after: reading_count and first_seen still count every reading ever stored')
  t.same(round.oldestKept, new Date(recentTs[0]!))
  const logged = lines.map((l) => JSON.parse(l)).find((l) => l.partition === oldName && /dropped/.test(l.msg))
  t.ok(logged, 'the log says what was dropped')
  t.equal(logged.to, new Date(app.partitions.maintainer.rangeStart(old).getTime() + DAY_MS).toISOString())

  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
  t.match(metrics, /^iot_readings_partitions_dropped_total 1$/m)
  t.match(metrics, new RegExp(`^iot_readings_oldest_kept_timestamp_seconds ${Date.parse(recentTs[0]!) / 1000}$`, 'm'))
})

t.test('without RETENTION_DAYS nothing is dropped', async (t) => {
  const app = await build(t, { partitionIntervalS: 86_400, summaryFoldIntervalMs: 0 })
  await app.partitions.maintainer.createRange(day('2001-01-01'))
  const round = await app.partitions.run()
  t.same(round.dropped, [])
  t.ok((await partitionNames(app)).includes('readings_p20010101_000000'))
})
