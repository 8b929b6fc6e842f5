import { runner } from 'node-pg-migrate'
import { migrationsDir } from '../paths.js'

export interface MigrationLogger {
  info(msg: string): void
}

/**
 * Applies every pending migration in migrations/ and resolves with the names applied.
 * node-pg-migrate holds a PostgreSQL advisory lock in 'wait' mode, so replicas that start
 * together queue up behind the first one and then find nothing left to do.
 */
export async function migrate (databaseUrl: string, logger?: MigrationLogger): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: migrationsDir,
    migrationsTable: 'schema_migrations',
    direction: 'up',
    advisoryLockMode: 'wait',
    singleTransaction: true,
    checkOrder: true,
    log: () => {},
    logger: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} }
  })
  const names = applied.map((m) => m.name)
  if (names.length > 0) logger?.info(`applied migrations: ${names.join(', ')}`)
  return names
}
