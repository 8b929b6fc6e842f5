import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppConfig } from '../config.js'
import { PartitionMaintainer, type MaintenanceRound } from '../partitions/maintainer.js'
import { RoundTimer } from '../partitions/timer.js'
import { partitionRound } from '../diagnostics.js'

declare module 'fastify' {
  interface FastifyInstance {
    partitions: PartitionService
  }
}

/** How often each replica maintains the partitions: far more often than a partition's width. */
const ROUND_INTERVAL_MS = 60_000

export interface PartitionService {
  maintainer: PartitionMaintainer
  /** Runs one round now (a test's shortcut to the timer), reporting it like the timer's. */
  run(now?: Date): Promise<MaintenanceRound>
}

/**
 * `readings`' time partitions: a round when the app is ready (partitions ahead exist before the
 * first request), then one every minute. Replicas take turns inside the database.
 */
export default fp(async function partitions (fastify: FastifyInstance, opts: { config: AppConfig }) {
  const { config } = opts
  const settings = { intervalS: config.partitionIntervalS, maxFutureSkewS: config.maxFutureSkewS, retentionDays: config.retentionDays }
  const service: PartitionService = {
    maintainer: new PartitionMaintainer(fastify.pg.pool, settings),
    async run (now) {
      // A connection of its own, closed after the round: rounds are a minute apart, and an idle
      // pooled connection left by one would be the next request's, however stale by then.
      const client = await fastify.pg.pool.connect()
      // A lost connection rejects the query; unheard, its 'error' event would crash the process.
      client.on('error', () => {})
      let round: MaintenanceRound
      try {
        round = await new PartitionMaintainer(client, settings).run(now)
      } finally {
        client.release(true)
      }
      for (const p of round.created) {
        fastify.log.info({ partition: p.partition, moved_from_default: p.moved }, `readings partition ${p.partition} created`)
      }
      for (const p of round.dropped) {
        fastify.log.info({ partition: p.partition, from: p.from?.toISOString() ?? null, to: p.to.toISOString(), retention_days: config.retentionDays },
          `retention: dropped readings partition ${p.partition} (readings before ${p.to.toISOString()})`)
      }
      partitionRound.publish({ source: service, ...round })
      return round
    }
  }
  fastify.decorate('partitions', service)
  const timer = new RoundTimer(async () => { await service.run() }, ROUND_INTERVAL_MS,
    (err) => fastify.log.warn({ err }, 'partition maintenance failed; the next round retries'))
  // server.ts runs the migrations before the app is ready.
  fastify.addHook('onReady', async () => { await timer.start() })
  fastify.addHook('onClose', async () => { await timer.stop() })
}, { name: 'partitions', dependencies: ['db'] })
