import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { z } from 'zod'
import type { AppConfig } from '../config.js'
import { HttpProblem } from '../problem.js'
import { cursorParam } from './cursor.js'
import { integerParam, limitParam, MAX_SENSOR_ID, parseParams, sensorIdParam } from './query-params.js'
import { SensorsRepository } from './sensors-repository.js'
import { SensorsService } from './sensors-service.js'
import { sensorRoute, sensorsRoute, silentRoute } from './schemas.js'

export const SENSORS_DEFAULT_LIMIT = 100
export const SENSORS_MAX_LIMIT = 10_000
export const SILENT_DEFAULT_MINUTES = 10
export const SILENT_MAX_MINUTES = 60 * 24 * 366

export const listQuery = z.strictObject({
  limit: limitParam(SENSORS_DEFAULT_LIMIT, SENSORS_MAX_LIMIT),
  cursor: cursorParam(z.strictObject({ sensor_id: z.int().min(-1).max(MAX_SENSOR_ID) })).optional()
})

export const silentQuery = z.strictObject({
  minutes: integerParam(1, SILENT_MAX_MINUTES).default(SILENT_DEFAULT_MINUTES),
  limit: limitParam(SENSORS_DEFAULT_LIMIT, SENSORS_MAX_LIMIT)
})

export const sensorPath = z.strictObject({ id: sensorIdParam })

/** GET /sensors, /sensors/silent and /sensors/{id}: answered from the per-sensor summary. */
export default async function sensorsRoutes (instance: FastifyInstance, opts: { config: AppConfig }) {
  const fastify = instance.withTypeProvider<TypeBoxTypeProvider>()
  const { config } = opts
  const service = new SensorsService(new SensorsRepository(fastify.pg.pool), fastify.summary, {
    waitMs: config.summaryReadWaitMs,
    silentCacheMs: config.silentCacheMs,
    onStale: () => fastify.metrics.staleRead()
  })

  fastify.get('/sensors', { schema: sensorsRoute }, async (request) => {
    const query = parseParams(listQuery, request.query)
    return service.list(query.limit, query.cursor)
  })

  fastify.get('/sensors/silent', { schema: silentRoute }, async (request) => {
    const query = parseParams(silentQuery, request.query)
    return service.silent(query.minutes, query.limit)
  })

  fastify.get('/sensors/:id', { schema: sensorRoute }, async (request) => {
    const { id } = parseParams(sensorPath, request.params, 'path parameters')
    parseParams(z.strictObject({}), request.query)
    const { sensor, stale } = await service.find(id)
    if (sensor === undefined) {
      throw stale === undefined
        ? new HttpProblem(404, 'unknown-sensor', `No reading has been stored for sensor ${id}`)
        : new HttpProblem(404, 'unknown-sensor', `No reading of sensor ${id} is counted as of ${stale.as_of}; ${stale.pending_readings} readings stored since, fleet-wide, are not counted yet`, { ...stale })
    }
    return { ...sensor, ...stale }
  })
}
