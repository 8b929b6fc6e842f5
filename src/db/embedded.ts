import { mkdir } from 'node:fs/promises'
import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

export interface EmbeddedDatabase {
  /** A postgres:// URL the ordinary `pg` driver connects to. */
  url: string
  /** The instance itself, for what its socket cannot carry (COPY FROM STDIN). */
  pglite: PGlite
  close(): Promise<void>
}

/**
 * Starts PGlite (persisted in dataDir, or in memory for 'memory://') behind a PostgreSQL wire
 * protocol socket on a private loopback port, so the API keeps one SQL path: `pg` everywhere.
 */
export async function startEmbeddedDatabase (dataDir: string, maxConnections: number): Promise<EmbeddedDatabase> {
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true })
  const db = await PGlite.create(dataDir)
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections })
  await server.start()
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`,
    pglite: db,
    async close () {
      await server.stop()
      await db.close()
    }
  }
}
