import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppConfig } from '../config.js'
import { isPglite } from '../db/pglite.js'
import { SensorsRepository } from '../read/sensors-repository.js'
import { SensorsService } from '../read/sensors-service.js'
import { FleetFeed } from './fleet-feed.js'
import { FleetCountsReader } from './fleet-page-data.js'
import { FleetRepository } from './fleet-repository.js'
import liveRoutes from './live-routes.js'
import pageRoutes from './page-routes.js'
import { SensorPageReader } from './sensor-page-data.js'
import { SummaryNotifications, SummaryPolling, type SummaryChanges } from './summary-changes.js'

declare module 'fastify' {
  interface FastifyInstance {
    fleetFeed: FleetFeed
  }
}

/** How often the feed rereads the summary where no NOTIFY arrives (embedded PGlite). */
const POLL_INTERVAL_MS = 1000
/** How long a replica keeps following the fleet after its last page closed: a reload or the next page opens at once. */
const LINGER_MS = 60_000

/** The dashboard: its pages and the live feed they follow (docs/dashboard.md). */
export default fp(async function dashboard (fastify: FastifyInstance, opts: { config: AppConfig, webRoot?: string }) {
  const { config } = opts
  const pool = fastify.pg.pool
  const createSource = async (): Promise<SummaryChanges> => await isPglite(pool)
    ? new SummaryPolling(POLL_INTERVAL_MS)
    : new SummaryNotifications({
      connectionString: config.databaseUrl!,
      connectTimeoutMs: config.dbConnectTimeoutMs,
      applicationName: `iot-sensors-service/${config.instanceId}/live`,
      log: fastify.log
    })
  const feed = new FleetFeed(new FleetRepository(pool), createSource, fastify.log, LINGER_MS)
  fastify.decorate('fleetFeed', feed)
  // Before the server waits for open connections to end: a stream never would.
  fastify.addHook('preClose', () => feed.close())

  // Only where reads are open: with READ_TOKENS, a page must not carry data to a tab without a token.
  const readsOpen = config.readTokens.length === 0
  const sensorPages = readsOpen
    ? new SensorPageReader(pool, fastify.summary, { waitMs: config.summaryReadWaitMs, onStale: () => fastify.metrics.staleRead() })
    : undefined
  const fleetPage = readsOpen
    ? new FleetCountsReader(new SensorsService(new SensorsRepository(pool), fastify.summary, { waitMs: config.summaryReadWaitMs }))
    : undefined
  await fastify.register(pageRoutes, { root: opts.webRoot, sensorPages, fleetPage })
  await fastify.register(liveRoutes, { config, feed })
}, { name: 'dashboard', dependencies: ['db', 'summary', 'metrics'] })
