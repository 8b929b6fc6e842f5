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
  // While draining, ask every client to drop its keep-alive connection after this answer, so
  // close() need not wait out the keep-alive timeout and clients reconnect to another replica.
  // Callback style: an async hook costs a promise per response on the hot path.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (fastify.lifecycle.draining) reply.header('connection', 'close')
    done(null, payload)
  })
}, { name: 'lifecycle' })
