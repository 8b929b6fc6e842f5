import t, { type Test } from 'tap'
import { build } from '../helpers/build.js'

const MINUTE = 60_000

/** A fleet whose newest reading per sensor is a known number of minutes old. */
async function fleet (t: Test, minutesAgoBySensor: Record<number, number[]>) {
  const app = await build(t)
  const now = Date.now()
  const readings = Object.entries(minutesAgoBySensor).flatMap(([sensor, ages]) => ages.map((age, i) => ({
    sensor_id: Number(sensor), timestamp: new Date(now - age * MINUTE).toISOString(), variable: `v${i}`, value: 1, unit: ''
  })))
  const res = await app.inject({ method: 'POST', url: '/readings', payload: readings })
  t.equal(res.statusCode, 201)
  return { app, now }
}

t.test('GET /sensors/silent counts the sensors whose newest reading is older than the window', async (t) => {
  // Sensor 5 is silent on one variable only: its newest reading (2 min) keeps it out.
  const { app } = await fleet(t, { 1: [60], 2: [25], 3: [1], 4: [2], 5: [2, 500], 6: [30, 40], 7: [0], 8: [9] })
  const res = await app.inject({ method: 'GET', url: '/sensors/silent?minutes=10' })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.match(body, { minutes: 10, silent: 3, total: 8, share: 0.375 })
  t.same(body.sensors.map((s: { sensor_id: number }) => s.sensor_id), [1, 6, 2], 'longest silent first')
})

t.test('GET /sensors/silent reports each silent sensor with its newest reading time', async (t) => {
  const { app, now } = await fleet(t, { 4: [30, 45], 5: [1] })
  const body = (await app.inject({ method: 'GET', url: '/sensors/silent?minutes=10' })).json()
  t.same(body.sensors, [{ sensor_id: 4, last_seen: new Date(now - 30 * MINUTE).toISOString().replace('Z', '000Z') }])
})

t.test('GET /sensors/silent defaults to 10 minutes', async (t) => {
  const { app } = await fleet(t, { 1: [11], 2: [9] })
  t.match((await app.inject({ method: 'GET', url: '/sensors/silent' })).json(), { minutes: 10, silent: 1, total: 2, share: 0.5 })
})

t.test('GET /sensors/silent lists at most `limit` sensors but counts them all', async (t) => {
  const { app } = await fleet(t, { 1: [50], 2: [40], 3: [30], 4: [20], 5: [1] })
  const body = (await app.inject({ method: 'GET', url: '/sensors/silent?minutes=10&limit=2' })).json()
  t.match(body, { silent: 4, total: 5, share: 0.8 })
  t.same(body.sensors.map((s: { sensor_id: number }) => s.sensor_id), [1, 2])
})

t.test('GET /sensors/silent on an empty fleet has a share of 0', async (t) => {
  const app = await build(t)
  t.same((await app.inject({ method: 'GET', url: '/sensors/silent?minutes=5' })).json(), { minutes: 5, silent: 0, total: 0, share: 0, sensors: [] })
})

t.test('GET /sensors/silent refuses a window that is not a whole number of minutes', async (t) => {
  const app = await build(t)
  for (const minutes of ['0', '-5', '1.5', 'ten', '']) {
    const res = await app.inject({ method: 'GET', url: `/sensors/silent?minutes=${minutes}` })
    t.equal(res.statusCode, 400, minutes)
    t.match(res.json(), { status: 400, errors: [{ path: 'minutes' }] }, minutes)
  }
})
