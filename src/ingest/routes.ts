import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Static } from 'typebox'
import type { AppConfig } from '../config.js'
import { requireTokens } from '../auth/require-tokens.js'
import { HttpProblem } from '../problem.js'
import { validateReadings, type Reading, type ReadingError } from './reading.js'
import type { SensorScope } from '../auth/token-grants.js'
import { IngestResult as IngestResultSchema, ingestRoute } from './schemas.js'
import type { Outcome } from './writer.js'

export type IngestResult = Static<typeof IngestResultSchema>

function summarise (outcomes: Outcome[]): IngestResult {
  const result: IngestResult = { received: outcomes.length, inserted: 0, duplicates: 0, conflicts: [] }
  outcomes.forEach((o, index) => {
    if (o.status === 'inserted') result.inserted++
    else if (o.status === 'duplicate') result.duplicates++
    else result.conflicts.push({ index, stored: o.stored })
  })
  return result
}

const MAX_SCOPE_ERRORS = 100

/** The readings (by index, the first 100) whose sensor the request's token may not write. */
function outsideScope (readings: Reading[], scope: SensorScope): { count: number, errors: ReadingError[] } {
  const errors: ReadingError[] = []
  let count = 0
  readings.forEach((r, index) => {
    if (scope.has(r.sensorId)) return
    if (count++ < MAX_SCOPE_ERRORS) errors.push({ index, path: 'sensor_id', message: `this token may not write sensor ${r.sensorId}` })
  })
  return { count, errors }
}

export default async function ingestRoutes (instance: FastifyInstance, opts: { config: AppConfig }) {
  const fastify = instance.withTypeProvider<TypeBoxTypeProvider>()
  const { config } = opts
  await requireTokens(fastify, config.ingestTokens)

  // Readings come as JSON or NDJSON only (src/plugins/body-parsers.ts): anything else is a 415.
  // A route-level hook, so it runs after @fastify/compress's decompressor and counts inflated bytes.
  fastify.post('/readings', { schema: ingestRoute, preParsing: [fastify.bodyBudget.preParsing] }, async (request, reply) => {
    // Unknown until validateReadings has checked each reading (all or nothing, errors by index).
    const body: unknown = request.body
    const single = body !== null && typeof body === 'object' && !Array.isArray(body)
    const items: unknown[] = Array.isArray(body) ? body : [body]
    if (items.length === 0) throw new HttpProblem(400, 'empty-batch', 'The request holds no readings')
    fastify.metrics.readingsReceived(items.length)
    if (items.length > config.maxBatch) {
      fastify.metrics.readingsRejected(items.length)
      throw new HttpProblem(413, 'batch-too-large', `At most ${config.maxBatch} readings per request; this one has ${items.length}`)
    }

    const validation = validateReadings(items, Date.now(), config.maxFutureSkewS)
    if (!validation.ok) {
      fastify.metrics.readingsRejected(items.length)
      throw new HttpProblem(400, 'invalid-readings', 'Some readings are invalid; nothing was stored', { errors: validation.errors })
    }

    const scope = request.sensorScope
    if (scope !== undefined && !scope.isAll) {
      const outside = outsideScope(validation.readings, scope)
      if (outside.count > 0) {
        fastify.metrics.readingsRejected(items.length)
        throw new HttpProblem(403, 'sensor-not-permitted',
          `This token may not write the sensors of ${outside.count} of these readings; nothing was stored`, { errors: outside.errors })
      }
    }

    let outcomes: Outcome[]
    try {
      outcomes = await fastify.writer.write(validation.readings)
    } catch (err) {
      // Answered by the error handler (src/plugins/problem-errors.ts): 503 with Retry-After.
      fastify.metrics.readingsFailed(items.length)
      throw err
    }

    const result = summarise(outcomes)
    fastify.metrics.readingsWritten({ inserted: result.inserted, duplicates: result.duplicates, conflicts: result.conflicts.length })
    if (single && result.conflicts.length === 1) {
      throw new HttpProblem(409, 'conflict',
        'A reading with this sensor_id, timestamp and variable is already stored with a different value or unit',
        { stored: result.conflicts[0]!.stored })
    }
    return reply.code(result.inserted > 0 ? 201 : 200).send(result)
  })
}
