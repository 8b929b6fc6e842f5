import type { FastifyInstance } from 'fastify'
import { requireTokens } from '../auth/require-tokens.js'
import type { AppConfig } from '../config.js'
import aggregateRoutes from './aggregate-routes.js'
import fleetRoutes from './fleet-routes.js'
import readingsRoutes from './readings-routes.js'
import sensorsRoutes from './sensors-routes.js'

/** The read API, behind READ_TOKENS when set (its own encapsulated context, so ingest keeps its own tokens). */
export default async function readRoutes (fastify: FastifyInstance, opts: { config: AppConfig }) {
  await requireTokens(fastify, opts.config.readTokens)
  await fastify.register(sensorsRoutes, opts)
  await fastify.register(readingsRoutes)
  await fastify.register(aggregateRoutes)
  await fastify.register(fleetRoutes, opts)
}
