import { Writable } from 'node:stream'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { testConfig, testPool } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'
import { until } from '../helpers/wait.js'

const reading = (second: number) =>
  ({ sensor_id: 5, timestamp: `2024-05-01T12:00:${String(second).padStart(2, '0')}Z`, variable: 'temperature', value: second, unit: 'C' })

t.test('reads waiting for a fold when the app closes answer at once, and nothing meets the ended pool', async (t) => {
  const db = await freshDatabase(t)
  const logs: Array<{ level: number, msg: string, err?: { message?: string } }> = []
  const stream = new Writable({ write (chunk: Buffer, _encoding, done) { logs.push(JSON.parse(chunk.toString())); done() } })
  const app = await buildApp(testConfig(db.url, { summaryFoldIntervalMs: 10, summaryReadWaitMs: 60_000 }), { logger: { level: 'warn', stream } })
  let readsReceived = 0
  app.addHook('onRequest', async (request) => { if (request.method === 'GET') readsReceived++ })
  const origin = await app.listen({ port: 0, host: '127.0.0.1' })
  const post = (second: number) => fetch(`${origin}/readings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(reading(second)) })
  t.equal((await post(1)).status, 201)
  await app.summary.drain()

  // Folds wait behind the test's hold on their advisory lock, and reads wait for them.
  const pool = testPool(t, db.url)
  const lock = await pool.connect()
  await lock.query("SELECT pg_advisory_lock(hashtextextended('fold_sensor_summary_deltas', 0))")
  t.equal((await post(2)).status, 201)
  const reads = Array.from({ length: 3 }, () => fetch(`${origin}/sensors/5`).then(async (res) => ({ status: res.status, body: await res.json() })))
  await until(async () => {
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    return readsReceived === 3 && rows[0].n > 0
  }, 5000, 'the reads to arrive and a fold to wait for the lock')

  const closed = app.close()
  const answers = await Promise.all(reads)
  t.same(answers.map((a) => a.status), [200, 200, 200], 'every read in flight was answered')
  t.match(answers[0]!.body, { reading_count: 1, pending_readings: 1, as_of: /Z$/ }, 'with what the summary counted')
  await lock.query("SELECT pg_advisory_unlock(hashtextextended('fold_sensor_summary_deltas', 0))")
  lock.release()
  await closed
  t.same(logs.filter((l) => l.level >= 40), [], 'nothing failed or warned, no "Cannot use a pool after calling end on the pool"')
})
