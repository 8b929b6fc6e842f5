import t, { type Test } from 'tap'
import { parseTokenGrants } from '../../src/auth/token-grants.js'
import { build as buildOn } from '../helpers/build.js'
import { freshDatabase, truncateAll } from '../helpers/database.js'

// INGEST_TOKENS="tokA:1-500,731;tokB:*;legacy1,legacy2": each device writes its own sensors only.
const db = await freshDatabase(t)
t.beforeEach(() => truncateAll(db.url))
const tokens = parseTokenGrants('tokA:1-500,731;tokB:*;legacy1,legacy2')
const build = (t: Test) => buildOn(t, { databaseUrl: db.url, ingestTokens: tokens })
type App = Awaited<ReturnType<typeof build>>

const reading = (sensorId: number) => ({ sensor_id: sensorId, timestamp: '2024-05-01T12:00:00Z', variable: 'temperature', value: 1, unit: 'C' })
const post = (app: App, token: string, payload: unknown) =>
  app.inject({ method: 'POST', url: '/readings', payload: payload as object, headers: { authorization: `Bearer ${token}` } })
const storedSensors = async (app: App) =>
  (await app.pg.query('SELECT sensor_id FROM readings ORDER BY sensor_id')).rows.map((r: { sensor_id: number }) => r.sensor_id)

t.test('a scoped token writes the sensors in its scope', async (t) => {
  const app = await build(t)
  const res = await post(app, 'tokA', [reading(1), reading(500), reading(731)])
  t.equal(res.statusCode, 201)
  t.same(await storedSensors(app), [1, 500, 731])
})

t.test('a single reading outside the scope is a 403 problem naming it; nothing stored', async (t) => {
  const app = await build(t)
  const res = await post(app, 'tokA', reading(501))
  t.equal(res.statusCode, 403)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json(), { status: 403, errors: [{ index: 0, path: 'sensor_id', message: /sensor 501/ }] })
  t.same(await storedSensors(app), [])
})

t.test('a batch with any reading outside the scope is refused whole, naming those readings', async (t) => {
  const app = await build(t)
  const res = await post(app, 'tokA', [reading(1), reading(732), reading(2), reading(0)])
  t.equal(res.statusCode, 403)
  t.same(res.json().errors.map((e: { index: number }) => e.index), [1, 3])
  t.same(await storedSensors(app), [])
})

t.test('the list of readings outside the scope is capped at 100', async (t) => {
  const app = await build(t)
  const batch = Array.from({ length: 300 }, (_, i) => reading(1000 + i))
  const res = await post(app, 'tokA', batch)
  t.equal(res.statusCode, 403)
  t.equal(res.json().errors.length, 100)
  t.match(res.json().detail, /300 of these readings/)
})

t.test('a fleet-wide token and the old comma-separated tokens write any sensor', async (t) => {
  const app = await build(t)
  t.equal((await post(app, 'tokB', reading(9999))).statusCode, 201)
  t.equal((await post(app, 'legacy2', reading(123456))).statusCode, 201)
  t.same(await storedSensors(app), [9999, 123456])
})

t.test('an unknown token is still a 401, whatever the sensor', async (t) => {
  const app = await build(t)
  const res = await post(app, 'tokC', reading(1))
  t.equal(res.statusCode, 401)
  t.equal(res.headers['www-authenticate'], 'Bearer')
  t.same(await storedSensors(app), [])
})
