import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { z } from 'zod'
import { cursorParam } from './cursor.js'
import { parseTimestamp } from '../ingest/timestamp.js'
import { limitParam, parseParams, sensorIdParam, timestampParam, variableParam } from './query-params.js'
import { ReadingsQueryRepository } from './readings-repository.js'
import { ReadingsService } from './readings-service.js'
import { readingsRoute } from './schemas.js'

export const READINGS_DEFAULT_LIMIT = 100
export const READINGS_MAX_LIMIT = 10_000

// As the API prints timestamps (isoUtc), and a date that exists in the years 0001..9999.
const position = z.strictObject({
  ts: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/).refine((ts) => parseTimestamp(ts).ok),
  variable: variableParam
})

// sensor_id is required: a newest-first listing across all sensors would need an index on ts
// alone, one more index for every insert to maintain (see README).
export const readingsQuery = z.strictObject({
  sensor_id: sensorIdParam,
  variable: variableParam.optional(),
  from: timestampParam.optional(),
  to: timestampParam.optional(),
  limit: limitParam(READINGS_DEFAULT_LIMIT, READINGS_MAX_LIMIT),
  cursor: cursorParam(position).optional()
})

/** GET /readings: one sensor's readings, newest first, with keyset pagination. */
export default async function readingsRoutes (instance: FastifyInstance) {
  const fastify = instance.withTypeProvider<TypeBoxTypeProvider>()
  const service = new ReadingsService(new ReadingsQueryRepository(fastify.pg.pool))

  fastify.get('/readings', { schema: readingsRoute }, async (request) => {
    const query = parseParams(readingsQuery, request.query)
    return service.page({
      sensorId: query.sensor_id,
      variable: query.variable,
      from: query.from?.text,
      to: query.to?.text,
      after: query.cursor
    }, query.limit)
  })
}
