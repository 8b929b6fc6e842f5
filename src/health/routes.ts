import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { AppConfig } from '../config.js'
import { version } from '../version.js'
import { healthRoute, readyRoute } from './schemas.js'

const HEALTH_CONTENT_TYPE = 'application/health+json'

type Check = { componentType: string, status: 'pass' | 'fail', time: string, output?: string, observedValue?: number, observedUnit?: string }

/** Liveness (/health) and readiness (/ready), in the IETF health-check response format. */
export default async function healthRoutes (instance: FastifyInstance, opts: { config: AppConfig }) {
  const fastify = instance.withTypeProvider<TypeBoxTypeProvider>()
  const { config } = opts
  const identity = () => ({
    version,
    serviceId: 'iot-sensors-service',
    instance_id: config.instanceId,
    uptime_s: Math.round((Date.now() - fastify.lifecycle.startedAt) / 1000)
  })

  fastify.get('/health', { schema: healthRoute }, async (_request, reply) => {
    return reply.type(HEALTH_CONTENT_TYPE).send({ status: 'pass', ...identity() })
  })

  fastify.get('/ready', { schema: readyRoute }, async (_request, reply) => {
    const time = new Date().toISOString()
    const started = performance.now()
    const database: Check = { componentType: 'datastore', status: 'pass', time }
    try {
      // A database that hangs must not hang the probe: the check fails at the connect timeout.
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${config.dbConnectTimeoutMs} ms`)), config.dbConnectTimeoutMs)
      })
      await Promise.race([fastify.pg.query('SELECT 1'), timeout]).finally(() => clearTimeout(timer))
      database.observedValue = Math.round(performance.now() - started)
      database.observedUnit = 'ms'
    } catch (err) {
      database.status = 'fail'
      database.output = (err as Error).message
    }
    const draining: Check = {
      componentType: 'system',
      status: fastify.lifecycle.draining ? 'fail' : 'pass',
      time,
      ...(fastify.lifecycle.draining ? { output: 'instance is shutting down' } : {})
    }
    const ok = database.status === 'pass' && draining.status === 'pass'
    return reply
      .code(ok ? 200 : 503)
      .type(HEALTH_CONTENT_TYPE)
      .send({ status: ok ? 'pass' : 'fail', ...identity(), checks: { 'postgres:connection': [database], 'instance:draining': [draining] } })
  })
}
