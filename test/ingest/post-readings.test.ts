import { gzipSync } from 'node:zlib'
import t, { type Test } from 'tap'
import { build as buildOn } from '../helpers/build.js'
import { freshDatabase, truncateAll } from '../helpers/database.js'

const db = await freshDatabase(t)
t.beforeEach(() => truncateAll(db.url))
const build = (t: Test, overrides = {}) => buildOn(t, { databaseUrl: db.url, ...overrides })

const reading = (overrides: Record<string, unknown> = {}) => ({
  sensor_id: 7, timestamp: '2024-05-01T12:00:00.000001Z', variable: 'temperature', value: 21.5, unit: 'C', ...overrides
})

type App = Awaited<ReturnType<typeof build>>

const post = (app: App, payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/readings', payload: payload as object, headers })

const storedCount = async (app: App) => Number((await app.pg.query('SELECT count(*) AS n FROM readings')).rows[0].n)

t.test('a new reading is stored and answered 201 with counts', async (t) => {
  const app = await build(t)
  const res = await post(app, reading())
  t.equal(res.statusCode, 201)
  t.same(res.json(), { received: 1, inserted: 1, duplicates: 0, conflicts: [] })
  const { rows } = await app.pg.query(`SELECT sensor_id, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS ts,
    variable, value, unit FROM readings`)
  t.same(rows, [{ sensor_id: 7, ts: '2024-05-01T12:00:00.000001', variable: 'temperature', value: 21.5, unit: 'C' }])
})

t.test('an exact resend is a safe retry: 200, counted as a duplicate, stored once', async (t) => {
  const app = await build(t)
  await post(app, reading())
  const res = await post(app, reading())
  t.equal(res.statusCode, 200)
  t.same(res.json(), { received: 1, inserted: 0, duplicates: 1, conflicts: [] })
  t.equal(await storedCount(app), 1)
})

t.test('a batch with some readings already stored: 201 with both counts', async (t) => {
  const app = await build(t)
  await post(app, reading())
  const res = await post(app, [reading(), reading({ variable: 'humidity', value: 40, unit: '%' })])
  t.equal(res.statusCode, 201)
  t.same(res.json(), { received: 2, inserted: 1, duplicates: 1, conflicts: [] })
})

t.test('a batch of readings all stored already: 200', async (t) => {
  const app = await build(t)
  const batch = [reading(), reading({ sensor_id: 8 })]
  await post(app, batch)
  const res = await post(app, batch)
  t.equal(res.statusCode, 200)
  t.same(res.json(), { received: 2, inserted: 0, duplicates: 2, conflicts: [] })
})

t.test('a single reading whose key is stored with another value: 409 with the stored reading', async (t) => {
  const app = await build(t)
  await post(app, reading())
  const res = await post(app, reading({ value: 99 }))
  t.equal(res.statusCode, 409)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  const body = res.json()
  t.equal(body.status, 409)
  t.same(body.stored, { sensor_id: 7, timestamp: '2024-05-01T12:00:00.000001Z', variable: 'temperature', value: 21.5, unit: 'C' })
})

t.test('a different unit for a stored key is a conflict too', async (t) => {
  const app = await build(t)
  await post(app, reading())
  const res = await post(app, reading({ unit: 'F' }))
  t.equal(res.statusCode, 409)
  t.equal(res.json().stored.unit, 'C')
})

t.test('a batch with a conflict lists it by index and stores the rest', async (t) => {
  const app = await build(t)
  await post(app, reading())
  const res = await post(app, [reading({ sensor_id: 9 }), reading({ value: 0 })])
  t.equal(res.statusCode, 201)
  t.same(res.json(), {
    received: 2,
    inserted: 1,
    duplicates: 0,
    conflicts: [{ index: 1, stored: { sensor_id: 7, timestamp: '2024-05-01T12:00:00.000001Z', variable: 'temperature', value: 21.5, unit: 'C' } }]
  })
  t.equal(await storedCount(app), 2)
})

t.test('a batch repeating one key: the first is stored, an equal repeat is a duplicate, a different one a conflict', async (t) => {
  const app = await build(t)
  const res = await post(app, [reading(), reading(), reading({ value: 1 })])
  t.equal(res.statusCode, 201)
  const body = res.json()
  t.equal(body.inserted, 1)
  t.equal(body.duplicates, 1)
  t.same(body.conflicts.map((c: { index: number }) => c.index), [2])
  t.equal(body.conflicts[0].stored.value, 21.5)
})

t.test('the same instant written with two offsets is one reading', async (t) => {
  const app = await build(t)
  await post(app, reading({ timestamp: '2024-05-01T00:00:00Z' }))
  const res = await post(app, reading({ timestamp: '2024-05-01T03:00:00+03:00' }))
  t.equal(res.statusCode, 200)
  t.equal(res.json().duplicates, 1)
  t.equal(await storedCount(app), 1)
})

t.test('epoch milliseconds and ISO 8601 for the same instant are one reading', async (t) => {
  const app = await build(t)
  await post(app, reading({ timestamp: Date.parse('2024-05-01T00:00:00.123Z') }))
  const res = await post(app, reading({ timestamp: '2024-05-01T00:00:00.123000Z' }))
  t.equal(res.json().duplicates, 1)
})

t.test('two readings one microsecond apart are two readings, both kept to the microsecond', async (t) => {
  const app = await build(t)
  const res = await post(app, [reading({ timestamp: '2024-05-01T00:00:00.000001Z' }), reading({ timestamp: '2024-05-01T00:00:00.000002Z' })])
  t.equal(res.json().inserted, 2)
  const { rows } = await app.pg.query('SELECT to_char(ts AT TIME ZONE \'UTC\', \'SS.US\') AS s FROM readings ORDER BY ts')
  t.same(rows.map((r) => r.s), ['00.000001', '00.000002'])
})

t.test('a timestamp finer than a microsecond is rejected, not rounded', async (t) => {
  const app = await build(t)
  const res = await post(app, reading({ timestamp: '2024-05-01T00:00:00.0000001Z' }))
  t.equal(res.statusCode, 400)
  t.match(res.json().errors, [{ index: 0, path: 'timestamp', message: /microsecond/ }])
  t.equal(await storedCount(app), 0)
})

t.test('a batch with one invalid reading stores nothing and names the reading and field', async (t) => {
  const app = await build(t)
  const res = await post(app, [reading(), reading({ sensor_id: 8 }), reading({ value: '12' })])
  t.equal(res.statusCode, 400)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json(), { status: 400, errors: [{ index: 2, path: 'value' }] })
  t.equal(await storedCount(app), 0)
})

t.test('a timestamp too far in the future is rejected', async (t) => {
  const app = await build(t)
  const res = await post(app, reading({ timestamp: new Date(Date.now() + 3600_000).toISOString() }))
  t.equal(res.statusCode, 400)
  t.match(res.json().errors, [{ path: 'timestamp', message: /future/ }])
})

t.test('NDJSON: one reading per line, blank lines skipped', async (t) => {
  const app = await build(t)
  const body = [reading(), reading({ sensor_id: 8 }), ''].map((r) => (r === '' ? '' : JSON.stringify(r))).join('\n')
  const res = await post(app, body, { 'content-type': 'application/x-ndjson' })
  t.equal(res.statusCode, 201)
  t.equal(res.json().inserted, 2)
})

t.test('NDJSON with a broken line names the line and stores nothing', async (t) => {
  const app = await build(t)
  const res = await post(app, `${JSON.stringify(reading())}\n{"sensor_id":`, { 'content-type': 'application/x-ndjson' })
  t.equal(res.statusCode, 400)
  t.match(res.json().detail, /line 2/)
  t.equal(await storedCount(app), 0)
})

t.test('a gzip-encoded body is accepted', async (t) => {
  const app = await build(t)
  const res = await post(app, gzipSync(JSON.stringify([reading(), reading({ sensor_id: 8 })])), {
    'content-type': 'application/json', 'content-encoding': 'gzip'
  })
  t.equal(res.statusCode, 201)
  t.equal(res.json().inserted, 2)
})

t.test('a gzip body that inflates beyond BODY_LIMIT is 413', async (t) => {
  const app = await build(t, { bodyLimit: 4096 })
  const huge = JSON.stringify([reading({ variable: 'x'.repeat(100) })]) + ' '.repeat(100_000)
  const res = await post(app, gzipSync(huge), { 'content-type': 'application/json', 'content-encoding': 'gzip' })
  t.equal(res.statusCode, 413)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
})

t.test('a body above BODY_LIMIT is 413 problem+json', async (t) => {
  const app = await build(t, { bodyLimit: 2048 })
  const res = await post(app, Array.from({ length: 50 }, (_, i) => reading({ sensor_id: i })))
  t.equal(res.statusCode, 413)
  t.equal(res.json().status, 413)
})

t.test('a batch above MAX_BATCH is 413 and stores nothing', async (t) => {
  const app = await build(t, { maxBatch: 3 })
  const res = await post(app, Array.from({ length: 4 }, (_, i) => reading({ sensor_id: i })))
  t.equal(res.statusCode, 413)
  t.match(res.json().detail, /At most 3 readings/)
  t.equal(await storedCount(app), 0)
})

t.test('a wrong content type is 415 problem+json', async (t) => {
  const app = await build(t)
  const res = await post(app, JSON.stringify(reading()), { 'content-type': 'text/plain' })
  t.equal(res.statusCode, 415)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
})

t.test('malformed JSON is 400 problem+json without parser internals', async (t) => {
  const app = await build(t)
  const res = await post(app, '{"sensor_id": 1,', { 'content-type': 'application/json' })
  t.equal(res.statusCode, 400)
  t.same(res.json(), { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'The request body is not valid JSON' })
})

t.test('an empty batch is 400', async (t) => {
  const app = await build(t)
  const res = await post(app, [])
  t.equal(res.statusCode, 400)
  t.match(res.json().detail, /no readings/)
})

t.test('INGEST_TOKENS: POST without a valid bearer token is 401, with one it is stored', async (t) => {
  const app = await build(t, { ingestTokens: ['s3cret', 'other'] })
  const missing = await post(app, reading())
  t.equal(missing.statusCode, 401)
  t.match(missing.headers['content-type'], /^application\/problem\+json/)
  const wrong = await post(app, reading(), { authorization: 'Bearer nope' })
  t.equal(wrong.statusCode, 401)
  const right = await post(app, reading(), { authorization: 'Bearer other' })
  t.equal(right.statusCode, 201)
  const health = await app.inject({ method: 'GET', url: '/health' })
  t.equal(health.statusCode, 200, 'health stays open')
})

t.test('an unknown route is a 404 problem', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/nope?x=1' })
  t.equal(res.statusCode, 404)
  t.same(res.json(), { type: 'about:blank', title: 'Not Found', status: 404, detail: 'No route for GET /nope' })
})
