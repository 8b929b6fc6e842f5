import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { build } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'
import { openEventStream, sensorsOf } from '../helpers/sse.js'

const reading = (sensorId: number, value: number, timestamp = new Date().toISOString()) =>
  ({ sensor_id: sensorId, timestamp, variable: 'temperature', value, unit: 'C' })

async function listening (app: FastifyInstance): Promise<string> {
  return await app.listen({ port: 0, host: '127.0.0.1' })
}

async function post (app: FastifyInstance, body: unknown, headers: Record<string, string> = {}) {
  const res = await app.inject({ method: 'POST', url: '/readings', payload: body as object, headers })
  if (res.statusCode >= 300) throw new Error(`POST /readings answered ${res.statusCode}: ${res.body}`)
}

t.test('the feed opens with the whole fleet, then sends each sensor that changed', async (t) => {
  const app = await build(t)
  const minuteAgo = new Date(Date.now() - 60_000).toISOString()
  await post(app, [reading(1, 20, minuteAgo), reading(2, 21, minuteAgo)])
  await app.summary.drain()
  const origin = await listening(app)
  const stream = await openEventStream(t, `${origin}/dashboard/events`)
  t.equal(stream.status, 200)
  t.match(stream.headers.get('content-type'), /^text\/event-stream/)
  const fleet = await stream.waitFor((e) => e.event === 'fleet')
  t.same(sensorsOf(fleet).map((s) => s.sensor_id).sort(), [1, 2])
  t.match(JSON.parse(fleet.data), { now: Number })

  const newest = new Date(Date.now() - 1000).toISOString()
  await post(app, [reading(2, 22, newest)])
  const change = await stream.waitFor((e) => e.event === 'sensors', 5000, 'the change of sensor 2')
  t.same(sensorsOf(change).map((s) => s.sensor_id), [2], 'only the sensor that changed')
  t.match(sensorsOf(change)[0], { reading_count: 2, last_seen_ms: Date.parse(newest), variables: ['temperature'] })
})

t.test('a feed for one sensor carries that sensor only', async (t) => {
  const app = await build(t)
  await post(app, [reading(1, 20), reading(2, 21)])
  await app.summary.drain()
  const stream = await openEventStream(t, `${await listening(app)}/dashboard/events?sensor_id=2`)
  const fleet = await stream.waitFor((e) => e.event === 'fleet')
  t.same(sensorsOf(fleet).map((s) => s.sensor_id), [2])
  await post(app, [reading(1, 30)])
  await post(app, [reading(2, 31)])
  const change = await stream.waitFor((e) => e.event === 'sensors')
  t.same(sensorsOf(change).map((s) => s.sensor_id), [2])
  t.notOk(stream.events.some((e) => e.event === 'sensors' && sensorsOf(e).some((s) => s.sensor_id === 1)), 'nothing about sensor 1')
})

t.test('a reading stored through another replica reaches this replica\'s feed', async (t) => {
  const { url } = await freshDatabase(t)
  const served = await build(t, { databaseUrl: url })
  const other = await build(t, { databaseUrl: url })
  const stream = await openEventStream(t, `${await listening(served)}/dashboard/events`)
  await stream.waitFor((e) => e.event === 'fleet')
  await post(other, [reading(9, 19.5)])
  const change = await stream.waitFor((e) => e.event === 'sensors', 5000, 'sensor 9 on the other replica\'s feed')
  t.same(sensorsOf(change).map((s) => s.sensor_id), [9])
})

t.test('many sensors changing at once (past the NOTIFY\'s list) still reach the feed', async (t) => {
  const app = await build(t)
  const stream = await openEventStream(t, `${await listening(app)}/dashboard/events`)
  await stream.waitFor((e) => e.event === 'fleet')
  await post(app, Array.from({ length: 800 }, (_, i) => reading(1000 + i, i)))
  await stream.waitFor(() => new Set(stream.events.filter((e) => e.event === 'sensors').flatMap(sensorsOf).map((s) => s.sensor_id)).size === 800,
    5000, 'all 800 sensors')
  t.pass('every sensor arrived')
})

t.test('the feed asks for a read token like the other reads, in the Authorization header', async (t) => {
  const app = await build(t, { readTokens: ['s3cret'] })
  const origin = await listening(app)
  const without = await openEventStream(t, `${origin}/dashboard/events`)
  t.equal(without.status, 401)
  const wrong = await openEventStream(t, `${origin}/dashboard/events`, { authorization: 'Bearer nope' })
  t.equal(wrong.status, 401)
  const right = await openEventStream(t, `${origin}/dashboard/events`, { authorization: 'Bearer s3cret' })
  t.equal(right.status, 200)
  await right.waitFor((e) => e.event === 'fleet')
})

t.test('a bad sensor_id is a 400 problem, not a stream', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/dashboard/events?sensor_id=x', headers: { accept: 'text/event-stream' } })
  t.equal(res.statusCode, 400)
  t.match(res.json(), { errors: [{ path: 'sensor_id' }] })
})

t.test('closing the server ends open streams instead of waiting for them', async (t) => {
  const app = await build(t)
  const stream = await openEventStream(t, `${await listening(app)}/dashboard/events`)
  await stream.waitFor((e) => e.event === 'fleet')
  t.equal(app.fleetFeed.subscriberCount, 1)
  await app.close()
  t.equal(app.fleetFeed.subscriberCount, 0)
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.ok(stream.ended, 'the stream was ended by the server')
})

t.test('a page opening after the last one left gets the fleet as it is now', async (t) => {
  const app = await build(t)
  const origin = await listening(app)
  const first = await openEventStream(t, `${origin}/dashboard/events`)
  await first.waitFor((e) => e.event === 'fleet')
  first.close()
  await new Promise<void>((resolve) => { const check = () => app.fleetFeed.subscriberCount === 0 ? resolve() : setTimeout(check, 10); check() })
  await post(app, [reading(5, 1)])
  await app.summary.drain()
  const second = await openEventStream(t, `${origin}/dashboard/events`)
  await second.waitFor((e) => sensorsOf(e).some((s) => s.sensor_id === 5), 5000, 'sensor 5, in the fleet or right after it')
  t.equal(second.events[0]!.event, 'fleet', 'the whole fleet first')
})
