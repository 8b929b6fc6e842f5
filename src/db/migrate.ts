import pg from 'pg'
import { runner } from 'node-pg-migrate'
import { migrationsDir } from '../paths.js'
import { isPglite } from './pglite.js'

export interface MigrationLogger {
  info(msg: string): void
}

export interface MigrationOptions {
  /** MAX_FUTURE_SKEW_S of the replicas, which the partitioning migration must leave room for (default 300). */
  maxFutureSkewS?: number
}

/** Runs of migrate() in progress per embedded (PGlite) database URL, latest last. */
const embeddedRuns = new Map<string, Promise<string[]>>()

async function applyPending (dbClient: pg.Client): Promise<string[]> {
  const applied = await runner({
    dbClient,
    dir: migrationsDir,
    migrationsTable: 'schema_migrations',
    direction: 'up',
    advisoryLockMode: 'wait',
    singleTransaction: true,
    checkOrder: true,
    log: () => {},
    logger: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} }
  })
  return applied.map((m) => m.name)
}

/**
 * Applies every pending migration in migrations/ and resolves with the names applied.
 * node-pg-migrate holds a PostgreSQL advisory lock in 'wait' mode, so replicas that start
 * together queue up behind the first one and then find nothing left to do.
 * Embedded PGlite serves every connection from one session, where that lock is re-entrant and
 * holds nobody back; its database belongs to this process alone, so here runs queue in memory.
 */
export async function migrate (databaseUrl: string, logger?: MigrationLogger, options: MigrationOptions = {}): Promise<string[]> {
  // One client of ours for the whole run: node-pg-migrate does not wait for a connection it opens
  // itself to close, so migrate() could resolve with it still open (and, with no 'error' listener
  // on it, a server closing it afterwards crashed the process).
  const client = new pg.Client({ connectionString: databaseUrl })
  client.on('error', () => {})
  await client.connect()
  if (options.maxFutureSkewS !== undefined) await client.query(`SET iot.max_future_skew_s = ${Math.trunc(options.maxFutureSkewS)}`)
  let names: string[]
  try {
    if (await isPglite(client)) {
      const run = (embeddedRuns.get(databaseUrl) ?? Promise.resolve([])).catch(() => []).then(() => applyPending(client))
      embeddedRuns.set(databaseUrl, run)
      try {
        names = await run
      } finally {
        if (embeddedRuns.get(databaseUrl) === run) embeddedRuns.delete(databaseUrl)
      }
    } else {
      names = await applyPending(client)
    }
  } finally {
    await client.end()
  }
  if (names.length > 0) logger?.info(`applied migrations: ${names.join(', ')}`)
  return names
}
