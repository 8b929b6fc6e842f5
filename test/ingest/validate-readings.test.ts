import t from 'tap'
import { validateReadings } from '../../src/ingest/reading.js'

const NOW = Date.parse('2024-05-01T12:00:00Z')
const valid = { sensor_id: 1, timestamp: '2024-05-01T00:00:00Z', variable: 'temperature', value: 1, unit: 'C' }
const errorsOf = (...items: unknown[]) => {
  const r = validateReadings(items, NOW, 300)
  return r.ok ? [] : r.errors
}
const messageFor = (field: string, value: unknown) =>
  errorsOf({ ...valid, [field]: value }).map((e) => `${e.path}: ${e.message}`)

t.test('a valid reading yields its instant and fields', async (t) => {
  const r = validateReadings([{ ...valid, timestamp: '2024-05-01T02:00:00.000123+02:00' }], NOW, 300)
  t.same(r, { ok: true, readings: [{ sensorId: 1, epochMs: Date.parse('2024-05-01T00:00:00Z'), microsInMs: 123, variable: 'temperature', value: 1, unit: 'C' }] })
})

t.test('each field the schema rejects has the message clients know', async (t) => {
  t.same(messageFor('sensor_id', '1'), ['sensor_id: must be a whole number from 0 to 2147483647'])
  t.same(messageFor('sensor_id', 2147483648), ['sensor_id: must be a whole number from 0 to 2147483647'])
  t.same(messageFor('value', '12'), ['value: must be a finite number'])
  t.same(messageFor('variable', ''), ['variable: must not be empty'])
  t.same(messageFor('variable', 7), ['variable: must be a string'])
  t.same(messageFor('variable', 'v'.repeat(101)), ['variable: must have at most 100 characters'])
  t.same(messageFor('unit', 'u'.repeat(33)), ['unit: must have at most 32 characters'])
  t.same(messageFor('unit', 'C\n'), ['unit: must not contain control characters'])
  t.same(messageFor('variable', 'temp\ud800'), ['variable: must be valid Unicode (no lone surrogates)'])
  t.same(messageFor('timestamp', null), ['timestamp: expected an ISO 8601 string or epoch milliseconds'])
  t.same(messageFor('timestamp', '2024-05-01 00:00:00Z'), [`timestamp: ${'expected ISO 8601 with an offset, like 2024-05-01T12:00:00.123456Z or 2024-05-01T14:00:00+02:00, or epoch milliseconds'}`])
  t.same(messageFor('timestamp', '2024-05-01T00:00:00.1234567Z'), ['timestamp: timestamp is finer than a microsecond; send at most 6 fractional digits'])
  t.same(messageFor('timestamp', 8.64e15), ['timestamp: timestamp is outside the years 0001 to 9999'])
})

t.test('Infinity and NaN are not numbers, whatever the parser made of them', async (t) => {
  t.same(messageFor('value', Infinity), ['value: must be a finite number'])
  t.same(messageFor('value', NaN), ['value: must be a finite number'])
  t.same(messageFor('sensor_id', Infinity), ['sensor_id: must be a whole number from 0 to 2147483647'])
})

t.test('a missing field is required, not of the wrong type', async (t) => {
  const { unit: _unit, sensor_id: _id, ...rest } = valid
  t.same(errorsOf(rest).map((e) => `${e.path}: ${e.message}`), ['sensor_id: is required', 'unit: is required'])
})

t.test('lengths count characters, not UTF-16 units', async (t) => {
  t.same(errorsOf({ ...valid, variable: '🌡'.repeat(100) }), [], '100 characters outside the BMP are 100 characters')
  t.same(messageFor('variable', '🌡'.repeat(101)), ['variable: must have at most 100 characters'])
})

t.test('an impossible date is reported beside the other errors of its reading', async (t) => {
  t.same(errorsOf({ ...valid, sensor_id: -1, timestamp: '2024-02-30T00:00:00Z' }).map((e) => e.path), ['sensor_id', 'timestamp'])
})

t.test('unknown fields are one error naming at most ten of them', async (t) => {
  const extra = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, i]))
  const errors = errorsOf({ ...valid, ...extra })
  t.equal(errors.length, 1)
  t.equal(errors[0]!.path, '')
  t.equal(errors[0]!.message, 'unknown fields: k0, k1, k2, k3, k4, k5, k6, k7, k8, k9 and 15 more')
})

t.test('an item that is not an object is one error', async (t) => {
  t.same(errorsOf([valid], null, 'x'), [
    { index: 0, path: '', message: 'a reading must be a JSON object' },
    { index: 1, path: '', message: 'a reading must be a JSON object' },
    { index: 2, path: '', message: 'a reading must be a JSON object' }
  ])
})

t.test('a reading too far in the future is refused, one within the skew is not', async (t) => {
  t.same(messageFor('timestamp', NOW + 301_000), ['timestamp: is more than 300 s in the future'])
  t.same(errorsOf({ ...valid, timestamp: NOW + 299_000 }), [])
})

t.test('one bad reading rejects the batch, and at most 100 errors are reported', async (t) => {
  const r = validateReadings(Array.from({ length: 150 }, () => ({ ...valid, value: 'x' })), NOW, 300)
  t.equal(r.ok, false)
  t.equal(r.ok ? 0 : r.errors.length, 100)
  t.same(validateReadings([valid, { ...valid, value: 'x' }], NOW, 300).ok, false)
})
