import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { startEmbeddedDatabase } from '../../src/db/embedded.js'
import { migrate } from '../../src/db/migrate.js'

interface Teardown {
  teardown(fn: () => unknown): void
}

export type DatabaseSource = 'TEST_DATABASE_URL' | 'testcontainers' | 'pglite'

export interface TestDatabase {
  url: string
  source: DatabaseSource
}

/**
 * A fresh, empty database for one test file, from (in order): TEST_DATABASE_URL (a server on
 * which we may create databases), a testcontainers PostgreSQL when a Docker engine answers, or an
 * in-memory PGlite behind its socket server. Dropped or stopped on teardown.
 */
export async function freshDatabase (t: Teardown, { migrated = true } = {}): Promise<TestDatabase> {
  const db = await createDatabase(t)
  if (migrated) await migrate(db.url)
  return db
}

async function createDatabase (t: Teardown): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL
  if (serverUrl) {
    const name = `test_${process.pid}_${randomBytes(4).toString('hex')}`
    await adminQuery(serverUrl, `CREATE DATABASE ${name}`)
    t.teardown(() => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    const url = new URL(serverUrl)
    url.pathname = `/${name}`
    return { url: url.toString(), source: 'TEST_DATABASE_URL' }
  }

  const container = await startContainer()
  if (container) {
    t.teardown(() => container.stop())
    return { url: container.getConnectionUri(), source: 'testcontainers' }
  }

  const embedded = await startEmbeddedDatabase('memory://', 20)
  t.teardown(() => embedded.close())
  return { url: embedded.url, source: 'pglite' }
}

async function adminQuery (serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

async function startContainer () {
  try {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql')
    return await new PostgreSqlContainer('postgres:17-alpine').start()
  } catch (err) {
    // No Docker engine: testcontainers says so within milliseconds; fall through to PGlite.
    if (/container runtime strategy/i.test((err as Error).message)) return undefined
    throw err
  }
}

/** Empties every table but the migrations log, so the tests of one file can share its database. */
export async function truncateAll (url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ name: string }>(
      "SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'")
    if (rows.length > 0) await client.query(`TRUNCATE ${rows.map((r) => r.name).join(', ')}`)
  } finally {
    await client.end()
  }
}

/**
 * Holds an exclusive lock on `readings` so flushes wait behind it: a way to catch writes in flight.
 * Resolves with the function that releases it.
 */
export async function holdReadingsLock (pool: pg.Pool): Promise<() => Promise<void>> {
  const client = await pool.connect()
  await client.query('BEGIN; LOCK TABLE readings IN EXCLUSIVE MODE')
  return async () => {
    await client.query('ROLLBACK')
    client.release()
  }
}
