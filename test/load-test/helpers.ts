import { createServer } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import type { AppConfig } from '../../src/config.js'
import { parseLoadTestArgs, type LoadTestOptions } from '../../load-test/args.js'
import { testConfig } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'

interface Teardown {
  teardown(fn: () => unknown): void
}

export interface ListeningApp {
  app: FastifyInstance
  url: string
  databaseUrl: string
}

/**
 * The real API on a fresh database (or the given one), listening on 127.0.0.1, closed on
 * teardown. `setup` runs before the app is ready, so a test can add hooks to watch requests.
 */
export async function listeningApp (t: Teardown, options: {
  databaseUrl?: string
  config?: Partial<AppConfig>
  setup?: (app: FastifyInstance) => void
} = {}): Promise<ListeningApp> {
  const databaseUrl = options.databaseUrl ?? (await freshDatabase(t)).url
  const app = await buildApp(testConfig(databaseUrl, options.config), { logger: false })
  t.teardown(() => app.close())
  options.setup?.(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  return { app, url: `http://127.0.0.1:${port}`, databaseUrl }
}

/** Load-test options from command-line arguments, as the CLI would parse them. */
export function options (url: string, ...args: string[]): LoadTestOptions {
  const parsed = parseLoadTestArgs(['--url', url, ...args])
  if (parsed === 'help') throw new Error('unexpected --help')
  return parsed
}

/** Rows stored for sensors first..last, straight from the database. */
export async function storedRows (app: FastifyInstance, first: number, last: number): Promise<number> {
  const { rows } = await app.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM readings WHERE sensor_id BETWEEN $1 AND $2', [first, last])
  return rows[0]!.n
}

/** An http:// URL on 127.0.0.1 where nothing listens (a port just freed). */
export async function unreachableUrl (): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}`
}
