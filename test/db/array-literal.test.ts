import t from 'tap'
import { textArray } from '../../src/db/array-literal.js'
import { testPool } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'

const db = await freshDatabase(t, { migrated: false })
const pool = testPool(t, db.url)

t.test('text arrays come back from PostgreSQL exactly as sent', async (t) => {
  const values = ['plain', '', 'a,b', '{braces}', 'NULL', ' spaced ', 'quote"d', 'back\\slash', '\\"', 'ünïcødé 🌡', '2024-05-01T00:00:00.000001+02:00']
  const { rows } = await pool.query('SELECT $1::text[] AS v', [textArray(values)])
  t.same(rows[0].v, values)
})

t.test('an empty text array', async (t) => {
  const { rows } = await pool.query('SELECT $1::text[] AS t', [textArray([])])
  t.same(rows[0], { t: [] })
})
