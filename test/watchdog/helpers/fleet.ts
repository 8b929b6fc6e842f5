import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { build } from '../../helpers/build.js'
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js'
import { FakeClock } from './fake-clock.js'
import { FakeDiscord } from './fake-discord.js'
import { startHarness, type Harness } from './harness.js'

interface TestContext {
  teardown(fn: () => unknown): void
}

/** The real API whose clock is the test's fake clock, reached through a proxy the test can cut. */
export interface FleetApi {
  app: FastifyInstance
  proxy: TcpProxy
  url: string
  clock: FakeClock
  /** Stores one reading per sensor at fake-clock time `at` (default now); one stored already is a duplicate. */
  report(sensors: number[], options?: { at?: number, variable?: string, value?: number, unit?: string }): Promise<void>
}

export async function startFleetApi (t: TestContext, databaseUrl: string, clock = new FakeClock(), overrides: { readTokens?: string[] } = {}): Promise<FleetApi> {
  // Fleet reads answer from the summary as it stands, so report() folds what it stored: the
  // watchdog then reads the fleet exactly, on the fake clock (as_of would be the real one).
  const app = await build(t, { databaseUrl, now: () => clock.now(), ...overrides })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const proxy = await startTcpProxy('127.0.0.1', (app.server.address() as AddressInfo).port)
  t.teardown(() => proxy.close())
  await app.pg.query('TRUNCATE readings, sensor_variable_summary, sensor_summary_deltas')
  return {
    app,
    proxy,
    url: `http://127.0.0.1:${proxy.port}`,
    clock,
    async report (sensors, options = {}) {
      const at = new Date(options.at ?? clock.now()).toISOString()
      for (let i = 0; i < sensors.length; i += 5000) {
        const res = await app.inject({
          method: 'POST',
          url: '/readings',
          payload: sensors.slice(i, i + 5000).map((id) => ({ sensor_id: id, timestamp: at, variable: options.variable ?? 'temperature', value: options.value ?? 20, unit: options.unit ?? 'C' }))
        })
        if (res.statusCode !== 201 && res.statusCode !== 200) throw new Error(`POST /readings answered ${res.statusCode}: ${res.body}`)
      }
      // A fold loop the timer started before these readings committed may end without them, and
      // drain() joins a running loop: the second call runs or joins one that started after it.
      await app.summary.drain()
      await app.summary.drain()
    }
  }
}

/** A watchdog on the fake clock watching the API (its /ready) and the fleet through it. */
export async function startFleetWatchdog (t: TestContext, api: FleetApi, fleet: Record<string, unknown> = {}, options: { discord?: FakeDiscord, discordConfig?: Record<string, unknown> } = {}): Promise<Harness> {
  return startHarness(t, {
    discord: { coalesce_window: '5s', ...options.discordConfig },
    defaults: { interval: '30s', timeout: '2s' },
    targets: [{ name: 'api', type: 'http', url: `${api.url}/ready` }],
    fleet: { api_url: api.url, interval: '30s', timeout: '5s', ingest_stall: '0s', silence: { after: '10m' }, ...fleet }
  }, { clock: api.clock, ...(options.discord ? { discord: options.discord } : {}) })
}

export const fleetEmbeds = (h: Harness): any[] => h.discord.incidentEmbeds.filter((e: any) => String(e.footer?.text).startsWith('fleet:'))
export const titles = (embeds: any[]): string[] => embeds.map((e) => e.title)
export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i)
