import t from 'tap'
import { appPerFile, type App } from './fixture.js'

type Json = Record<string, unknown>

const reading = (overrides: Json = {}) => ({
  sensor_id: 7, timestamp: '2024-05-01T12:00:00.000001Z', variable: 'temperature', value: 21.5, unit: 'C', ...overrides
})

const app = await appPerFile(t)

async function post (app: App, body: unknown) {
  const res = await app.inject({ method: 'POST', url: '/readings', payload: body as Json })
  if (res.statusCode >= 400 && res.statusCode !== 409) throw new Error(`POST /readings answered ${res.statusCode}: ${res.body}`)
  return res
}

t.test('GET /sensors/{id} summarises the stored readings with the latest value of each variable', async (t) => {
  await post(app, [
    reading({ timestamp: '2024-05-01T12:00:00.000001Z', value: 20 }),
    reading({ timestamp: '2024-05-01T12:00:10.000001Z', value: 21 }),
    reading({ timestamp: '2024-05-01T12:00:20.000001Z', value: 22 }),
    reading({ timestamp: '2024-05-01T12:00:00.000001Z', variable: 'humidity', value: 40, unit: '%' }),
    reading({ timestamp: '2024-05-01T12:00:20.000001Z', variable: 'humidity', value: 42, unit: '%' })
  ])
  const res = await app.inject({ method: 'GET', url: '/sensors/7' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    sensor_id: 7,
    first_seen: '2024-05-01T12:00:00.000001Z',
    last_seen: '2024-05-01T12:00:20.000001Z',
    reading_count: 5,
    mean_interval_s: 10,
    variables: [
      {
        variable: 'humidity',
        reading_count: 2,
        first_seen: '2024-05-01T12:00:00.000001Z',
        last_seen: '2024-05-01T12:00:20.000001Z',
        latest: { timestamp: '2024-05-01T12:00:20.000001Z', value: 42, unit: '%' }
      },
      {
        variable: 'temperature',
        reading_count: 3,
        first_seen: '2024-05-01T12:00:00.000001Z',
        last_seen: '2024-05-01T12:00:20.000001Z',
        latest: { timestamp: '2024-05-01T12:00:20.000001Z', value: 22, unit: 'C' }
      }
    ]
  })
})

t.test('a late reading older than the latest one is counted but does not replace the latest value', async (t) => {
  await post(app, reading({ timestamp: '2024-05-01T12:00:10Z', value: 21 }))
  await post(app, reading({ timestamp: '2024-05-01T11:59:00Z', value: 5 }))
  const body = (await app.inject({ method: 'GET', url: '/sensors/7' })).json()
  t.equal(body.reading_count, 2)
  t.equal(body.first_seen, '2024-05-01T11:59:00.000000Z')
  t.same(body.variables[0].latest, { timestamp: '2024-05-01T12:00:10.000000Z', value: 21, unit: 'C' })
})

t.test('a newer reading in a later request replaces the latest value', async (t) => {
  await post(app, reading({ timestamp: '2024-05-01T12:00:10Z', value: 21 }))
  await post(app, reading({ timestamp: '2024-05-01T12:00:20Z', value: 23, unit: 'K' }))
  const body = (await app.inject({ method: 'GET', url: '/sensors/7' })).json()
  t.same(body.variables[0].latest, { timestamp: '2024-05-01T12:00:20.000000Z', value: 23, unit: 'K' })
})

t.test('duplicates and conflicts leave the summary unchanged', async (t) => {
  await post(app, reading())
  const before = (await app.inject({ method: 'GET', url: '/sensors/7' })).json()
  t.equal((await post(app, reading())).statusCode, 200)
  t.equal((await post(app, reading({ value: 99 }))).statusCode, 409)
  t.equal((await post(app, [reading(), reading({ value: 98 })])).statusCode, 200)
  t.same((await app.inject({ method: 'GET', url: '/sensors/7' })).json(), before)
})

t.test('mean_interval_s is null while every variable has a single reading', async (t) => {
  await post(app, [reading(), reading({ variable: 'humidity', unit: '%' })])
  const body = (await app.inject({ method: 'GET', url: '/sensors/7' })).json()
  t.equal(body.reading_count, 2)
  t.equal(body.mean_interval_s, null)
})

t.test('GET /sensors/{id} of a sensor never seen is a 404 problem', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/sensors/8' })
  t.equal(res.statusCode, 404)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json(), { status: 404, type: 'urn:iot-sensors:problem:unknown-sensor' })
})

t.test('GET /sensors/{id} with an id that is not a sensor id is a 400 problem', async (t) => {
  for (const id of ['abc', '-1', '1.5', '2147483648', '1e3']) {
    const res = await app.inject({ method: 'GET', url: `/sensors/${id}` })
    t.equal(res.statusCode, 400, id)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.match(res.json(), { status: 400, errors: [{ path: 'id' }] }, id)
  }
})

t.test('GET /sensors pages through every sensor once, by id', async (t) => {
  const ids = [3, 1, 2147483647, 0, 42, 7, 8]
  await post(app, ids.map((sensorId) => reading({ sensor_id: sensorId })))
  await post(app, reading({ sensor_id: 42, variable: 'humidity', unit: '%' }))
  const seen: Json[] = []
  let cursor: string | null = null
  for (let page = 0; page < 10; page++) {
    const url: string = cursor === null ? '/sensors?limit=3' : `/sensors?limit=3&cursor=${cursor}`
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 200)
    const body = res.json()
    seen.push(...body.sensors)
    cursor = body.next_cursor
    if (cursor === null) break
  }
  t.equal(cursor, null)
  t.same(seen.map((s) => s.sensor_id), [...ids].sort((a, b) => a - b))
  t.same(seen.find((s) => s.sensor_id === 42), {
    sensor_id: 42,
    first_seen: '2024-05-01T12:00:00.000001Z',
    last_seen: '2024-05-01T12:00:00.000001Z',
    reading_count: 2,
    mean_interval_s: null,
    variables: ['humidity', 'temperature']
  })
})

t.test('GET /sensors on an empty fleet is an empty last page', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/sensors' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { sensors: [], next_cursor: null })
})

t.test('GET /sensors refuses bad query parameters with a 400 problem naming them', async (t) => {
  const cases: Array<[string, string]> = [
    ['limit=0', 'limit'], ['limit=10001', 'limit'], ['limit=ten', 'limit'], ['limit=1&limit=2', 'limit'],
    ['cursor=not-a-cursor', 'cursor'], ['cursor=%2B%2B', 'cursor'],
    [`cursor=${Buffer.from('{"ts":"x"}').toString('base64url')}`, 'cursor'], ['colour=red', 'colour']
  ]
  for (const [query, path] of cases) {
    const res = await app.inject({ method: 'GET', url: `/sensors?${query}` })
    t.equal(res.statusCode, 400, query)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.match(res.json(), { status: 400, type: 'urn:iot-sensors:problem:invalid-parameters', errors: [{ path }] }, query)
  }
})
