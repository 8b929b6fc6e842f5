import t from 'tap'
import { isExactInteger, scanBody } from '../../src/ingest/body-scan.js'

const limits = { maxDepth: 8, maxItems: 100, maxValues: 1600 }
const scan = (text: string, ndjson = false) => scanBody(Buffer.from(text), limits, ndjson)

t.test('whole-number literals are told from ones that only round to a whole number', async (t) => {
  for (const s of ['7', '-7', '0', '7.0', '7.000', '15e2', '1.5E3', '0.0e-5', '1e400', '10e-1', '1500e-2']) t.ok(isExactInteger(s), s)
  for (const s of ['1e-400', '7.0000000000000001', '1.5', '1e-1', '15e-1', '1714521600000.5', '123e-2']) t.notOk(isExactInteger(s), s)
})

t.test('a batch of readings passes', async (t) => {
  const reading = '{"sensor_id":7,"timestamp":1714521600000,"variable":"t","value":1.5e-3,"unit":"C"}'
  t.same(scan(`[${reading},${reading}]`), { ok: true, errors: [] })
  t.same(scan(`${reading}\n\n${reading}\n`, true), { ok: true, errors: [] })
})

t.test('nesting beyond the limit is refused before parsing', async (t) => {
  t.match(scan('['.repeat(9) + ']'.repeat(9)), { ok: false, status: 400, slug: 'too-deep' })
  t.match(scan('['.repeat(8) + ']'.repeat(8)), { ok: true })
  t.match(scan('{"a":'.repeat(100_000)), { ok: false, status: 400 })
})

t.test('brackets inside strings, escaped quotes included, do not count', async (t) => {
  t.match(scan(JSON.stringify({ variable: '[[[[[[[[[[{{{{{{{{{{"\\"[[[[[[' })), { ok: true })
})

t.test('more readings than the limit are refused before parsing', async (t) => {
  t.match(scan(`[${'{},'.repeat(100)}{}]`), { ok: false, status: 413, slug: 'batch-too-large' })
  t.match(scan(`[${'{},'.repeat(99)}{}]`), { ok: true })
  t.match(scan('{}\n'.repeat(101), true), { ok: false, status: 413 })
})

t.test('a body with more values than its readings could hold is refused', async (t) => {
  t.match(scan(`{${Array.from({ length: 2000 }, (_, i) => `"k${i}":1`).join(',')}}`), { ok: false, status: 413, slug: 'body-too-complex' })
  t.match(scan(`[[${'1,'.repeat(2000)}1]]`), { ok: false, status: 413 })
})

t.test('ids and epoch timestamps that only round to whole numbers are named with their reading', async (t) => {
  const r = (id: string, ts = '1714521600000') => `{"variable":"t","sensor_id":${id},"timestamp":${ts},"value":7.0000000000000001,"unit":""}`
  t.same(scan(`[${r('1')},${r('1e-400')},${r('2', '1714521600000.0000001')}]`), {
    ok: true,
    errors: [
      { index: 1, path: 'sensor_id', message: '1e-400 is not a whole number; send ids without a fraction or exponent that rounds' },
      { index: 2, path: 'timestamp', message: '1714521600000.0000001 is not a whole number; send epoch milliseconds without a fraction or exponent that rounds' }
    ]
  })
  t.match(scan(`${r('3')}\n\n${r('7.0000000000000001')}`, true), { errors: [{ index: 1, path: 'sensor_id' }] })
  t.match(scan('{"sensor\\u005fid":1e-400}'), { errors: [{ index: 0, path: 'sensor_id' }] })
  t.same(scan('{"x":{"sensor_id":1e-400}}'), { ok: true, errors: [] }, 'only a reading\'s own fields')
})
