import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppConfig } from '../config.js'
import { FoldTimer } from '../summary/fold-timer.js'
import { DEFAULT_ROLLUP_FOLDING, SummaryFolder } from '../summary/folder.js'

declare module 'fastify' {
  interface FastifyInstance {
    summary: SummaryFolder
  }
}

/**
 * The summary folder, and its timer folding every SUMMARY_FOLD_INTERVAL_MS (so deltas do not pile
 * up while nobody reads), each round followed by a VACUUM of the delta table when it needs one.
 * Replicas fold in turn: a fold that finds its work done by another costs one short query.
 */
export default fp(async function summary (fastify: FastifyInstance, opts: { config: AppConfig }) {
  const { config } = opts
  const folder = new SummaryFolder(fastify.pg.pool, { deltas: config.summaryFoldChunkDeltas, pairs: config.summaryFoldChunkPairs }, {
    ...DEFAULT_ROLLUP_FOLDING,
    delayMs: config.rollupFoldDelayMs
  })
  fastify.decorate('summary', folder)
  const timer = config.summaryFoldIntervalMs === 0
    ? undefined
    : new FoldTimer(folder, config.summaryFoldIntervalMs, (err) => fastify.log.warn({ err }, 'summary fold failed; the next round retries'))
  // Once the app is ready: server.ts runs the migrations before that, so no fold meets a missing table.
  fastify.addHook('onReady', async () => timer?.start())
  // Reads waiting for a fold when the app starts closing answer at once (marked as_of), rather
  // than holding up the drain; no round or fold is left to meet the ended pool (the db plugin's
  // onClose runs after this one's).
  let closing: Promise<[void, void | undefined]> | undefined
  const stop = () => { closing ??= Promise.all([folder.close(), timer?.stop()]); return closing }
  fastify.addHook('preClose', (done) => { void stop(); done() })
  fastify.addHook('onClose', async () => { await stop() })
}, { name: 'summary', dependencies: ['db'] })
