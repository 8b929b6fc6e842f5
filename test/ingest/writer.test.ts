import t from 'tap'
import pg from 'pg'
import type { Reading } from '../../src/ingest/reading.js'
import { ReadingsRepository } from '../../src/ingest/repository.js'
import { BatchWriter, QueueFullError, WriteTimeoutError } from '../../src/ingest/writer.js'
import { testPool } from '../helpers/build.js'
import { freshDatabase, holdReadingsLock, truncateAll } from '../helpers/database.js'
import { until } from '../helpers/wait.js'

const db = await freshDatabase(t)
const pool = testPool(t, db.url)
t.beforeEach(() => truncateAll(db.url))

const options = { maxQueued: 1000, maxFlushRows: 1000, concurrency: 1, timeoutMs: 5000 }
const reading = (sensorId: number, ts = '2024-05-01T00:00:00Z'): Reading =>
  ({ sensorId, epochMs: Date.parse(ts), microsInMs: 0, variable: 'v', value: 1, unit: 'u' })
const count = async () => (await pool.query('SELECT count(*)::int AS n FROM readings')).rows[0].n

t.test('data PostgreSQL rejects fails only its own request, not the others in the flush', async (t) => {
  const writer = new BatchWriter(new ReadingsRepository(pool), options)
  const releaseLock = await holdReadingsLock(pool)
  const first = writer.write([reading(1)]) // holds the only flush slot behind the lock
  await until(() => writer.flushesInFlight === 1)
  // Validation normally keeps such text out; here it goes straight to the writer.
  const bad = writer.write([{ ...reading(2), variable: 'nul \u0000 inside' }])
  const good = writer.write([reading(3)])
  await releaseLock()
  t.same(await first, [{ status: 'inserted' }])
  await t.rejects(bad, { code: '22021' }) // invalid byte sequence
  t.same(await good, [{ status: 'inserted' }])
  t.equal(await count(), 2)
})

t.test('a request that does not fit the queue is refused with QueueFullError', async (t) => {
  const writer = new BatchWriter(new ReadingsRepository(pool), { ...options, maxQueued: 2 })
  const releaseLock = await holdReadingsLock(pool)
  const first = writer.write([reading(1)])
  await until(() => writer.flushesInFlight === 1)
  const second = writer.write([reading(2), reading(3)])
  await t.rejects(writer.write([reading(4)]), QueueFullError)
  await releaseLock()
  await Promise.all([first, second])
  t.equal(await count(), 3)
})

t.test('a queued request that times out is taken out of the queue and never written', async (t) => {
  const writer = new BatchWriter(new ReadingsRepository(pool), { ...options, timeoutMs: 200 })
  const releaseLock = await holdReadingsLock(pool)
  const first = writer.write([reading(1)])
  await until(() => writer.flushesInFlight === 1)
  const queued = writer.write([reading(2)])
  await Promise.all([
    t.rejects(queued, { name: 'WriteTimeoutError', message: /nothing was stored/ }),
    t.rejects(first, WriteTimeoutError, 'the flush in flight times out too')
  ])
  t.equal(writer.queueDepth, 0)
  await releaseLock()
  await writer.drain()
  const { rows } = await pool.query('SELECT sensor_id FROM readings')
  t.same(rows.map((r) => r.sensor_id), [1], 'the in-flight reading committed after all; the queued one was never sent')
})

t.test('drain waits for queued and in-flight writes', async (t) => {
  const writer = new BatchWriter(new ReadingsRepository(pool), options)
  const writes = [1, 2, 3].map((i) => writer.write([reading(i)]))
  await writer.drain()
  t.equal(writer.pending, 0)
  t.equal(await count(), 3)
  await Promise.all(writes)
})

t.test('a flush that meets an already stored key keeps its database connection', async (t) => {
  const ownPool = new pg.Pool({ connectionString: db.url, max: 1 })
  t.teardown(() => ownPool.end())
  let connections = 0
  ownPool.on('connect', () => { connections++ })
  const writer = new BatchWriter(new ReadingsRepository(ownPool), options)
  t.same(await writer.write([reading(1)]), [{ status: 'inserted' }])
  t.same(await writer.write([reading(1), reading(2)]), [{ status: 'duplicate' }, { status: 'inserted' }])
  t.same(await writer.write([{ ...reading(2), value: 5 }]), [{ status: 'conflict', stored: { sensor_id: 2, timestamp: '2024-05-01T00:00:00.000000Z', variable: 'v', value: 1, unit: 'u' } }])
  t.equal(connections, 1, 'one connection served every flush')
  t.equal(await count(), 2)
})

t.test('a flush that meets a deadlock (SQLSTATE 40P01) is written again, and no queued request is failed', async (t) => {
  // PostgreSQL aborts the transaction that finds the deadlock, one deadlock_timeout after it began
  // to wait: the flush's, once the cycle below is closed (the test's own waits 60 s).
  const writerPool = new pg.Pool({ connectionString: db.url, max: 2, options: '-c deadlock_timeout=3s' })
  t.teardown(() => writerPool.end())
  const writer = new BatchWriter(new ReadingsRepository(writerPool), { ...options, timeoutMs: 20_000 })
  // The test's transaction stores key B, then key A, while the flush writes A, then B (key order).
  const other = await pool.connect()
  t.teardown(() => other.release())
  await other.query("BEGIN; SET LOCAL deadlock_timeout = '60s'")
  await other.query("INSERT INTO readings (sensor_id, ts, variable, value, unit) VALUES (2, '2024-05-01T00:00:00Z', 'v', 1, 'u')")
  const flushed = writer.write([reading(1), reading(2)])
  await until(async () => (await pool.query(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")).rows[0].n > 0,
  5000, 'the flush to wait for key B')
  const queued = writer.write([reading(3)])
  // Closes the cycle.
  await other.query("INSERT INTO readings (sensor_id, ts, variable, value, unit) VALUES (1, '2024-05-01T00:00:00Z', 'v', 1, 'u')")
  await other.query('ROLLBACK')
  t.same(await flushed, [{ status: 'inserted' }, { status: 'inserted' }], 'the retried flush stored both')
  t.same(await queued, [{ status: 'inserted' }])
  t.equal(await count(), 3)
})

t.test('a conflict that outlasts its retries fails its own flush with 503 material, and only it', async (t) => {
  const repository = new ReadingsRepository(pool)
  let attempts = 0
  const insertAll = repository.insertAll.bind(repository)
  repository.insertAll = async (readings) => {
    if (readings.some((r) => r.sensorId === 666)) {
      attempts++
      throw Object.assign(new Error('could not serialize access due to concurrent update'), { code: '40001' })
    }
    return insertAll(readings)
  }
  const writer = new BatchWriter(repository, options)
  const doomed = writer.write([reading(666)])
  const queued = writer.write([reading(7)])
  await t.rejects(doomed, { name: 'DatabaseUnavailableError' })
  t.equal(attempts, 4, 'the first attempt and three retries')
  t.same(await queued, [{ status: 'inserted' }], 'the request queued behind it is written')
})
