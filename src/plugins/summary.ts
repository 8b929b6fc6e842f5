import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppConfig } from '../config.js'
import { SummaryFolder } from '../summary/folder.js'

declare module 'fastify' {
  interface FastifyInstance {
    summary: SummaryFolder
  }
}

/**
 * The summary folder, run every SUMMARY_FOLD_INTERVAL_MS, so deltas do not pile up while nobody
 * reads (a read folds only when it meets pending deltas), followed by a VACUUM of what it folded. Replicas fold
 * in turn: a fold that finds its work done by another costs one short query.
 */
export default fp(async function summary (fastify: FastifyInstance, opts: { config: AppConfig }) {
  const folder = new SummaryFolder(fastify.pg.pool)
  fastify.decorate('summary', folder)
  const intervalMs = opts.config.summaryFoldIntervalMs
  if (intervalMs === 0) return
  const foldAndVacuum = async () => {
    if (await folder.foldShared() > 0) await folder.vacuum()
  }
  const timer = setInterval(() => {
    foldAndVacuum().catch((err: unknown) => fastify.log.warn({ err }, 'summary fold failed; the next one retries'))
  }, intervalMs)
  timer.unref()
  fastify.addHook('onClose', async () => {
    clearInterval(timer)
    await folder.idle()
  })
}, { name: 'summary', dependencies: ['db'] })
