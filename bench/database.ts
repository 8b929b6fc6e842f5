import pg from 'pg'
import { startEmbeddedDatabase } from '../src/db/embedded.js'
import { migrate } from '../src/db/migrate.js'

export interface BenchDatabase {
  url: string
  kind: string
  drop(): Promise<void>
}

/**
 * A scratch database for the benchmark, so it never writes into real data: a new database on the
 * server of DATABASE_URL (dropped afterwards), or an in-memory embedded PGlite.
 */
export async function benchDatabase (): Promise<BenchDatabase> {
  const serverUrl = process.env.DATABASE_URL
  if (!serverUrl) {
    const embedded = await startEmbeddedDatabase('memory://', 20)
    await migrate(embedded.url)
    return { url: embedded.url, kind: 'embedded PGlite (in memory)', drop: () => embedded.close() }
  }
  const name = `iot_bench_${process.pid}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  await migrate(url.toString())
  const settings = await admin.query("SELECT current_setting('server_version') AS v, current_setting('synchronous_commit') AS sc")
  return {
    url: url.toString(),
    kind: `PostgreSQL ${settings.rows[0].v} (synchronous_commit=${settings.rows[0].sc})`,
    async drop () {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    }
  }
}
