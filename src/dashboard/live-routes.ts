import type { FastifyInstance } from 'fastify'
import { fastifySSE } from '@fastify/sse'
import { Type } from 'typebox'
import { z } from 'zod'
import { requireTokens } from '../auth/require-tokens.js'
import type { AppConfig } from '../config.js'
import { bearer, IntegerText, problemResponses } from '../openapi/schemas.js'
import { parseParams, sensorIdParam } from '../read/query-params.js'
import type { FleetFeed } from './fleet-feed.js'

/** A page that stops reading its stream is cut off past this much unsent data; it reconnects to a fresh fleet. */
const MAX_UNSENT_BYTES = 8 * 1024 * 1024

const eventsQuery = z.strictObject({ sensor_id: sensorIdParam.optional() })

const eventsRoute = {
  tags: ['dashboard'],
  summary: 'Server-Sent Events: `fleet` (every followed sensor), then `sensors` that changed (docs/dashboard.md)',
  security: bearer,
  querystring: Type.Object({ sensor_id: Type.Optional(IntegerText(0, 2147483647, '7')) }, { additionalProperties: false }),
  response: {
    200: { description: 'An event stream', content: { 'text/event-stream': { schema: Type.String() } } },
    ...problemResponses
  }
}

/**
 * GET /dashboard/events: Server-Sent Events, first `fleet` (every sensor, or the one `sensor_id`
 * names) then `sensors` with those that changed, within about a second of the fold that counted
 * their readings on any replica. Behind READ_TOKENS like the other reads: pages send the token
 * as a Bearer header (fetch() streaming; EventSource cannot send headers), never in the URL.
 */
export default async function liveRoutes (fastify: FastifyInstance, opts: { config: AppConfig, feed: FleetFeed }) {
  await requireTokens(fastify, opts.config.readTokens)
  // The feed hands over its events' data as JSON text already.
  await fastify.register(fastifySSE, { heartbeatInterval: 15_000, serializer: (data: unknown) => typeof data === 'string' ? data : JSON.stringify(data) })

  fastify.get('/dashboard/events', { sse: 'only', schema: eventsRoute }, async (request, reply) => {
    const { sensor_id: sensorId } = parseParams(eventsQuery, request.query)
    reply.sse.keepAlive()
    reply.header('cache-control', 'no-store')
    const unsubscribe = await opts.feed.subscribe({
      sensorId,
      send: (event) => {
        if (reply.raw.writableLength > MAX_UNSENT_BYTES) {
          reply.sse.close()
          return
        }
        reply.sse.send(event).catch((err: unknown) => request.log.debug({ err }, 'live feed: send failed'))
      },
      close: () => reply.sse.close()
    })
    reply.sse.onClose(unsubscribe)
  })
}
