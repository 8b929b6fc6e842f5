import t from 'tap'
import { request } from 'undici'
import { build, testPool } from '../helpers/build.js'
import { freshDatabase, holdReadingsLock } from '../helpers/database.js'
import { until } from '../helpers/wait.js'

t.test('closing under load loses no acknowledged reading and finishes in-flight writes', async (t) => {
  const db = await freshDatabase(t)
  const app = await build(t, { databaseUrl: db.url })
  const origin = await app.listen({ port: 0, host: '127.0.0.1' })

  // Hold writes behind a table lock so requests are mid-flight when close() starts.
  const blocker = testPool(t, db.url)
  const releaseLock = await holdReadingsLock(blocker)

  const send = (i: number) => request(`${origin}/readings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sensor_id: i, timestamp: '2024-05-01T00:00:00Z', variable: 'v', value: i, unit: 'u' })
  }).then(async (res) => ({ i, status: res.statusCode, body: await res.body.text() }))
    .catch((err: Error) => ({ i, status: 0, body: err.message }))

  const inFlight = Array.from({ length: 40 }, (_, i) => send(i))
  await until(() => app.writer.pending === 40, 5000, 'all 40 readings to be in flight or queued')
  const closing = app.close()
  await until(() => app.lifecycle.draining, 1000, 'draining')
  await releaseLock()
  const results = await Promise.all(inFlight)
  await closing

  const acknowledged = results.filter((r) => r.status === 201).map((r) => r.i)
  t.equal(acknowledged.length, 40, 'every request that was in flight when close began was answered 201')
  const { rows } = await blocker.query('SELECT sensor_id FROM readings ORDER BY sensor_id')
  t.same(rows.map((r) => r.sensor_id), acknowledged.sort((a, b) => a - b), 'every acknowledged reading is stored')

  const late = await send(999)
  t.not(late.status, 201, 'a request after close is not acknowledged')
})
