import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { startEmbeddedDatabase } from '../src/db/embedded.js'
import { migrate } from '../src/db/migrate.js'

export interface BenchDatabase {
  url: string
  kind: string
  /** COPY `table (columns)` FROM the text-format lines, committed when it resolves. */
  copyIn(table: string, columns: string, chunks: AsyncIterable<string>): Promise<void>
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
    return {
      url: embedded.url,
      kind: 'embedded PGlite (in memory)',
      // pglite-socket loses the protocol's sync on COPY FROM STDIN; PGlite reads COPY data from a Blob.
      async copyIn (table, columns, chunks) {
        const parts: string[] = []
        for await (const chunk of chunks) parts.push(chunk)
        await embedded.pglite.query(`COPY ${table} (${columns}) FROM '/dev/blob'`, [], { blob: new Blob(parts) })
      },
      drop: () => embedded.close()
    }
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
    async copyIn (table, columns, chunks) {
      const client = new pg.Client({ connectionString: url.toString() })
      await client.connect()
      try {
        await pipeline(Readable.from(chunks), client.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`)))
      } finally {
        await client.end()
      }
    },
    async drop () {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    }
  }
}
