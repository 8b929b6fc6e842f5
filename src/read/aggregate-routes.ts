import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { z } from 'zod'
import { AggregateRepository } from './aggregate-repository.js'
import { AggregateService } from './aggregate-service.js'
import { aggregateRoute, ingestStatsRoute } from './schemas.js'
import { bucketParam, parseParams, sensorIdParam, timestampParam, variableParam } from './query-params.js'

const range = {
  from: timestampParam.optional(),
  to: timestampParam.optional(),
  bucket: bucketParam
}

export const aggregateQuery = z.strictObject({ sensor_id: sensorIdParam, variable: variableParam, ...range })
export const ingestQuery = z.strictObject(range)

/** GET /readings/aggregate (one sensor-variable per bucket) and GET /stats/ingest (fleet-wide readings stored per bucket). */
export default async function aggregateRoutes (instance: FastifyInstance) {
  const fastify = instance.withTypeProvider<TypeBoxTypeProvider>()
  const service = new AggregateService(new AggregateRepository(fastify.pg.pool))

  fastify.get('/readings/aggregate', { schema: aggregateRoute }, async (request) => {
    const { sensor_id: sensorId, variable, ...input } = parseParams(aggregateQuery, request.query)
    return service.aggregate(sensorId, variable, input)
  })

  fastify.get('/stats/ingest', { schema: ingestStatsRoute }, async (request) => {
    return service.ingest(parseParams(ingestQuery, request.query))
  })
}
