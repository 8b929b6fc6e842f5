import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import compress from '@fastify/compress'
import type { AppConfig } from './config.js'
import dashboard from './dashboard/plugin.js'
import healthRoutes from './health/routes.js'
import ingestRoutes from './ingest/routes.js'
import db from './plugins/db.js'
import lifecycle from './plugins/lifecycle.js'
import metrics from './metrics/plugin.js'
import partitions from './plugins/partitions.js'
import openapi from './openapi/plugin.js'
import problemErrors, { frameworkErrors } from './plugins/problem-errors.js'
import bodyParsers from './plugins/body-parsers.js'
import clientErrors, { clientErrorHandler } from './plugins/client-errors.js'
import readRoutes from './read/routes.js'
import summary from './plugins/summary.js'
import writer from './plugins/writer.js'

export interface BuildOptions {
  /** Fastify's logger option; tests pass false. */
  logger?: FastifyServerOptions['logger']
  /** Where the dashboard's built front-end is (default dist/web). */
  webRoot?: string
}

/** Builds the API from a config object: no listening, no signals, no side effects on import. */
export async function buildApp (config: AppConfig, options: BuildOptions = {}): Promise<FastifyInstance> {
  if (config.databaseUrl === undefined) throw new Error('buildApp needs config.databaseUrl (server.ts starts the embedded database)')
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    bodyLimit: config.bodyLimit,
    // Above the load balancer's idle timeout, so it never reuses a connection this side just closed.
    keepAliveTimeout: config.keepAliveTimeoutS * 1000,
    requestIdHeader: 'x-request-id',
    // One log line per request costs more than the request itself at 10k+ req/s; rejected and
    // failed requests are logged by the error handler, and /metrics counts the rest.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    frameworkErrors,
    // Slow clients: a request must arrive whole in time; Node checks every connection on this interval.
    requestTimeout: config.requestTimeoutMs,
    http: { headersTimeout: config.headersTimeoutMs, requireHostHeader: false, connectionsCheckingInterval: Math.min(1000, config.headersTimeoutMs) },
    clientErrorHandler
  })

  await app.register(problemErrors)
  await app.register(clientErrors)
  await app.register(openapi)
  await app.register(lifecycle)
  await app.register(db, { config })
  await app.register(writer, { config })
  await app.register(summary, { config })
  await app.register(partitions, { config })
  await app.register(metrics, { config })
  // Request bodies only: `Content-Encoding: gzip` (or deflate, br) is inflated before parsing,
  // and BODY_LIMIT applies to the inflated size.
  await app.register(compress, { globalCompression: false })
  await app.register(bodyParsers, { config })

  await app.register(healthRoutes, { config })
  await app.register(ingestRoutes, { config })
  await app.register(readRoutes, { config })
  await app.register(dashboard, { config, webRoot: options.webRoot })
  return app
}
