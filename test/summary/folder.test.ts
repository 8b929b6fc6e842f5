import t from 'tap'
import { buildApp } from '../../src/app.js'
import { subscribe, summaryFold } from '../../src/diagnostics.js'
import { migrate } from '../../src/db/migrate.js'
import { build, testConfig, testPool } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'
import { until } from '../helpers/wait.js'

const reading = (second: number, value: number) =>
  ({ sensor_id: 3, timestamp: `2024-05-01T12:00:${String(second).padStart(2, '0')}Z`, variable: 'temperature', value, unit: 'C' })

async function pending (app: Awaited<ReturnType<typeof build>>): Promise<number> {
  const { rows } = await app.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM sensor_summary_deltas')
  return rows[0]!.n
}

async function deltaPages (app: Awaited<ReturnType<typeof build>>): Promise<number> {
  const { rows } = await app.pg.query<{ pages: number }>("SELECT (pg_relation_size('sensor_summary_deltas') / 8192)::int AS pages")
  return rows[0]!.pages
}

async function summaryRows (app: Awaited<ReturnType<typeof build>>) {
  const { rows } = await app.pg.query('SELECT sensor_id, variable, reading_count::int AS reading_count, latest_value FROM sensor_variable_summary')
  return rows
}

t.test('a flush leaves one delta row, which a fold moves into the summary once', async (t) => {
  const app = await build(t, { summaryFoldIntervalMs: 0 })
  const res = await app.inject({ method: 'POST', url: '/readings', payload: [reading(1, 20), reading(2, 21)] })
  t.equal(res.statusCode, 201)
  t.equal(await pending(app), 1)
  t.same(await summaryRows(app), [], 'the summary is untouched until a fold')

  t.equal(await app.summary.drain(), 1, 'one delta row folded')
  t.equal(await pending(app), 0)
  t.same(await summaryRows(app), [{ sensor_id: 3, variable: 'temperature', reading_count: 2, latest_value: 21 }])

  t.equal(await app.summary.drain(), 0, 'nothing left to fold')
  t.same(await summaryRows(app), [{ sensor_id: 3, variable: 'temperature', reading_count: 2, latest_value: 21 }], 'a second fold changes nothing')
})

t.test('a flush with one reading per sensor and variable folds into one summary row each', async (t) => {
  const app = await build(t, { summaryFoldIntervalMs: 0 })
  const res = await app.inject({
    method: 'POST',
    url: '/readings',
    payload: [reading(1, 20), { ...reading(2, 21), sensor_id: 4 }, { ...reading(3, 22), variable: 'humidity' }]
  })
  t.equal(res.statusCode, 201)
  t.equal(await app.summary.drain(), 1)
  const { rows } = await app.pg.query(`
    SELECT sensor_id, variable, reading_count::int AS reading_count, first_seen = last_seen AS one_instant, latest_value
    FROM sensor_variable_summary ORDER BY sensor_id, variable`)
  t.same(rows, [
    { sensor_id: 3, variable: 'humidity', reading_count: 1, one_instant: true, latest_value: 22 },
    { sensor_id: 3, variable: 'temperature', reading_count: 1, one_instant: true, latest_value: 20 },
    { sensor_id: 4, variable: 'temperature', reading_count: 1, one_instant: true, latest_value: 21 }
  ])
})

t.test('a request that stores nothing new leaves no delta', async (t) => {
  const app = await build(t, { summaryFoldIntervalMs: 0 })
  await app.inject({ method: 'POST', url: '/readings', payload: reading(1, 20) })
  await app.summary.drain()
  const resend = await app.inject({ method: 'POST', url: '/readings', payload: reading(1, 20) })
  t.equal(resend.statusCode, 200)
  const conflict = await app.inject({ method: 'POST', url: '/readings', payload: reading(1, 99) })
  t.equal(conflict.statusCode, 409)
  t.equal(await pending(app), 0)
})

t.test('a read counts the readings committed before it, with no timer folding', async (t) => {
  const app = await build(t, { summaryFoldIntervalMs: 0 })
  await app.inject({ method: 'POST', url: '/readings', payload: [reading(1, 20), reading(2, 21), reading(3, 22)] })
  const res = await app.inject({ method: 'GET', url: '/sensors/3' })
  t.equal(res.statusCode, 200)
  t.equal(res.json().reading_count, 3)
  t.equal(await pending(app), 0, 'the read folded the pending delta')
})

t.test('a read that meets no pending delta answers without folding', async (t) => {
  const app = await build(t, { summaryFoldIntervalMs: 0 })
  await app.inject({ method: 'POST', url: '/readings', payload: [reading(1, 20), reading(2, 21)] })
  const folds: number[] = []
  t.teardown(subscribe(summaryFold, app.summary, (fold) => { folds.push(fold.deltas) }))
  t.equal((await app.inject({ method: 'GET', url: '/sensors/3' })).json().reading_count, 2)
  t.same(folds, [1], 'the first read met the delta and folded it')
  t.equal((await app.inject({ method: 'GET', url: '/sensors/3' })).json().reading_count, 2)
  t.equal((await app.inject({ method: 'GET', url: '/sensors?limit=5' })).json().sensors.length, 1)
  t.same(folds, [1], 'later reads met none and did not fold')
})

t.test('vacuum() gives back the pages of folded deltas', async (t) => {
  const app = await build(t, { summaryFoldIntervalMs: 0 })
  for (let second = 1; second <= 5; second++) await app.inject({ method: 'POST', url: '/readings', payload: reading(second, second) })
  t.equal(await app.summary.drain(), 5)
  t.ok(await deltaPages(app) > 0, 'folded deltas leave dead rows behind')
  await app.summary.vacuum()
  t.equal(await deltaPages(app), 0)
})

t.test('every SUMMARY_FOLD_INTERVAL_MS the app folds and vacuums without being asked', async (t) => {
  const app = await build(t, { summaryFoldIntervalMs: 20 })
  await app.inject({ method: 'POST', url: '/readings', payload: [reading(1, 20), reading(2, 21)] })
  await until(async () => await pending(app) === 0 && await deltaPages(app) === 0, 5000, 'a timed fold and vacuum')
  t.same(await summaryRows(app), [{ sensor_id: 3, variable: 'temperature', reading_count: 2, latest_value: 21 }])
})

t.test('a round whose VACUUM an open snapshot kept from reclaiming is followed by ones that do, with nothing new to fold', async (t) => {
  const db = await freshDatabase(t)
  const app = await build(t, { databaseUrl: db.url, summaryFoldIntervalMs: 20 })
  let vacuums = 0
  const vacuum = app.summary.vacuum.bind(app.summary)
  app.summary.vacuum = async () => { await vacuum(); vacuums++ }
  // A snapshot taken before the fold deletes the delta row: no VACUUM may remove it while open.
  const snapshot = await testPool(t, db.url).connect()
  await snapshot.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
  await snapshot.query('SELECT count(*) FROM sensor_summary_deltas')
  await app.inject({ method: 'POST', url: '/readings', payload: reading(1, 20) })
  await until(async () => await pending(app) === 0 && vacuums > 0, 5000, 'a timed fold and vacuum')
  const vacuumsWithSnapshotOpen = vacuums
  t.ok(await deltaPages(app) > 0, 'the dead row outlived the vacuum')
  await snapshot.query('COMMIT')
  snapshot.release()
  await until(async () => vacuums > vacuumsWithSnapshotOpen && await deltaPages(app) === 0, 5000, 'a later round to vacuum and reclaim the pages')
  t.equal(await pending(app), 0)
})

t.test('the fold timer starts only once the app is ready, after the migrations in a server', async (t) => {
  const db = await freshDatabase(t, { migrated: false })
  const app = await buildApp(testConfig(db.url, { summaryFoldIntervalMs: 10 }), { logger: false })
  t.teardown(() => app.close())
  let folds = 0
  t.teardown(subscribe(summaryFold, app.summary, () => { folds++ }))
  const failing = app.summary.drain.bind(app.summary)
  let failures = 0
  app.summary.drain = () => failing().catch((err: unknown) => { failures++; throw err })
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(failures, 0, 'no fold met the missing table')
  t.equal(folds, 0)
  await migrate(db.url)
  await app.ready()
  await until(() => folds > 0, 5000, 'a timed fold')
  t.equal(failures, 0)
})
