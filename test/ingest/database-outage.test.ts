import t from 'tap'
import { build } from '../helpers/build.js'
import { freshDatabase, holdReadingsLock } from '../helpers/database.js'
import { startTcpProxy, throughProxy } from '../helpers/tcp-proxy.js'
import { until } from '../helpers/wait.js'

const reading = (sensorId: number) => ({ sensor_id: sensorId, timestamp: '2024-05-01T00:00:00Z', variable: 'v', value: 1, unit: 'u' })

t.test('database cut: 503 with Retry-After within 2 s, then writes succeed again without a restart', async (t) => {
  const db = await freshDatabase(t)
  const dbUrl = new URL(db.url)
  const proxy = await startTcpProxy(dbUrl.hostname, Number(dbUrl.port || 5432))
  t.teardown(() => proxy.close())
  const app = await build(t, { databaseUrl: throughProxy(db.url, proxy), dbConnectTimeoutMs: 1000 })

  const before = await app.inject({ method: 'POST', url: '/readings', payload: reading(1) })
  t.equal(before.statusCode, 201)

  proxy.cut()
  const started = Date.now()
  const during = await Promise.all([2, 3, 4].map((id) => app.inject({ method: 'POST', url: '/readings', payload: reading(id) })))
  const elapsed = Date.now() - started
  for (const res of during) {
    t.equal(res.statusCode, 503)
    t.ok(Number(res.headers['retry-after']) > 0, 'Retry-After is set')
    t.match(res.headers['content-type'], /^application\/problem\+json/)
  }
  t.ok(elapsed < 2000, `answered within 2 s (took ${elapsed} ms)`)
  const ready = await app.inject({ method: 'GET', url: '/ready' })
  t.equal(ready.statusCode, 503, '/ready fails while the database is away')
  t.equal(ready.json().checks['postgres:connection'][0].status, 'fail')

  proxy.restore()
  const after = await app.inject({ method: 'POST', url: '/readings', payload: reading(5) })
  t.equal(after.statusCode, 201, 'writes work again')
  const retried = await app.inject({ method: 'POST', url: '/readings', payload: reading(2) })
  t.equal(retried.statusCode, 201, 'a reading refused during the outage is stored on retry')
  const { rows } = await app.pg.query('SELECT sensor_id FROM readings ORDER BY sensor_id')
  t.same(rows.map((r) => r.sensor_id), [1, 2, 5], 'nothing refused with 503 was stored')
  t.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200)
})

t.test('a database that stops answering: 503 with Retry-After at the write timeout, never a hang', async (t) => {
  const db = await freshDatabase(t)
  const dbUrl = new URL(db.url)
  const proxy = await startTcpProxy(dbUrl.hostname, Number(dbUrl.port || 5432))
  t.teardown(() => proxy.close())
  const app = await build(t, { databaseUrl: throughProxy(db.url, proxy), writeTimeoutMs: 1500, dbStatementTimeoutMs: 1000 })
  t.equal((await app.inject({ method: 'POST', url: '/readings', payload: reading(1) })).statusCode, 201)

  proxy.freeze()
  const started = Date.now()
  const res = await app.inject({ method: 'POST', url: '/readings', payload: reading(2) })
  const elapsed = Date.now() - started
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '2')
  t.match(res.json().detail, /in time.*safe/)
  t.ok(elapsed < 2000, `answered within 2 s (took ${elapsed} ms)`)
  const ready = await app.inject({ method: 'GET', url: '/ready' })
  t.equal(ready.statusCode, 503, '/ready fails instead of hanging')
  t.match(ready.json().checks['postgres:connection'][0].output, /no answer within/)

  proxy.restore()
  await until(() => app.writer.flushesInFlight === 0, 10_000, 'the frozen flush to settle')
  const retry = await app.inject({ method: 'POST', url: '/readings', payload: reading(2) })
  t.ok([200, 201].includes(retry.statusCode), `the retry is acknowledged (${retry.statusCode})`)
  const { rows } = await app.pg.query('SELECT count(*)::int AS n FROM readings WHERE sensor_id = 2')
  t.equal(rows[0].n, 1, 'stored exactly once whatever the first attempt did')
})

t.test('a full write queue answers 503 with Retry-After at once', async (t) => {
  const app = await build(t, { writeQueueMax: 2, writeConcurrency: 1, dbPoolMax: 2 })
  // Hold a lock on the table so the one flush in flight waits and later requests queue behind it.
  const releaseLock = await holdReadingsLock(app.pg.pool)
  const first = app.inject({ method: 'POST', url: '/readings', payload: reading(1) })
  await until(() => app.writer.flushesInFlight === 1, 5000, 'the first flush')
  const queued = app.inject({ method: 'POST', url: '/readings', payload: [reading(2), reading(3)] })
  await until(() => app.writer.queueDepth === 2, 5000, 'the queue to fill')
  const refused = await app.inject({ method: 'POST', url: '/readings', payload: reading(4) })
  t.equal(refused.statusCode, 503)
  t.equal(refused.headers['retry-after'], '1')
  t.match(refused.json().detail, /queue is full/)
  await releaseLock()
  t.equal((await first).statusCode, 201)
  t.equal((await queued).statusCode, 201)
})
