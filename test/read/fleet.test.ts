import t from 'tap'
import { build } from '../helpers/build.js'
import { appPerFile } from './fixture.js'

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0)
const MINUTE = 60_000
const app = await appPerFile(t, { now: () => NOW })

async function store (readings: Array<{ sensor: number, variable: string, minutesAgo: number, value?: number, unit?: string }>) {
  const res = await app.inject({
    method: 'POST',
    url: '/readings',
    payload: readings.map((r) => ({ sensor_id: r.sensor, timestamp: new Date(NOW - r.minutesAgo * MINUTE).toISOString(), variable: r.variable, value: r.value ?? 1, unit: r.unit ?? '' }))
  })
  if (res.statusCode !== 201) throw new Error(`POST /readings answered ${res.statusCode}: ${res.body}`)
  // Fleet reads answer from the summary as it stands: fold, as the timer would within a second.
  await app.summary.drain()
}

const iso = (minutesAgo: number) => new Date(NOW - minutesAgo * MINUTE).toISOString().replace('Z', '000Z')
const get = async (url: string) => {
  const res = await app.inject({ method: 'GET', url })
  return { status: res.statusCode, body: res.json(), type: res.headers['content-type'] }
}

t.test('GET /fleet/latest answers the latest value of one variable per sensor, as columns by id, with the server clock', async (t) => {
  await store([
    { sensor: 2, variable: 'temperature', minutesAgo: 5, value: 20, unit: 'C' },
    { sensor: 2, variable: 'temperature', minutesAgo: 1, value: 81.5, unit: 'C' },
    { sensor: 1, variable: 'temperature', minutesAgo: 3, value: 19, unit: 'C' },
    { sensor: 3, variable: 'humidity', minutesAgo: 1, value: 50, unit: '%' }
  ])
  const { status, body } = await get('/fleet/latest?variable=temperature')
  t.equal(status, 200)
  t.same(body, { now: iso(0), variable: 'temperature', sensor_ids: [1, 2], values: [19, 81.5], units: ['C', 'C'], timestamps: [iso(3), iso(1)], next_cursor: null })
})

t.test('GET /fleet/latest keeps only the sensors of `sensors` (ids and ranges)', async (t) => {
  await store([1, 2, 5, 9, 10, 11, 731].map((sensor) => ({ sensor, variable: 'temperature', minutesAgo: 1 })))
  t.same((await get('/fleet/latest?variable=temperature&sensors=2-9,731,11')).body.sensor_ids, [2, 5, 9, 11, 731])
})

t.test('GET /fleet/latest pages by sensor id with next_cursor', async (t) => {
  await store([1, 2, 3, 4, 5].map((sensor) => ({ sensor, variable: 'v', minutesAgo: 1 })))
  const first = (await get('/fleet/latest?variable=v&limit=2')).body
  t.same(first.sensor_ids, [1, 2])
  const second = (await get(`/fleet/latest?variable=v&limit=2&cursor=${first.next_cursor}`)).body
  t.same(second.sensor_ids, [3, 4])
  const third = (await get(`/fleet/latest?variable=v&limit=2&cursor=${second.next_cursor}`)).body
  t.same(third.sensor_ids, [5])
  t.equal(third.next_cursor, null)
})

t.test('GET /fleet/last-seen answers the newest reading time per sensor, any variable', async (t) => {
  await store([
    { sensor: 1, variable: 'temperature', minutesAgo: 30 },
    { sensor: 1, variable: 'humidity', minutesAgo: 2 },
    { sensor: 4, variable: 'humidity', minutesAgo: 12 }
  ])
  t.same((await get('/fleet/last-seen')).body, { now: iso(0), per_variable: false, sensors_total: 2, sensor_ids: [1, 4], last_seen: [iso(2), iso(12)], next_cursor: null })
})

t.test('GET /fleet/last-seen?per_variable=true answers one entry per sensor and variable, paged', async (t) => {
  await store([
    { sensor: 1, variable: 'temperature', minutesAgo: 30 },
    { sensor: 1, variable: 'humidity', minutesAgo: 2 },
    { sensor: 4, variable: 'humidity', minutesAgo: 12 }
  ])
  const first = (await get('/fleet/last-seen?per_variable=true&limit=2')).body
  t.same(first.sensor_ids, [1, 1])
  t.same(first.variables, ['humidity', 'temperature'])
  t.same(first.last_seen, [iso(2), iso(30)])
  const second = (await get(`/fleet/last-seen?per_variable=true&limit=2&cursor=${first.next_cursor}`)).body
  t.same({ ids: second.sensor_ids, variables: second.variables, next: second.next_cursor }, { ids: [4], variables: ['humidity'], next: null })
})

t.test('GET /fleet/last-seen?silent_for= lists only the entries silent that long, and counts the fleet and its silent sensors', async (t) => {
  await store([
    { sensor: 1, variable: 'temperature', minutesAgo: 30 },
    { sensor: 1, variable: 'humidity', minutesAgo: 2 },
    { sensor: 4, variable: 'humidity', minutesAgo: 12 },
    { sensor: 5, variable: 'humidity', minutesAgo: 10 },
    { sensor: 6, variable: 'humidity', minutesAgo: 1 }
  ])
  t.same((await get('/fleet/last-seen?silent_for=600')).body, { now: iso(0), per_variable: false, silent_for: 600, sensors_silent: 2, sensors_total: 4, sensor_ids: [4, 5], last_seen: [iso(12), iso(10)], next_cursor: null })
  const perVariable = (await get('/fleet/last-seen?silent_for=600&per_variable=true')).body
  t.same([perVariable.sensor_ids, perVariable.variables, perVariable.sensors_silent], [[1, 4, 5], ['temperature', 'humidity', 'humidity'], 2], 'sensor 1 is silent on temperature only')
})

t.test('GET /fleet/latest?min=&max= keeps the values within the bounds', async (t) => {
  await store([1, 2, 3, 4].map((sensor) => ({ sensor, variable: 'temperature', minutesAgo: 1, value: sensor * 25 })))
  t.same((await get('/fleet/latest?variable=temperature&min=50')).body.sensor_ids, [2, 3, 4])
  t.same((await get('/fleet/latest?variable=temperature&max=50')).body.sensor_ids, [1, 2])
  t.same((await get('/fleet/latest?variable=temperature&min=30&max=7.5e1')).body.sensor_ids, [2, 3])
})

t.test('an empty fleet is empty columns', async (t) => {
  t.same((await get('/fleet/last-seen')).body, { now: iso(0), per_variable: false, sensors_total: 0, sensor_ids: [], last_seen: [], next_cursor: null })
  t.same((await get('/fleet/latest?variable=x')).body.sensor_ids, [])
})

t.test('bad parameters are a 400 problem naming them', async (t) => {
  const cases: Array<[string, string]> = [
    ['/fleet/latest', 'variable'],
    ['/fleet/latest?variable=', 'variable'],
    ['/fleet/latest?variable=t&sensors=5-1', 'sensors'],
    ['/fleet/latest?variable=t&sensors=1,,2', 'sensors'],
    ['/fleet/latest?variable=t&sensors=-3', 'sensors'],
    ['/fleet/latest?variable=t&sensors=1-99999999999', 'sensors'],
    ['/fleet/latest?variable=t&limit=50001', 'limit'],
    ['/fleet/latest?variable=t&min=NaN', 'min'],
    ['/fleet/latest?variable=t&max=1e999', 'max'],
    ['/fleet/last-seen?silent_for=-1', 'silent_for'],
    ['/fleet/latest?variable=t&cursor=xyz', 'cursor'],
    ['/fleet/latest?variable=t&extra=1', 'extra'],
    ['/fleet/last-seen?per_variable=yes', 'per_variable'],
    ['/fleet/last-seen?limit=0', 'limit'],
    [`/fleet/last-seen?per_variable=true&cursor=${Buffer.from('{"sensor_id":1}').toString('base64url')}`, 'cursor']
  ]
  for (const [url, path] of cases) {
    const { status, body, type } = await get(url)
    t.equal(status, 400, url)
    t.match(type, /^application\/problem\+json/, url)
    t.match(body, { status: 400, errors: [{ path }] }, url)
  }
})

t.test('fleet reads answer from the summary as it stands: readings not folded yet are counted as pending, with as_of', async (t) => {
  const unfolded = await build(t, { now: () => NOW, summaryFoldIntervalMs: 0 })
  const post = (sensor: number, minutesAgo: number) => unfolded.inject({
    method: 'POST', url: '/readings', payload: { sensor_id: sensor, timestamp: new Date(NOW - minutesAgo * MINUTE).toISOString(), variable: 'temperature', value: 1, unit: 'C' }
  })
  await post(1, 5)
  await unfolded.summary.drain()
  await post(2, 1)
  const res = await unfolded.inject({ method: 'GET', url: '/fleet/latest?variable=temperature' })
  t.equal(res.statusCode, 200, 'answered at once, not after a fold')
  const body = res.json()
  t.same(body.sensor_ids, [1], 'only what the summary holds')
  t.equal(body.pending_readings, 1)
  t.match(body.as_of, /^\d{4}-\d{2}-\d{2}T/)
  await unfolded.summary.drain()
  const after = (await unfolded.inject({ method: 'GET', url: '/fleet/latest?variable=temperature' })).json()
  t.same(after.sensor_ids, [1, 2], 'the next read after a fold has it')
  t.notOk('as_of' in after, 'and is exact')
})
