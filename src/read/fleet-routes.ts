import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { z } from 'zod'
import type { AppConfig } from '../config.js'
import { cursorParam } from './cursor.js'
import { FleetRepository, type SensorRanges } from './fleet-repository.js'
import { FleetService } from './fleet-service.js'
import { fleetLastSeenRoute, fleetLatestRoute } from './schemas.js'
import { integerParam, limitParam, MAX_SENSOR_ID, parseParams, variableParam } from './query-params.js'

export const FLEET_DEFAULT_LIMIT = 10_000
export const FLEET_MAX_LIMIT = 50_000
export const MAX_SENSOR_RANGES = 100
export const SILENT_FOR_MAX_S = 10 * 366 * 86_400

const sensorIdOrRange = /^(\d{1,10})(?:-(\d{1,10}))?$/

/** `sensors=1-500,731`: ids and inclusive ranges, comma-separated, at most MAX_SENSOR_RANGES of them. */
const sensorsParam = z.string({ error: 'must be given once' }).transform((text, ctx): SensorRanges => {
  const parts = text.split(',')
  const message = `must be sensor ids and ranges like "1-500,731" (at most ${MAX_SENSOR_RANGES}, ids 0 to ${MAX_SENSOR_ID}, each range low-high)`
  if (parts.length > MAX_SENSOR_RANGES) {
    ctx.addIssue({ code: 'custom', message })
    return z.NEVER
  }
  const ranges: Array<[number, number]> = []
  for (const part of parts) {
    const match = sensorIdOrRange.exec(part)
    const lo = Number(match?.[1])
    const hi = match?.[2] === undefined ? lo : Number(match[2])
    if (!match || hi > MAX_SENSOR_ID || lo > hi) {
      ctx.addIssue({ code: 'custom', message })
      return z.NEVER
    }
    ranges.push([lo, hi])
  }
  return ranges
})

/** A finite decimal number, like a reading's value written in a URL. */
const numberParam = z.string({ error: 'must be given once' })
  .regex(/^-?\d{1,20}(\.\d{1,20})?([eE][-+]?\d{1,3})?$/, { error: 'must be a finite decimal number' })
  .transform(Number)
  .refine(Number.isFinite, { error: 'must be a finite decimal number' })

const booleanParam = z.enum(['true', 'false'], { error: 'must be true or false' }).transform((s) => s === 'true')

export const latestQuery = z.strictObject({
  variable: variableParam,
  sensors: sensorsParam.optional(),
  min: numberParam.optional(),
  max: numberParam.optional(),
  limit: limitParam(FLEET_DEFAULT_LIMIT, FLEET_MAX_LIMIT),
  cursor: cursorParam(z.strictObject({ sensor_id: z.int().min(-1).max(MAX_SENSOR_ID) })).optional()
})

export const lastSeenQuery = z.strictObject({
  per_variable: booleanParam.default(false),
  sensors: sensorsParam.optional(),
  silent_for: integerParam(0, SILENT_FOR_MAX_S).optional(),
  limit: limitParam(FLEET_DEFAULT_LIMIT, FLEET_MAX_LIMIT),
  cursor: cursorParam(z.union([
    z.strictObject({ sensor_id: z.int().min(-1).max(MAX_SENSOR_ID), variable: variableParam }),
    z.strictObject({ sensor_id: z.int().min(-1).max(MAX_SENSOR_ID) })
  ])).optional()
}).refine((q) => q.cursor === undefined || ('variable' in q.cursor) === q.per_variable, {
  path: ['cursor'], error: 'is not a cursor this endpoint issued; pass next_cursor from the previous page unchanged'
})

/**
 * GET /fleet/latest and /fleet/last-seen: the whole fleet in a few requests, for the watchdog's
 * fleet alarms, answered from the per-sensor summary as parallel arrays.
 */
export default async function fleetRoutes (instance: FastifyInstance, opts: { config: AppConfig }) {
  const fastify = instance.withTypeProvider<TypeBoxTypeProvider>()
  const { config } = opts
  const service = new FleetService(new FleetRepository(fastify.pg.pool), {
    onStale: () => fastify.metrics.staleRead(),
    now: config.now
  })

  fastify.get('/fleet/latest', { schema: fleetLatestRoute }, async (request) => {
    const query = parseParams(latestQuery, request.query)
    return service.latest(query.variable, query.limit, query.sensors, { min: query.min, max: query.max }, query.cursor)
  })

  fastify.get('/fleet/last-seen', { schema: fleetLastSeenRoute }, async (request) => {
    const query = parseParams(lastSeenQuery, request.query)
    return service.lastSeen(query.per_variable, query.limit, query.sensors, query.silent_for, query.cursor)
  })
}
