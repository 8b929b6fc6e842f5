import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

export interface Lifecycle {
  /** Set on SIGTERM: /ready fails so load balancers stop sending, while requests still finish. */
  draining: boolean
  startedAt: number
}

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: Lifecycle
  }
}

export default fp(async function lifecycle (fastify: FastifyInstance) {
  fastify.decorate('lifecycle', { draining: false, startedAt: Date.now() })
  fastify.addHook('preClose', async () => {
    fastify.lifecycle.draining = true
  })
  // Once draining, every answer closes its connection. The listener's close only drops connections
  // idle at that moment; one still busy then would stay open, idle, until its keep-alive timeout
  // and hold up the exit past SHUTDOWN_TIMEOUT_S.
  fastify.addHook('onSend', async (_request, reply, payload) => {
    if (fastify.lifecycle.draining) reply.header('connection', 'close')
    return payload
  })
}, { name: 'lifecycle' })
