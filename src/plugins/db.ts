import fastifyPostgres from '@fastify/postgres'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppConfig } from '../config.js'
import { servicePg } from '../db/pool.js'

/**
 * The pg Pool (through @fastify/postgres), bounded in size and in every wait, so an unreachable
 * database turns into a quick error instead of a hung request. The plugin ends the pool on close.
 */
export default fp(async function db (fastify: FastifyInstance, opts: { config: AppConfig }) {
  const { config } = opts
  await fastify.register(fastifyPostgres, {
    // Connection failures pg reports without a code get one (src/db/errors.ts decides by codes alone).
    pg: servicePg,
    connectionString: config.databaseUrl,
    max: config.dbPoolMax,
    connectionTimeoutMillis: config.dbConnectTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    statement_timeout: config.dbStatementTimeoutMs,
    // Client-side guard for a server that stops answering without closing the socket.
    query_timeout: config.dbStatementTimeoutMs + 2_000,
    application_name: `iot-sensors-service/${config.instanceId}`
  })
  // An idle client losing its connection is emitted on the pool; without a listener it would crash the process.
  fastify.pg.pool.on('error', (err) => fastify.log.warn({ err }, 'idle database connection lost'))
}, { name: 'db' })
