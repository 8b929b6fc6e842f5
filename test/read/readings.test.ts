import t from 'tap'
import { appPerFile, type App } from './fixture.js'

type Json = Record<string, unknown>
const app = await appPerFile(t)

const BASE = Date.parse('2024-05-01T12:00:00Z')

/** n readings of one sensor, one per second from BASE, alternating two variables. */
const series = (sensorId: number, n: number, from = 0) => Array.from({ length: n }, (_, i) => ({
  sensor_id: sensorId,
  timestamp: new Date(BASE + (from + i) * 1000).toISOString(),
  variable: i % 2 === 0 ? 'temperature' : 'humidity',
  value: from + i,
  unit: 'u'
}))

async function post (app: App, payload: unknown) {
  const res = await app.inject({ method: 'POST', url: '/readings', payload: payload as Json })
  if (res.statusCode !== 201 && res.statusCode !== 200) throw new Error(`POST /readings answered ${res.statusCode}: ${res.body}`)
}

async function get (app: App, url: string) {
  const res = await app.inject({ method: 'GET', url })
  if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}: ${res.body}`)
  return res.json()
}

/** Every page of a query, following next_cursor (at most maxPages). */
async function allPages (app: App, url: string, maxPages: number, between: () => Promise<void> = async () => {}) {
  const readings: Json[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const body = await get(app, cursor === null ? url : `${url}&cursor=${cursor}`)
    readings.push(...body.readings)
    cursor = body.next_cursor
    pages++
    await between()
  } while (cursor !== null && pages < maxPages)
  return { readings, pages, cursor }
}

t.test('GET /readings answers one sensor newest first, timestamps in UTC to the microsecond', async (t) => {
  await post(app, [
    { sensor_id: 7, timestamp: '2024-05-01T14:00:00.000001+02:00', variable: 'temperature', value: 21.5, unit: 'C' },
    { sensor_id: 7, timestamp: '2024-05-01T12:00:05.5Z', variable: 'temperature', value: 22, unit: 'C' },
    { sensor_id: 7, timestamp: '2024-05-01T12:00:05.5Z', variable: 'humidity', value: 40, unit: '%' },
    { sensor_id: 8, timestamp: '2024-05-01T12:00:09Z', variable: 'temperature', value: 1, unit: 'C' }
  ])
  t.same(await get(app, '/readings?sensor_id=7'), {
    readings: [
      { sensor_id: 7, timestamp: '2024-05-01T12:00:05.500000Z', variable: 'temperature', value: 22, unit: 'C' },
      { sensor_id: 7, timestamp: '2024-05-01T12:00:05.500000Z', variable: 'humidity', value: 40, unit: '%' },
      { sensor_id: 7, timestamp: '2024-05-01T12:00:00.000001Z', variable: 'temperature', value: 21.5, unit: 'C' }
    ],
    next_cursor: null
  })
})

t.test('GET /readings filters by variable and by [from, to)', async (t) => {
  await post(app, series(3, 10))
  const values = async (query: string) => (await get(app, `/readings?sensor_id=3&${query}`)).readings.map((r: Json) => r.value)
  t.same(await values('variable=humidity'), [9, 7, 5, 3, 1])
  t.same(await values('from=2024-05-01T12:00:02Z&to=2024-05-01T12:00:05Z'), [4, 3, 2], 'from inclusive, to exclusive')
  t.same(await values(`from=${BASE + 7000}`), [9, 8, 7], 'epoch milliseconds')
  t.same(await values('variable=temperature&to=2024-05-01T14:00:04%2B02:00'), [2, 0], 'an offset in the query string')
  t.same(await values('variable=pressure'), [])
})

t.test('GET /readings returns 100 readings by default', async (t) => {
  await post(app, series(1, 150))
  const body = await get(app, '/readings?sensor_id=1')
  t.equal(body.readings.length, 100)
  t.equal(body.readings[0].value, 149)
  t.type(body.next_cursor, 'string')
})

t.test('pages hold every reading exactly once, newest first, across page boundaries', async (t) => {
  await post(app, series(5, 95))
  await post(app, series(6, 5))
  const { readings, pages, cursor } = await allPages(app, '/readings?sensor_id=5&limit=10', 20)
  t.equal(cursor, null)
  t.equal(pages, 10)
  t.same(readings.map((r) => r.value), Array.from({ length: 95 }, (_, i) => 94 - i))
})

t.test('pages hold every reading stored before paging began exactly once while new readings arrive', async (t) => {
  await post(app, series(5, 200))
  let arrivals = 0
  // Between pages, readings arrive both newer than any page (the sensor goes on reporting) and
  // older than the page being read (late data, inside the range still to come).
  const { readings, cursor } = await allPages(app, '/readings?sensor_id=5&limit=7', 100, async () => {
    arrivals++
    await post(app, [...series(5, 2, 1000 + arrivals * 2), ...series(5, 1, -arrivals)])
  })
  t.equal(cursor, null)
  const keys = readings.map((r) => `${r.timestamp} ${r.variable}`)
  t.equal(new Set(keys).size, keys.length, 'no reading twice')
  const values = readings.map((r) => r.value as number)
  t.same(Array.from({ length: 200 }, (_, v) => v).filter((v) => !values.includes(v)), [], 'every reading stored before paging was listed')
  t.ok(values.every((v, i) => i === 0 || v < values[i - 1]!), 'newest first throughout')
  t.notOk(values.some((v) => v >= 1000), 'readings newer than the first page never appear on later pages')
})

t.test('GET /readings refuses bad query parameters with a 400 problem naming them', async (t) => {
  const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const cases: Array<[string, string]> = [
    ['', 'sensor_id'], ['sensor_id=x', 'sensor_id'], ['sensor_id=-1', 'sensor_id'], ['sensor_id=1&sensor_id=2', 'sensor_id'],
    ['sensor_id=1&limit=10001', 'limit'], ['sensor_id=1&limit=0', 'limit'],
    ['sensor_id=1&from=yesterday', 'from'], ['sensor_id=1&to=2024-05-01T12:00:00', 'to'], ['sensor_id=1&from=2024-02-30T00:00:00Z', 'from'],
    ['sensor_id=1&variable=', 'variable'], [`sensor_id=1&variable=${'x'.repeat(101)}`, 'variable'],
    ['sensor_id=1&cursor=abc', 'cursor'], [`sensor_id=1&cursor=${cursorOf({ sensor_id: 3 })}`, 'cursor'],
    [`sensor_id=1&cursor=${cursorOf({ ts: '2024-05-01T12:00:00Z', variable: 't' })}`, 'cursor'],
    ['sensor_id=1&offset=100', 'offset']
  ]
  for (const [query, path] of cases) {
    const res = await app.inject({ method: 'GET', url: `/readings?${query}` })
    t.equal(res.statusCode, 400, query)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.match(res.json(), { status: 400, type: 'urn:iot-sensors:problem:invalid-parameters', errors: [{ path }] }, query)
  }
})

t.test('GET /readings accepts limit 10000', async (t) => {
  await post(app, series(1, 3))
  t.equal((await get(app, '/readings?sensor_id=1&limit=10000')).readings.length, 3)
})
