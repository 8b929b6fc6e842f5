import { gzipSync } from 'node:zlib'
import t from 'tap'
import { build } from '../helpers/build.js'
import { freshDatabase, truncateAll } from '../helpers/database.js'

// Bytes that are not what they claim to be are refused, never repaired and stored.
const db = await freshDatabase(t)
t.beforeEach(() => truncateAll(db.url))
const app = await build(t, { databaseUrl: db.url })

const reading = (variable: string) => `{"sensor_id":1,"timestamp":"2024-05-01T00:00:00Z","variable":"${variable}","value":1,"unit":"C"}`
const latin1 = (s: string) => Buffer.from(s, 'latin1')
const stored = async () => Number((await app.pg.query('SELECT count(*) AS n FROM readings')).rows[0].n)
const post = (payload: Buffer | string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/readings', payload, headers: { 'content-type': 'application/json', ...headers } })

t.test('raw bytes that are not UTF-8 are a 400, nothing stored', async (t) => {
  for (const [name, body] of [
    ['a lone Latin-1 byte', latin1(reading('temp\xe9rature'))],
    ['an overlong encoding', Buffer.concat([Buffer.from(reading('x').slice(0, 50)), Buffer.from([0xc0, 0xaf]), Buffer.from(reading('x').slice(50))])],
    ['an encoded surrogate', Buffer.concat([Buffer.from(reading('x').slice(0, 50)), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(reading('x').slice(50))])]
  ] as const) {
    const res = await post(body)
    t.equal(res.statusCode, 400, name)
    t.match(res.json(), { type: /invalid-utf8/ }, name)
  }
  const ndjson = await post(latin1(reading('\xff')), { 'content-type': 'application/x-ndjson' })
  t.equal(ndjson.statusCode, 400)
  const gzipped = await post(gzipSync(latin1(reading('\xff'))), { 'content-encoding': 'gzip' })
  t.equal(gzipped.statusCode, 400)
  t.equal(await stored(), 0)
})

t.test('two different invalid byte strings do not collide as one reading', async (t) => {
  t.equal((await post(latin1(reading('a\xe9')))).statusCode, 400)
  t.equal((await post(latin1(reading('a\xe8')))).statusCode, 400)
  t.equal(await stored(), 0)
})

t.test('a charset other than UTF-8 is a 415; utf-8 in any spelling is accepted', async (t) => {
  for (const charset of ['latin1', 'ISO-8859-1', 'utf-16', '"windows-1252"']) {
    const res = await post(reading('x'), { 'content-type': `application/json; charset=${charset}` })
    t.equal(res.statusCode, 415, charset)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
  }
  t.equal(await stored(), 0)
  for (const [i, charset] of ['utf-8', 'UTF-8', 'utf8', '"utf-8"'].entries()) {
    const res = await post(reading(`v${i}`), { 'content-type': `application/json; charset=${charset}` })
    t.equal(res.statusCode, 201, charset)
  }
})

t.test('ids and timestamps that only round to whole numbers are a 400 naming the field', async (t) => {
  const cases: Array<[string, string]> = [
    ['{"sensor_id":1e-400,"timestamp":"2024-05-01T00:00:00Z","variable":"t","value":1,"unit":"C"}', 'sensor_id'],
    ['{"sensor_id":7.0000000000000001,"timestamp":"2024-05-01T00:00:00Z","variable":"t","value":1,"unit":"C"}', 'sensor_id'],
    ['{"sensor_id":7,"timestamp":1714521600000.0000001,"variable":"t","value":1,"unit":"C"}', 'timestamp']
  ]
  for (const [body, path] of cases) {
    const res = await post(body)
    t.equal(res.statusCode, 400, body)
    t.match(res.json(), { errors: [{ index: 0, path }] }, body)
  }
  t.equal(await stored(), 0)
  t.equal((await post('{"sensor_id":7.0,"timestamp":1.7145216e12,"variable":"t","value":1,"unit":"C"}')).statusCode, 201, 'exact whole numbers still pass')
})

t.test('a gzip body inflating to deep nesting is refused fast with a 400', async (t) => {
  const bomb = gzipSync('['.repeat(4_000_000) + ']'.repeat(4_000_000))
  t.ok(bomb.length < 50_000)
  const res = await post(bomb, { 'content-encoding': 'gzip' })
  t.equal(res.statusCode, 400)
  t.match(res.json(), { type: /too-deep/ })
})

t.test('the unknown-field error names a few keys, not all of them', async (t) => {
  const keys = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, 1]))
  const res = await post(JSON.stringify({ sensor_id: 1, timestamp: '2024-05-01T00:00:00Z', variable: 't', value: 1, unit: 'C', ...keys }))
  t.equal(res.statusCode, 400)
  t.ok(res.body.length < 2000, `${res.body.length} bytes`)
  t.match(res.json(), { errors: [{ index: 0, message: /k0, .*and \d+ more/ }] })
})
