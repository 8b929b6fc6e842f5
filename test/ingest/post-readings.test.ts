import t from 'tap'
import { build } from '../helpers/build.js'

const reading = (overrides: Record<string, unknown> = {}) => ({
  sensor_id: 7, timestamp: '2024-05-01T12:00:00.000001Z', variable: 'temperature', value: 21.5, unit: 'C', ...overrides
})

t.test('a new reading is stored and answered 201 with counts', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: '/readings', payload: reading() })
  t.equal(res.statusCode, 201)
  t.same(res.json(), { received: 1, inserted: 1, duplicates: 0, conflicts: [] })
  const { rows } = await app.pg.query("SELECT sensor_id, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') AS ts, variable, value, unit FROM readings")
  t.same(rows, [{ sensor_id: 7, ts: '2024-05-01T12:00:00.000001', variable: 'temperature', value: 21.5, unit: 'C' }])
})
