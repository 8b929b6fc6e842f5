import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import t from 'tap'
import { build } from '../helpers/build.js'
import { anyJson, bucketLike, cursorLike, integerLike, isoLike, isoMicros, isoMicrosLike, junk, mostly, queryOf, segmentOf, timestampLike, variableLike } from './generators.js'

// Generated values thrown at every endpoint's query and path parameters, cursors and bodies:
// every answer is a 2xx, or a 4xx in problem+json, and the process stays healthy. A new
// endpoint is one more row in this table.

interface EndpointUnderTest {
  name: string
  requests: fc.Arbitrary<InjectOptions>
}

const get = (path: fc.Arbitrary<string>, query: fc.Arbitrary<string>): fc.Arbitrary<InjectOptions> =>
  fc.tuple(path, query).map(([p, q]) => ({ method: 'GET', url: `${p}${q}` }))

const readingLike = mostly(
  fc.record({
    sensor_id: mostly(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 2_147_483_646, max: 2_147_483_648 }), fc.double(), anyJson),
    timestamp: mostly(isoMicros, isoLike, fc.integer({ min: -62_135_596_800_001, max: 253_402_300_800_000 }), fc.double(), timestampLike, anyJson),
    variable: mostly(variableLike, anyJson),
    value: mostly(fc.double({ noNaN: true, noDefaultInfinity: true }), anyJson),
    unit: mostly(fc.constantFrom('C', '%', ''), junk, anyJson)
  }),
  fc.tuple(fc.record({ sensor_id: anyJson, timestamp: anyJson, variable: anyJson, value: anyJson, unit: anyJson }, { requiredKeys: [] }),
    fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 1 })).map(([reading, extra]) => ({ ...extra, ...reading }))
)

const readingsBody: fc.Arbitrary<{ payload: string, type: string }> = mostly(
  mostly(fc.oneof(readingLike, fc.array(readingLike, { maxLength: 5 })), anyJson).map((body) => ({ payload: JSON.stringify(body), type: 'application/json' })),
  fc.array(fc.oneof(readingLike.map((r) => JSON.stringify(r)), junk), { maxLength: 4 }).map((lines) => ({ payload: lines.join('\n'), type: 'application/x-ndjson' })),
  fc.tuple(junk, fc.constantFrom('application/json', 'application/x-ndjson', 'text/plain', 'application/octet-stream', 'application/json; charset=latin1'))
    .map(([payload, type]) => ({ payload, type }))
)

const endpoints: EndpointUnderTest[] = [
  {
    name: 'GET /readings',
    requests: get(fc.constant('/readings'), queryOf({
      sensor_id: integerLike,
      variable: variableLike,
      from: timestampLike,
      to: timestampLike,
      limit: integerLike,
      cursor: cursorLike({ ts: fc.oneof(isoMicros, isoMicrosLike, isoLike, timestampLike), variable: variableLike })
    }, ['sensor_id']))
  },
  {
    name: 'GET /sensors',
    requests: get(fc.constant('/sensors'), queryOf({
      limit: integerLike,
      cursor: cursorLike({ sensor_id: mostly<unknown>(fc.integer({ min: -1, max: 5 }), fc.integer(), fc.double(), fc.constant(2 ** 53), integerLike) })
    }))
  },
  {
    name: 'GET /readings/aggregate',
    requests: get(fc.constant('/readings/aggregate'), queryOf({
      sensor_id: integerLike,
      variable: variableLike,
      from: timestampLike,
      to: timestampLike,
      bucket: bucketLike
    }, ['sensor_id', 'variable']))
  },
  { name: 'GET /stats/ingest', requests: get(fc.constant('/stats/ingest'), queryOf({ from: timestampLike, to: timestampLike, bucket: bucketLike })) },
  { name: 'GET /sensors/silent', requests: get(fc.constant('/sensors/silent'), queryOf({ minutes: integerLike, limit: integerLike })) },
  {
    name: 'GET /fleet/latest',
    requests: get(fc.constant('/fleet/latest'), queryOf({
      variable: variableLike,
      sensors: mostly(fc.constantFrom('1-500,731', '2', '0-2147483647'), integerLike, junk),
      limit: integerLike,
      cursor: cursorLike({ sensor_id: mostly<unknown>(fc.integer({ min: -1, max: 5 }), fc.integer(), fc.double(), integerLike) })
    }, ['variable']))
  },
  {
    name: 'GET /fleet/last-seen',
    requests: get(fc.constant('/fleet/last-seen'), queryOf({
      per_variable: mostly(fc.constantFrom('true', 'false'), junk),
      sensors: mostly(fc.constantFrom('1-3', '2,5-9'), integerLike, junk),
      limit: integerLike,
      cursor: cursorLike({ sensor_id: mostly<unknown>(fc.integer({ min: -1, max: 5 }), fc.integer(), integerLike), variable: variableLike })
    }))
  },
  { name: 'GET /sensors/{id}', requests: get(segmentOf(integerLike).map((id) => `/sensors/${id}`), queryOf({ limit: integerLike })) },
  {
    name: 'POST /readings',
    requests: readingsBody.map(({ payload, type }) => ({ method: 'POST', url: '/readings', payload, headers: { 'content-type': type } }))
  }
]

const app = await build(t)
// A few stored readings, so reads also answer with data and pages.
const seeded = await app.inject({
  method: 'POST',
  url: '/readings',
  payload: [1, 2, 3].flatMap((sensorId) => ['temperature', 'humidity'].flatMap((variable) => [0, 1, 2].map((s) => ({
    sensor_id: sensorId, timestamp: `2024-05-01T12:00:0${s}.000001Z`, variable, value: s, unit: 'C'
  }))))
})
if (seeded.statusCode !== 201) throw new Error(`seeding answered ${seeded.statusCode}: ${seeded.body}`)

for (const endpoint of endpoints) {
  t.test(`${endpoint.name}: every generated request gets a 2xx, or a 4xx problem+json`, async (t) => {
    const statuses = new Map<number, number>()
    await fc.assert(fc.asyncProperty(endpoint.requests, async (request) => {
      const res = await app.inject(request)
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      if (res.statusCode >= 500 || res.statusCode < 200) throw new Error(`answered ${res.statusCode}: ${res.body}`)
      if (res.statusCode >= 300 && res.statusCode < 400) {
        // '/sensors/..' resolves to '/', which redirects to the dashboard.
        if (typeof res.headers.location !== 'string') throw new Error(`${res.statusCode} without a Location`)
      } else if (res.statusCode >= 400) {
        if (!/^application\/problem\+json/.test(String(res.headers['content-type']))) throw new Error(`${res.statusCode} as ${res.headers['content-type']}: ${res.body}`)
        const problem = res.json()
        if (problem.status !== res.statusCode || typeof problem.title !== 'string' || typeof problem.type !== 'string') throw new Error(`not a problem: ${res.body}`)
      } else {
        res.json()
      }
    }), { numRuns: 300 })
    const seen = [...statuses.keys()]
    t.ok(seen.some((s) => s < 300), `some answers were 2xx: ${JSON.stringify(Object.fromEntries(statuses))}`)
    t.ok(seen.some((s) => s >= 400), 'some were 4xx')
  })
}

t.test('the process stays healthy and ready', async (t) => {
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200)
  t.ok((await app.inject({ method: 'GET', url: '/sensors/1' })).json().reading_count >= 6, 'and still answers what it stored')
})
