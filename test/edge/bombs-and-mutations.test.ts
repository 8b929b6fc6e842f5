import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import t, { type Test } from 'tap'
import { build } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'
import { isProblem, portOf, probeHealth, rawSend, withinBound, type RawResponse } from './helpers.js'

// Compressed bombs, deep nesting and byte-level mutations of valid requests: never a 5xx, every
// error problem+json, nothing stored from a rejected request, /health answering, memory bounded.
const db = await freshDatabase(t)
const app = await build(t, { databaseUrl: db.url })
const origin = await app.listen({ port: 0, host: '127.0.0.1' })
const port = portOf(app)
const storedIds = async () => (await app.pg.query('SELECT sensor_id FROM readings ORDER BY 1')).rows.map((r: { sensor_id: number }) => r.sensor_id)

const MB = 1024 * 1024
const head = (length: number, extra = '') =>
  `POST /readings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nConnection: close\r\n${extra}\r\n`
const request = (body: Buffer, extra = '') => Buffer.concat([Buffer.from(head(body.length, extra)), body])
const gzipRequest = (text: string) => request(gzipSync(text), 'Content-Encoding: gzip\r\n')

// Built before any probing: making them holds this process's event loop.
const bombs: Array<[string, Buffer]> = [
  ['nested arrays, 9 MB inflated', gzipRequest('['.repeat(4.5 * MB) + ']'.repeat(4.5 * MB))],
  ['nested objects', gzipRequest('{"a":'.repeat(MB) + '1' + '}'.repeat(MB))],
  ['a flat array of 4 million numbers', gzipRequest(`[${'1,'.repeat(4 * MB)}1]`)],
  ['an object with 900,000 keys', gzipRequest(`{${Array.from({ length: 900_000 }, (_, i) => `"k${i}":1`).join(',')}}`)],
  ['over BODY_LIMIT once inflated', gzipRequest(' '.repeat(11 * MB))],
  ['gzip that is not gzip', request(Buffer.from('not gzip at all'), 'Content-Encoding: gzip\r\n')],
  ['an encoding nobody supports', request(Buffer.from('{}'), 'Content-Encoding: lzma\r\n')]
]

function checkAnswer (t: Test, name: string, responses: RawResponse[]): void {
  const res = responses[0]
  t.ok(res !== undefined, `${name}: answered`)
  if (res === undefined) return
  t.ok(res.status >= 400 && res.status < 500, `${name}: 4xx (${res.status})`)
  t.ok(isProblem(res), `${name}: problem+json`)
}

t.test('compressed bombs are refused 4xx problem+json, with /health answering and memory bounded', async (t) => {
  const rssBefore = process.memoryUsage().rss
  const probe = await probeHealth(origin)
  // Eight at once, as in the report that found the stall.
  for (const [name, bytes] of bombs) {
    const answers = await Promise.all(Array.from({ length: 8 }, () => rawSend(port, bytes, 10_000, 1)))
    for (const responses of answers) checkAnswer(t, name, responses)
  }
  const health = withinBound(await probe.stop())
  t.ok(health.ok, health.summary)
  const grownMb = (process.memoryUsage().rss - rssBefore) / MB
  t.ok(grownMb < 400, `resident memory grew ${grownMb.toFixed(0)} MB`)
  t.same(await storedIds(), [])
})

t.test('byte-level mutations of a valid request: never a 5xx, errors are problem+json, rejected ones store nothing', async (t) => {
  const valid = (id: number) => `{"sensor_id":${id},"timestamp":"2024-05-01T00:00:00Z","variable":"temperature","value":21.5,"unit":"C"}`
  const probe = await probeHealth(origin)
  let id = 1000
  let inserted = 0
  const unanswered: string[] = []
  await fc.assert(fc.asyncProperty(
    fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), op: fc.constantFrom('set', 'insert', 'delete') }), { minLength: 1, maxLength: 4 }),
    fc.boolean(),
    async (mutations, inHead) => {
      const sensorId = id++
      const bytes = [...request(Buffer.from(valid(sensorId)))]
      const headLength = head(valid(sensorId).length).length
      for (const m of mutations) {
        // Mutate the head or the body, so both the HTTP parser and the JSON path get exercised.
        const at = inHead ? m.at % headLength : headLength + (m.at % (bytes.length - headLength))
        if (m.op === 'set') bytes[at] = m.byte
        else if (m.op === 'insert') bytes.splice(at, 0, m.byte)
        else bytes.splice(at, 1)
      }
      const responses = await rawSend(port, Buffer.from(bytes), 3000, 1, true)
      if (responses.length === 0) unanswered.push(Buffer.from(bytes).toString('latin1'))
      for (const r of responses) {
        if (r.status >= 500) throw new Error(`5xx: ${r.status} ${r.body}`)
        if (r.status >= 400 && !isProblem(r)) throw new Error(`not problem+json: ${r.status} ${r.headers['content-type']} ${r.body}`)
        if (r.status === 201) inserted += (JSON.parse(r.body) as { inserted: number }).inserted
      }
    }
  ), { numRuns: 200, seed: 14 })
  const health = withinBound(await probe.stop())
  t.ok(health.ok, health.summary)
  // A mutation may change the id, the time or the text; whatever it stored, it said so.
  t.same(unanswered, [], 'every request answered')
  t.equal((await storedIds()).length, inserted, 'the readings stored are exactly the ones answered 201 as inserted')
})
