import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppConfig } from '../config.js'
import { partitionRound, rollupFold, subscribe, summaryFold, writerFlush } from '../diagnostics.js'
import { metricsRoute } from '../health/schemas.js'
import { version } from '../version.js'
import { AppMetrics } from './app-metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: AppMetrics
  }
}

/**
 * Prometheus metrics for this instance: GET /metrics (open, like /health), HTTP request counts and
 * latencies by route pattern, the writer's flushes, the summary's and the rollups' folds. Register before the routes it measures.
 */
export default fp(async function metrics (fastify: FastifyInstance, opts: { config: AppConfig }) {
  const appMetrics = new AppMetrics({
    version,
    instanceId: opts.config.instanceId,
    writeQueueDepth: () => fastify.writer.queueDepth,
    flushesInFlight: () => fastify.writer.flushesInFlight,
    pool: () => fastify.pg.pool,
    summaryBacklog: () => fastify.summary.backlog(),
    rollupBacklog: () => fastify.summary.rollupBacklog()
  })
  fastify.decorate('metrics', appMetrics)
  const unsubscribe = [
    subscribe(writerFlush, fastify.writer, (flush) => appMetrics.flushed(flush)),
    subscribe(summaryFold, fastify.summary, (fold) => appMetrics.folded(fold)),
    subscribe(rollupFold, fastify.summary, (fold) => appMetrics.rollupFolded(fold)),
    subscribe(partitionRound, fastify.partitions, (round) => appMetrics.partitionsMaintained(round))
  ]
  fastify.addHook('onClose', async () => { for (const off of unsubscribe) off() })

  fastify.addHook('onResponse', (request, reply, done) => {
    // The route pattern (/sensors/:id), never the raw URL, keeps the label set small.
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode)
    }
    appMetrics.httpRequests.inc(labels)
    appMetrics.httpDuration.observe(labels, reply.elapsedTime / 1000)
    done()
  })

  fastify.get('/metrics', { schema: metricsRoute }, async (_request, reply) => {
    return reply.type(appMetrics.registry.contentType).send(await appMetrics.registry.metrics())
  })
}, { name: 'metrics', dependencies: ['db', 'writer', 'summary', 'partitions'] })
