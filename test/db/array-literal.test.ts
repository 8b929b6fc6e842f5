import t from 'tap'
import { numberArray, textArray } from '../../src/db/array-literal.js'
import { testPool } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'

const db = await freshDatabase(t, { migrated: false })
const pool = testPool(t, db.url)

t.test('text arrays come back from PostgreSQL exactly as sent', async (t) => {
  const values = ['plain', '', 'a,b', '{braces}', 'NULL', ' spaced ', 'quote"d', 'back\\slash', '\\"', 'ünïcødé 🌡', '2024-05-01T00:00:00.000001+02:00']
  const { rows } = await pool.query('SELECT $1::text[] AS v', [textArray(values)])
  t.same(rows[0].v, values)
})

t.test('number arrays come back from PostgreSQL exactly as sent', async (t) => {
  const values = [0, -1.5, 0.1 + 0.2, 1.7976931348623157e308, 5e-324, -2.2250738585072014e-308, 1e21, 2147483647]
  const { rows } = await pool.query('SELECT $1::float8[] AS v', [numberArray(values)])
  t.same(rows[0].v.map(Number), values)
})

t.test('empty arrays', async (t) => {
  const { rows } = await pool.query('SELECT $1::text[] AS t, $2::int4[] AS i', [textArray([]), numberArray([])])
  t.same(rows[0], { t: [], i: [] })
})
