import { loadConfig } from '../config.js'
import { migrate } from './migrate.js'

// `npm run migrate`: applies pending migrations to DATABASE_URL and exits.
try {
  const { databaseUrl, maxFutureSkewS } = loadConfig()
  if (!databaseUrl) throw new Error('DATABASE_URL is not set: nothing to migrate (the embedded database migrates itself on start)')
  const applied = await migrate(databaseUrl, undefined, { maxFutureSkewS })
  console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database is up to date')
} catch (err) {
  console.error((err as Error).message)
  process.exitCode = 1
}
