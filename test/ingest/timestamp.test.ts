import t from 'tap'
import { compareInstants, parseTimestamp } from '../../src/ingest/timestamp.js'

const instant = (input: unknown) => {
  const r = parseTimestamp(input)
  if (!r.ok) throw new Error(r.message)
  return `${r.value.epochMs}.${r.value.microsInMs}`
}

t.test('the same instant in two offsets has one canonical form', async (t) => {
  t.equal(instant('2024-01-01T00:00:00Z'), instant('2024-01-01T03:00:00+03:00'))
  t.equal(instant('2024-01-01T00:00:00Z'), instant('2023-12-31T19:30:00-04:30'))
})

t.test('microseconds are kept apart', async (t) => {
  t.not(instant('2024-01-01T00:00:00.000001Z'), instant('2024-01-01T00:00:00.000002Z'))
  t.equal(instant('2024-01-01T00:00:00.1Z'), instant('2024-01-01T00:00:00.100000Z'))
})

t.test('epoch milliseconds equal the ISO form of the same instant', async (t) => {
  t.equal(instant(Date.parse('2024-05-01T10:20:30.456Z')), instant('2024-05-01T10:20:30.456Z'))
})

t.test('instants before 1970 are canonical too', async (t) => {
  t.equal(instant('1969-12-31T23:59:59.9995Z'), instant('1970-01-01T00:59:59.9995+01:00'))
  t.equal(instant(-1), instant('1969-12-31T23:59:59.999Z'))
})

t.test('years below 100 are not taken for 19xx', async (t) => {
  const r = parseTimestamp('0050-06-01T00:00:00Z')
  t.ok(r.ok)
  if (r.ok) t.equal(new Date(r.value.epochMs).getUTCFullYear(), 50)
})

t.test('rejections say why', async (t) => {
  t.match(parseTimestamp('2024-01-01T00:00:00.1234567Z'), { ok: false, message: /microsecond/ })
  t.match(parseTimestamp('2024-02-30T00:00:00Z'), { ok: false, message: /calendar/ })
  t.match(parseTimestamp('2024-01-01T00:00:00'), { ok: false, message: /offset/ })
  t.match(parseTimestamp(1.5), { ok: false, message: /whole number/ })
  t.match(parseTimestamp(true), { ok: false })
})

t.test('the instant as numbers: epoch milliseconds, then microseconds past them', async (t) => {
  const parts = (input: unknown) => {
    const r = parseTimestamp(input)
    if (!r.ok) throw new Error(r.message)
    return [r.value.epochMs, r.value.microsInMs]
  }
  t.same(parts('2024-01-01T02:00:00.123456+02:00'), [Date.parse('2024-01-01T00:00:00.123Z'), 456])
  t.same(parts('1969-12-31T23:59:59.999500Z'), [-1, 500])
  t.same(parts(1714558830456), [1714558830456, 0])
})

t.test('instants order by milliseconds, then by microseconds within them', async (t) => {
  const at = (epochMs: number, microsInMs = 0, sensorId = 1) => ({ sensorId, epochMs, microsInMs })
  t.ok(compareInstants(at(999, 999), at(1000)) < 0)
  t.ok(compareInstants(at(1000, 9), at(1000, 10)) < 0)
  t.ok(compareInstants(at(-5, 999), at(-4)) < 0, 'before the epoch too')
  t.equal(compareInstants(at(1000, 5, 1), at(1000, 5, 2)), 0)
})
