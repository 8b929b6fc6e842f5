import { readdir } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { runner } from 'node-pg-migrate'
import t from 'tap'
import { migrate } from '../../src/db/migrate.js'
import { PartitionMaintainer } from '../../src/partitions/maintainer.js'
import { migrationsDir } from '../../src/paths.js'
import { build, testPool } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'

const PARTITIONING = '1733000000000'
// A million on PostgreSQL; a tenth on embedded PGlite (WebAssembly), to stay within the file's timeout.
const STORED = { postgres: 1_000_000, pglite: 100_000 }

/** Migrates up to (not including) the migration that partitions readings: the previous release's schema. */
async function migrateToPreviousRelease (url: string): Promise<void> {
  const before = (await readdir(migrationsDir)).filter((f) => f.endsWith('.sql') && f < PARTITIONING)
  const dbClient = new pg.Client({ connectionString: url })
  await dbClient.connect()
  try {
    await runner({
      dbClient,
      dir: migrationsDir,
      migrationsTable: 'schema_migrations',
      direction: 'up',
      count: before.length,
      singleTransaction: true,
      checkOrder: true,
      log: () => {},
      logger: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} }
    })
  } finally {
    await dbClient.end()
  }
}

t.test('npm run migrate partitions a readings table of a million rows while writes go on: nothing lost, nothing doubled, no row rewritten', async (t) => {
  const db = await freshDatabase(t, { migrated: false })
  const stored = db.source === 'pglite' ? STORED.pglite : STORED.postgres
  await migrateToPreviousRelease(db.url)
  const pool = testPool(t, db.url)
  // 1,000 sensors x 1,000 readings 10 s apart, up to now, and their summary as the writer would have folded it.
  await pool.query(`
    INSERT INTO readings (sensor_id, ts, variable, value, unit)
    SELECT s, date_trunc('second', now()) - i * interval '10 s', 'temperature', i, 'C'
    FROM generate_series(1, 1000) s, generate_series(1, ${stored / 1000}) i`)
  await pool.query(`
    INSERT INTO sensor_variable_summary
    SELECT sensor_id, variable, count(*), min(ts), max(ts), 1, 'C' FROM readings GROUP BY sensor_id, variable`)
  const { rows: [file] } = await pool.query<{ node: string }>("SELECT pg_relation_filenode('readings')::text AS node")

  // The previous release keeps serving while the migration runs: a writer posting one reading at
  // a time through the app, which measures how long each takes.
  const app = await build(t, { databaseUrl: db.url, summaryFoldIntervalMs: 0 })
  let writing = true
  const accepted: number[] = []
  let longestMs = 0
  let longestBeforeMs = 0
  const writer = (async () => {
    for (let i = 1; writing; i++) {
      const started = performance.now()
      // As a sensor does: a 503 (the write was not confirmed in time) is sent again, and the
      // answer to the retry says whether this reading was new.
      for (let attempt = 1; ; attempt++) {
        const res = await app.inject({
          method: 'POST',
          url: '/readings',
          payload: { sensor_id: 5000 + (i % 7), timestamp: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(), variable: 'temperature', value: i, unit: 'C' }
        })
        if (res.statusCode === 201 || res.statusCode === 200) {
          accepted.push(i)
          break
        }
        if (res.statusCode !== 503 || attempt === 20) {
          t.fail(`write ${i} answered ${res.statusCode}: ${res.body}`)
          break
        }
      }
      longestMs = Math.max(longestMs, performance.now() - started)
    }
  })()
  // The same writes with no migration running, for comparison on a shared machine.
  await new Promise((resolve) => setTimeout(resolve, 1000))
  longestBeforeMs = longestMs
  longestMs = 0
  const migrationStarted = performance.now()
  // The rollups' migrations that follow backfill under a SHARE lock (docs/design/reading-rollups.md):
  // writes wait for them, which the longest write below includes.
  t.same((await migrate(db.url))[0], `${PARTITIONING}_partition-readings`)
  const migrationMs = performance.now() - migrationStarted
  await new Promise((resolve) => setTimeout(resolve, 300))
  writing = false
  await writer

  t.comment(`migration of ${stored} readings: ${migrationMs.toFixed(0)} ms; longest write meanwhile: ${longestMs.toFixed(0)} ms, ` +
    `in the second before: ${longestBeforeMs.toFixed(0)} ms (${accepted.length} writes in all; a write retried after a 503 counts from its first try)`)
  const { rows: [shape] } = await pool.query(`
    SELECT (SELECT relkind FROM pg_class WHERE relname = 'readings')::text AS kind,
           (SELECT relpartbound IS NOT NULL FROM pg_class WHERE relname = 'readings_legacy') AS legacy_is_partition,
           pg_relation_filenode('readings_legacy')::text AS legacy_node`)
  t.same(shape, { kind: 'p', legacy_is_partition: true, legacy_node: file!.node }, 'the old table is a partition now, its file the same: no row was rewritten')

  const { rows: [counts] } = await pool.query(`
    SELECT count(*)::int AS n, count(DISTINCT (sensor_id, ts, variable))::int AS keys,
           count(*) FILTER (WHERE sensor_id >= 5000)::int AS written
    FROM readings`)
  t.ok(accepted.length > 0, 'writes went on')
  t.same(counts, { n: stored + accepted.length, keys: stored + accepted.length, written: accepted.length }, 'every reading once')
  const { rows: values } = await pool.query<{ value: number }>('SELECT value FROM readings WHERE sensor_id >= 5000 ORDER BY value')
  t.same(values.map((r) => r.value), accepted, 'every accepted write, and only those')

  await app.summary.drain()
  const { rows: [mismatch] } = await pool.query(`
    SELECT count(*)::int AS n FROM sensor_variable_summary s
    FULL JOIN (SELECT sensor_id, variable, count(*) AS c, min(ts) AS f, max(ts) AS l FROM readings GROUP BY 1, 2) r USING (sensor_id, variable)
    WHERE s.reading_count IS DISTINCT FROM r.c OR s.first_seen IS DISTINCT FROM r.f OR s.last_seen IS DISTINCT FROM r.l`)
  t.equal(mismatch!.n, 0, 'the summary counts every reading')

  const { rows: [old] } = await pool.query('SELECT sensor_id, ts, value FROM readings_legacy WHERE sensor_id = 1 LIMIT 1')
  const again = { sensor_id: 1, timestamp: old!.ts.toISOString(), variable: 'temperature', value: old!.value, unit: 'C' }
  t.equal((await app.inject({ method: 'POST', url: '/readings', payload: again })).json().duplicates, 1, 'a reading stored before the upgrade is a duplicate')
  t.equal((await app.inject({ method: 'POST', url: '/readings', payload: { ...again, value: -1 } })).statusCode, 409, 'or a conflict')
})

const lockingDb = await freshDatabase(t, { migrated: false })
const oneSession = lockingDb.source === 'pglite' && 'embedded PGlite serves every connection from one session: another connection\'s open transaction holds all of them back'

t.test('a long transaction holding readings delays the upgrade\'s exclusive locks, which let writers through meanwhile', { skip: oneSession }, async (t) => {
  const db = lockingDb
  await migrateToPreviousRelease(db.url)
  const pool = testPool(t, db.url)
  await pool.query("INSERT INTO readings (sensor_id, ts, variable, value, unit) VALUES (1, '2024-01-01Z', 'v', 1, 'u')")
  const reader = new pg.Client({ connectionString: db.url })
  await reader.connect()
  t.teardown(() => reader.end())
  await reader.query('BEGIN')
  await reader.query('SELECT count(*) FROM readings')
  const migrating = migrate(db.url)
  // The migration waits for the reader's lock; a writer meanwhile gets in between its attempts.
  await new Promise((resolve) => setTimeout(resolve, 500))
  await pool.query("INSERT INTO readings (sensor_id, ts, variable, value, unit) VALUES (2, '2024-01-01Z', 'v', 1, 'u')")
  await new Promise((resolve) => setTimeout(resolve, 2000))
  await reader.query('COMMIT')
  t.same((await migrating)[0], `${PARTITIONING}_partition-readings`)
  const { rows } = await pool.query('SELECT sensor_id, tableoid::regclass::text AS p FROM readings ORDER BY sensor_id')
  t.same(rows, [{ sensor_id: 1, p: 'readings_legacy' }, { sensor_id: 2, p: 'readings_legacy' }])

  // Retention drops the legacy partition once all of it (everything before its bound) is old enough.
  const maintainer = new PartitionMaintainer(pool, { intervalS: 7 * 86_400, maxFutureSkewS: 300, retentionDays: 1 })
  t.same(await maintainer.dropExpired(new Date()), [], 'not yet: its bound is ahead of now')
  const dropped = await maintainer.dropExpired(new Date(Date.now() + 10 * 86_400_000))
  t.same(dropped.map((p) => [p.partition, p.from]), [['readings_legacy', null]])
})
