import Fastify, { type FastifyInstance } from 'fastify'
import type { Watchdog } from './watchdog.js'

/** The watchdog's own GET /health: can it reach Discord, when did it last complete a round. 503 when it cannot do its job. */
export async function startHealthServer (watchdog: Watchdog, port: number, host: string): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  app.get('/health', async (_request, reply) => {
    const report = watchdog.health()
    return reply.code(report.status === 'fail' ? 503 : 200).type('application/health+json').send(report.body)
  })
  await app.listen({ port, host })
  return app
}
