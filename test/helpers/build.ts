import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { buildApp } from '../../src/app.js'
import { loadConfig, type AppConfig } from '../../src/config.js'
import { freshDatabase } from './database.js'

interface TestContext {
  teardown(fn: () => unknown): void
}

/** The app's config for tests: the defaults, a database URL and any overrides. */
export function testConfig (databaseUrl: string, overrides: Partial<AppConfig> = {}): AppConfig {
  return { ...loadConfig({}), instanceId: 'test', logLevel: 'silent', databaseUrl, ...overrides }
}

/** A ready app on its own fresh database (or the given one), closed on teardown. */
export async function build (t: TestContext, overrides: Partial<AppConfig> = {}): Promise<FastifyInstance> {
  const databaseUrl = overrides.databaseUrl ?? (await freshDatabase(t)).url
  const app = await buildApp(testConfig(databaseUrl, overrides), { logger: false })
  t.teardown(() => app.close())
  await app.ready()
  return app
}

/** A pg pool on the same database, for asserting what was stored; ended on teardown. */
export function testPool (t: TestContext, databaseUrl: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  // pool.end() resolves once it has asked its connections to close, not once they have: a test
  // database dropped right after (WITH (FORCE)) can terminate one still open, and the pool's
  // 'error' event for it, unheard, would fail the whole file. Queries still reject on their own.
  pool.on('error', () => {})
  t.teardown(() => pool.end())
  return pool
}
