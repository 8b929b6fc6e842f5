import pg from 'pg'
import t from 'tap'
import { migrate } from '../../src/db/migrate.js'
import { freshDatabase } from '../helpers/database.js'

t.test('three replicas migrating at once apply each migration exactly once', async (t) => {
  const db = await freshDatabase(t, { migrated: false })
  const results = await Promise.all([migrate(db.url), migrate(db.url), migrate(db.url)])
  const appliedBy = results.map((names) => names.length)
  t.equal(appliedBy.filter((n) => n > 0).length, 1, `one replica applied the migrations (${appliedBy.join(', ')})`)

  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  t.teardown(() => client.end())
  const { rows } = await client.query('SELECT name, count(*)::int AS n FROM schema_migrations GROUP BY name')
  t.ok(rows.length > 0)
  t.ok(rows.every((r) => r.n === 1), 'each migration is recorded once')
  const table = await client.query("SELECT to_regclass('public.readings') AS t")
  t.equal(table.rows[0].t, 'readings')
})

t.test('migrating an up-to-date database applies nothing', async (t) => {
  const db = await freshDatabase(t)
  t.same(await migrate(db.url), [])
})
