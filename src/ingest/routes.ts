import type { FastifyInstance } from 'fastify'
import type { AppConfig } from '../config.js'
import { requireTokens } from '../auth/require-tokens.js'
import { HttpProblem, serviceUnavailable } from '../problem.js'
import { parseNdjson } from './ndjson.js'
import { validateReadings } from './reading.js'
import { DatabaseUnavailableError, QueueFullError, type Outcome } from './writer.js'

export interface IngestResult {
  received: number
  inserted: number
  duplicates: number
  conflicts: Array<{ index: number, stored: unknown }>
}

function summarise (outcomes: Outcome[]): IngestResult {
  const result: IngestResult = { received: outcomes.length, inserted: 0, duplicates: 0, conflicts: [] }
  outcomes.forEach((o, index) => {
    if (o.status === 'inserted') result.inserted++
    else if (o.status === 'duplicate') result.duplicates++
    else result.conflicts.push({ index, stored: o.stored })
  })
  return result
}

export default async function ingestRoutes (fastify: FastifyInstance, opts: { config: AppConfig }) {
  const { config } = opts
  await requireTokens(fastify, config.ingestTokens)

  // Readings come as JSON or NDJSON only: anything else, text/plain included, is a 415.
  fastify.removeContentTypeParser('text/plain')
  fastify.addContentTypeParser('application/x-ndjson', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseNdjson(body as string))
    } catch (err) {
      done(err as Error)
    }
  })

  fastify.post('/readings', async (request, reply) => {
    const body = request.body
    const single = body !== null && typeof body === 'object' && !Array.isArray(body)
    const items: unknown[] = Array.isArray(body) ? body : [body]
    if (items.length === 0) throw new HttpProblem(400, 'empty-batch', 'The request holds no readings')
    if (items.length > config.maxBatch) {
      throw new HttpProblem(413, 'batch-too-large', `At most ${config.maxBatch} readings per request; this one has ${items.length}`)
    }

    const validation = validateReadings(items, Date.now(), config.maxFutureSkewS)
    if (!validation.ok) {
      throw new HttpProblem(400, 'invalid-readings', 'Some readings are invalid; nothing was stored', { errors: validation.errors })
    }

    let outcomes: Outcome[]
    try {
      outcomes = await fastify.writer.write(validation.readings)
    } catch (err) {
      if (err instanceof QueueFullError) throw serviceUnavailable('The write queue is full; nothing was stored', 1)
      if (err instanceof DatabaseUnavailableError) throw serviceUnavailable('The database is unavailable; nothing was stored', 2)
      throw err
    }

    const result = summarise(outcomes)
    if (single && result.conflicts.length === 1) {
      throw new HttpProblem(409, 'conflict',
        'A reading with this sensor_id, timestamp and variable is already stored with a different value or unit',
        { stored: result.conflicts[0]!.stored })
    }
    return reply.code(result.inserted > 0 ? 201 : 200).send(result)
  })
}
