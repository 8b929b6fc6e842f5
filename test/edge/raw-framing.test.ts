import t from 'tap'
import { build } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'
import { isProblem, portOf, probeHealth, rawSend, withinBound } from './helpers.js'

// Bytes that are not a well-formed request, on raw sockets: every answer is a 4xx problem+json,
// nothing is stored, and /health keeps answering.
const db = await freshDatabase(t)
const app = await build(t, { databaseUrl: db.url })
const origin = await app.listen({ port: 0, host: '127.0.0.1' })
const port = portOf(app)
const stored = async () => Number((await app.pg.query('SELECT count(*) AS n FROM readings')).rows[0].n)

const reading = (sensorId: number) => JSON.stringify({ sensor_id: sensorId, timestamp: '2024-05-01T00:00:00Z', variable: 't', value: 1, unit: 'C' })
const post = (body: string, headers = '') =>
  `POST /readings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${headers}\r\n${body}`

const cases: Array<[name: string, bytes: string, status: number]> = [
  ['not HTTP at all', 'GARBAGE\r\n\r\n', 400],
  ['an unknown HTTP version', 'GET /health HTTP/7.1\r\nHost: x\r\n\r\n', 400],
  ['Content-Length and Transfer-Encoding together', 'POST /readings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
  ['two different Content-Lengths', `POST /readings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n${reading(1)}`, 400],
  ['a chunk size that is not hex', `POST /readings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${reading(1)}\r\n0\r\n\r\n`, 400],
  ['a NUL in a header value', 'GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n', 400],
  ['a space in a header name', 'GET /health HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n', 400],
  ['headers over the size limit', `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ['a URL over the header size limit', `GET /sensors/${'1'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
  ['a path parameter over its limit', `GET /sensors/${'1'.repeat(500)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
  ['an HTTP/1.1 request without Host', 'GET /health HTTP/1.1\r\n\r\n', 400],
  ['an unsupported Expect', post(reading(2), 'Expect: teapot\r\n'), 417],
  ['a body cut short by the next request', `${post(reading(3)).slice(0, -10)}GET /health HTTP/1.1\r\n\r\n`, 400]
]

t.test('malformed requests are answered 4xx problem+json and store nothing', async (t) => {
  for (const [name, bytes, status] of cases) {
    const responses = await rawSend(port, bytes, 3000, 1)
    t.equal(responses[0]?.status, status, `${name}: status`)
    t.ok(responses[0] !== undefined && isProblem(responses[0]), `${name}: problem+json (${responses[0]?.headers['content-type']}: ${responses[0]?.body.slice(0, 200)})`)
  }
  t.equal(await stored(), 0)
})

t.test('/health answers within 100 ms each time while malformed requests keep coming', async (t) => {
  const probe = await probeHealth(origin)
  for (let round = 0; round < 5; round++) {
    const answers = await Promise.all(cases.map(([, bytes]) => rawSend(port, bytes, 3000, 1)))
    t.ok(answers.every((r) => r[0] !== undefined && r[0].status < 500), `round ${round}: every one answered, none 5xx`)
  }
  const health = withinBound(await probe.stop())
  t.ok(health.ok, health.summary)
  t.equal(await stored(), 0)
})

t.test('HTTP/1.0 without Host is still served', async (t) => {
  const [res] = await rawSend(port, 'GET /health HTTP/1.0\r\n\r\n', 3000, 1)
  t.equal(res?.status, 200)
})

t.test('a POST followed by bytes that are not a request gets its own answer before the 400', async (t) => {
  const responses = await rawSend(port, post(reading(4)) + 'NOT A REQUEST\r\n\r\n', 5000, 2)
  t.same(responses.map((r) => r.status), [201, 400])
  t.same(JSON.parse(responses[0]!.body), { received: 1, inserted: 1, duplicates: 0, conflicts: [] })
  t.ok(isProblem(responses[1]!))
  t.equal(await stored(), 1)
})

t.test('several pipelined POSTs before the garbage are all answered, in order', async (t) => {
  const responses = await rawSend(port, post(reading(5)) + post(reading(6)) + post(reading(5)) + '\u0001\u0002\r\n\r\n', 5000, 4)
  t.same(responses.map((r) => r.status), [201, 201, 200, 400])
  t.equal(await stored(), 3)
})

t.test('a client that half-closes after its POST still gets the answer', async (t) => {
  const [res] = await rawSend(port, post(reading(8)), 5000, 1, true)
  t.equal(res?.status, 201)
  t.equal(await stored(), 4)
})
