import { gzipSync } from 'node:zlib'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { testConfig } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'
import { until } from '../helpers/wait.js'
import { isProblem, portOf, probeHealth, rawConnection, rawSend, withinBound } from './helpers.js'

// Clients that send slowly, stall or vanish: timed out with a problem+json answer, holding no more
// than INFLIGHT_BODY_LIMIT between them, logged as theirs, and /health unaffected throughout.
const db = await freshDatabase(t)
const logs: Array<{ level: number, msg: string }> = []
const app = await buildApp(testConfig(db.url, { headersTimeoutMs: 500, requestTimeoutMs: 2000, inflightBodyLimit: 1024 * 1024, logLevel: 'info' }), {
  logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line)) } } }
})
t.teardown(() => app.close())
const origin = await app.listen({ port: 0, host: '127.0.0.1' })
const port = portOf(app)
const stored = async () => Number((await app.pg.query('SELECT count(*) AS n FROM readings')).rows[0].n)

const reading = (sensorId: number) => ({ sensor_id: sensorId, timestamp: '2024-05-01T00:00:00Z', variable: 't', value: 1, unit: 'C' })
const chunkedHead = (extra = '') => `POST /readings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n${extra}\r\n`
const chunk = (data: Buffer | string) => Buffer.concat([Buffer.from(`${Buffer.byteLength(data).toString(16)}\r\n`), Buffer.from(data), Buffer.from('\r\n')])
// A valid body of `bytes` bytes that costs nothing to parse: one reading padded with white space.
const padded = (bytes: number, sensorId: number) => JSON.stringify(reading(sensorId)).padEnd(bytes, ' ')

// Built before the probe starts: making them holds this process's event loop too.
const heldGzip = gzipSync(padded(800_000, 1))
const bigBody = padded(400_000, 2)
const abortedBody = padded(200_000, 3)
const probe = await probeHealth(origin)

t.test('headers that never finish are answered 408 problem+json and closed', async (t) => {
  const started = performance.now()
  const responses = await rawSend(port, 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ', 5000)
  t.equal(responses[0]?.status, 408)
  t.ok(isProblem(responses[0]!))
  t.ok(performance.now() - started < 4000, 'closed within a few seconds, not left open')
})

t.test('a chunked body that stalls is answered 408 and nothing from it is stored', async (t) => {
  const { socket, responses } = rawConnection(port, 5000)
  socket.write(chunkedHead())
  socket.write(chunk('[' + JSON.stringify(reading(1))))
  const [res] = await responses
  t.equal(res?.status, 408)
  t.ok(isProblem(res!))
  t.equal(await stored(), 0)
})

t.test('bodies in flight beyond INFLIGHT_BODY_LIMIT get 503 + Retry-After, and the bytes come back when the holder ends', async (t) => {
  // A stalled gzip upload: a few KB sent, 800 KB inflated and held.
  const held = heldGzip
  const staller = rawConnection(port, 5000)
  staller.socket.write(chunkedHead('Content-Encoding: gzip\r\n'))
  staller.socket.write(chunk(held.subarray(0, held.length - 8))) // all but the gzip trailer: inflated, never finished
  t.ok(held.length < 10_000, `${held.length} compressed bytes hold 800 KB`)
  await until(() => app.bodyBudget.bytesHeld > 700_000, 3000, 'the stalled upload to inflate')

  const body = bigBody
  const refused = await rawSend(port, `POST /readings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 5000, 1)
  t.equal(refused[0]?.status, 503)
  t.equal(refused[0]?.headers['retry-after'], '1')
  t.ok(isProblem(refused[0]!))

  const [timedOut] = await staller.responses
  t.equal(timedOut?.status, 408, 'the staller is timed out')
  t.equal(await stored(), 0, 'nothing stored from either')
  await until(() => app.bodyBudget.bytesHeld === 0, 3000, 'the bytes to be given back')
  const accepted = await rawSend(port, `POST /readings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`, 5000, 1)
  t.equal(accepted[0]?.status, 201, 'the same body is accepted once the bytes are given back')
})

t.test('a client that aborts its upload is logged below error level, and not as a database outage', async (t) => {
  const body = abortedBody
  const { socket } = rawConnection(port, 2000)
  socket.write(`POST /readings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 100_000)}`)
  await new Promise((resolve) => setTimeout(resolve, 200))
  const before = logs.length
  socket.resetAndDestroy()
  await until(() => logs.slice(before).some((l) => /aborted|closed the connection/.test(l.msg)), 3000, 'the abort logged')
  const entries = logs.slice(before)
  t.notOk(entries.some((l) => l.level >= 50), JSON.stringify(entries))
  t.notOk(entries.some((l) => /database/i.test(JSON.stringify(l))))
  t.equal(await stored(), 1, 'only the body accepted in the test before')
})

t.test('/health answered within 100 ms each time throughout', async (t) => {
  const health = withinBound(await probe.stop())
  t.ok(health.ok, health.summary)
})
