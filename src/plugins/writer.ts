import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppConfig } from '../config.js'
import { ReadingsRepository } from '../ingest/repository.js'
import { BatchWriter } from '../ingest/writer.js'

declare module 'fastify' {
  interface FastifyInstance {
    writer: BatchWriter
  }
}

/** The group-commit writer; on close it finishes every queued write before the pool ends. */
export default fp(async function writer (fastify: FastifyInstance, opts: { config: AppConfig }) {
  const { config } = opts
  const batchWriter = new BatchWriter(new ReadingsRepository(fastify.pg.pool), {
    maxQueued: config.writeQueueMax,
    maxFlushRows: config.flushMaxRows,
    concurrency: config.writeConcurrency,
    timeoutMs: config.writeTimeoutMs
  })
  fastify.decorate('writer', batchWriter)
  fastify.addHook('onClose', async () => {
    await batchWriter.drain()
  })
}, { name: 'writer', dependencies: ['db'] })
