import { gzipSync } from 'node:zlib'
import t from 'tap'
import { build } from '../helpers/build.js'

// Every body here must get a 4xx problem+json answer and store nothing; none may give a 5xx.
const valid = { sensor_id: 1, timestamp: '2024-05-01T00:00:00Z', variable: 'temperature', value: 1, unit: 'C' }
const json = (v: unknown) => JSON.stringify(v)
const withField = (k: string, v: unknown) => json({ ...valid, [k]: v })
const without = (k: string) => json(Object.fromEntries(Object.entries(valid).filter(([key]) => key !== k)))

const cases: Array<[name: string, body: string | Buffer, contentType?: string, extraHeaders?: Record<string, string>]> = [
  ['empty body', ''],
  ['whitespace only', '   \n'],
  ['truncated JSON', '{"sensor_id":1,'],
  ['bare string', json('hello')],
  ['bare number', '42'],
  ['null', 'null'],
  ['true', 'true'],
  ['array of nulls', json([null, null])],
  ['array of arrays', json([[valid]])],
  ['nested array item', json([valid, [valid]])],
  ['trailing garbage', json(valid) + 'x'],
  ['two JSON documents', json(valid) + json(valid)],
  ['NaN literal', '{"sensor_id":1,"timestamp":"2024-05-01T00:00:00Z","variable":"t","value":NaN,"unit":"C"}'],
  ['Infinity literal', '{"sensor_id":1,"timestamp":"2024-05-01T00:00:00Z","variable":"t","value":Infinity,"unit":"C"}'],
  ['huge exponent becomes Infinity', '{"sensor_id":1,"timestamp":"2024-05-01T00:00:00Z","variable":"t","value":1e999,"unit":"C"}'],
  ['__proto__ key', '{"__proto__":{"x":1},"sensor_id":1,"timestamp":"2024-05-01T00:00:00Z","variable":"t","value":1,"unit":"C"}'],
  ['constructor.prototype key', '{"constructor":{"prototype":{"x":1}},"sensor_id":1}'],
  ['unknown field', withField('extra', 1)],
  ['missing sensor_id', without('sensor_id')],
  ['missing timestamp', without('timestamp')],
  ['missing variable', without('variable')],
  ['missing value', without('value')],
  ['missing unit', without('unit')],
  ['sensor_id as string', withField('sensor_id', '1')],
  ['sensor_id fractional', withField('sensor_id', 1.5)],
  ['sensor_id negative', withField('sensor_id', -1)],
  ['sensor_id above int4', withField('sensor_id', 2147483648)],
  ['sensor_id 1e300', '{"sensor_id":1e300,"timestamp":"2024-05-01T00:00:00Z","variable":"t","value":1,"unit":"C"}'],
  ['sensor_id null', withField('sensor_id', null)],
  ['value as string', withField('value', '12')],
  ['value null', withField('value', null)],
  ['value boolean', withField('value', true)],
  ['value object', withField('value', { v: 1 })],
  ['variable empty', withField('variable', '')],
  ['variable too long', withField('variable', 'v'.repeat(101))],
  ['variable with NUL', withField('variable', 'temp\u0000')],
  ['variable with newline', withField('variable', 'temp\nx')],
  ['variable with DEL', withField('variable', 'temp\u007f')],
  ['variable with C1 control', withField('variable', 'temp\u0085')],
  ['variable lone surrogate', '{"sensor_id":1,"timestamp":"2024-05-01T00:00:00Z","variable":"\\ud800","value":1,"unit":"C"}'],
  ['variable as number', withField('variable', 5)],
  ['unit too long', withField('unit', 'u'.repeat(33))],
  ['unit with NUL', withField('unit', '\u0000')],
  ['unit null', withField('unit', null)],
  ['timestamp without offset', withField('timestamp', '2024-05-01T00:00:00')],
  ['timestamp date only', withField('timestamp', '2024-05-01')],
  ['timestamp with space', withField('timestamp', '2024-05-01 00:00:00Z')],
  ['timestamp nonsense', withField('timestamp', 'yesterday')],
  ['timestamp Feb 30', withField('timestamp', '2024-02-30T00:00:00Z')],
  ['timestamp Feb 29 in a common year', withField('timestamp', '2023-02-29T00:00:00Z')],
  ['timestamp hour 24', withField('timestamp', '2024-05-01T24:00:00Z')],
  ['timestamp leap second', withField('timestamp', '2024-05-01T23:59:60Z')],
  ['timestamp month 13', withField('timestamp', '2024-13-01T00:00:00Z')],
  ['timestamp year 0', withField('timestamp', '0000-01-01T00:00:00Z')],
  ['timestamp offset +24:00', withField('timestamp', '2024-05-01T00:00:00+24:00')],
  ['timestamp 7 fractional digits', withField('timestamp', '2024-05-01T00:00:00.1234567Z')],
  ['timestamp far future', withField('timestamp', '9999-12-31T23:59:59Z')],
  ['timestamp epoch fractional', withField('timestamp', 1714521600000.5)],
  ['timestamp epoch beyond year 9999', withField('timestamp', 8.64e15)],
  ['timestamp epoch negative huge', withField('timestamp', -1e17)],
  ['timestamp as epoch string', withField('timestamp', '1714521600000')],
  ['timestamp null', withField('timestamp', null)],
  ['timestamp object', withField('timestamp', { $date: 1 })],
  ['timestamp with SQL', withField('timestamp', "2024-05-01T00:00:00Z'); DROP TABLE readings;--")],
  ['deeply nested JSON', '['.repeat(5000) + ']'.repeat(5000)],
  ['NDJSON with a bad line', `${json(valid)}\nnot json`, 'application/x-ndjson'],
  ['NDJSON with an array line', json([valid]), 'application/x-ndjson'],
  ['NDJSON empty', '\n\n', 'application/x-ndjson'],
  ['text/plain', json(valid), 'text/plain'],
  ['form encoded', 'sensor_id=1', 'application/x-www-form-urlencoded'],
  ['xml', '<reading/>', 'application/xml'],
  ['invalid content type', json(valid), '!!!'],
  ['gzip header on plain body', json(valid), 'application/json', { 'content-encoding': 'gzip' }],
  ['unsupported content-encoding', json(valid), 'application/json', { 'content-encoding': 'zstd-x' }],
  ['truncated gzip', gzipSync(json(valid)).subarray(0, 10), 'application/json', { 'content-encoding': 'gzip' }],
  ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), 'application/json'],
  ['batch with one bad item at the end', json([valid, { ...valid, sensor_id: 2 }, { ...valid, value: 'x' }])]
]

t.test('malformed bodies get a 4xx problem and store nothing', async (t) => {
  const app = await build(t)
  for (const [name, body, contentType = 'application/json', extra = {}] of cases) {
    const res = await app.inject({ method: 'POST', url: '/readings', payload: body, headers: { 'content-type': contentType, ...extra } })
    t.ok(res.statusCode >= 400 && res.statusCode < 500, `${name}: 4xx (got ${res.statusCode})`)
    t.match(res.headers['content-type'], /^application\/problem\+json/, `${name}: problem+json`)
    const problem = res.json()
    t.equal(problem.status, res.statusCode, `${name}: status member`)
    t.notMatch(res.body, /at .*\.(js|ts):\d+|SELECT|INSERT/, `${name}: no stack trace or SQL`)
  }
  const { rows } = await app.pg.query('SELECT count(*)::int AS n FROM readings')
  t.equal(rows[0].n, 0, 'nothing stored')
})

t.test('validation errors list every bad field of every reading', async (t) => {
  const app = await build(t)
  const res = await app.inject({
    method: 'POST',
    url: '/readings',
    payload: [valid, { ...valid, sensor_id: '1', extra: true }, { ...valid, unit: 5 }]
  })
  t.equal(res.statusCode, 400)
  t.same(res.json().errors.map((e: { index: number, path: string }) => `${e.index}:${e.path}`).sort(), ['1:', '1:sensor_id', '2:unit'])
})

t.test('a malformed timestamp is reported beside the reading\'s other errors', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: '/readings', payload: { ...valid, sensor_id: -1, timestamp: '2024-02-30T00:00:00Z' } })
  t.equal(res.statusCode, 400)
  t.same(res.json().errors.map((e: { path: string }) => e.path).sort(), ['sensor_id', 'timestamp'])
})
