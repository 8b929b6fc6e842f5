import t from 'tap'
import { float8Array, int4Array, int8Array, timestamptzArray } from '../../src/db/binary-array.js'
import { parseTimestamp } from '../../src/ingest/timestamp.js'
import { testPool } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'

const db = await freshDatabase(t, { migrated: false })
const pool = testPool(t, db.url)

t.test('int4 arrays come back from PostgreSQL exactly as sent', async (t) => {
  const values = [0, 1, -1, 2147483647, -2147483648, 42]
  const { rows } = await pool.query('SELECT $1::int4[] AS v', [int4Array(values)])
  t.same(rows[0].v, values)
})

t.test('int8 arrays come back from PostgreSQL exactly as sent', async (t) => {
  const values = [0, 1, -1, 4294967295, 4294967296, -4294967297, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]
  const { rows } = await pool.query('SELECT $1::int8[]::text[] AS v', [int8Array(values)])
  t.same(rows[0].v, values.map(String))
})

t.test('float8 arrays come back from PostgreSQL exactly as sent', async (t) => {
  const values = [0, -1.5, 0.1 + 0.2, 1.7976931348623157e308, 5e-324, -2.2250738585072014e-308, 1e21, 2147483647]
  const { rows } = await pool.query('SELECT $1::float8[] AS v', [float8Array(values)])
  t.same(rows[0].v, values)
})

t.test('timestamptz arrays keep every microsecond, before 1970 and 2000 and far from them', async (t) => {
  const texts = [
    '2024-05-01T12:34:56.789012Z', '2000-01-01T00:00:00.000000Z', '1999-12-31T23:59:59.999999Z',
    '1970-01-01T00:00:00.000001Z', '1969-12-31T23:59:59.999999Z', '0001-01-01T00:00:00.000001Z',
    '9999-12-31T23:59:59.999999Z', '2286-11-20T17:46:40.000001Z'
  ]
  const instants = texts.map((text) => {
    const parsed = parseTimestamp(text)
    if (!parsed.ok) throw new Error(`${text}: ${parsed.message}`)
    return parsed.value
  })
  const { rows } = await pool.query(
    `SELECT array_agg(to_char(v AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') ORDER BY n) AS v
     FROM unnest($1::timestamptz[]) WITH ORDINALITY AS u(v, n)`, [timestamptzArray(instants)])
  t.same(rows[0].v, texts)
})

t.test('empty arrays', async (t) => {
  const { rows } = await pool.query('SELECT $1::int4[] AS i, $2::timestamptz[] AS ts', [int4Array([]), timestamptzArray([])])
  t.same(rows[0], { i: [], ts: [] })
})
