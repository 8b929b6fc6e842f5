import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { version } from '../version.js'

/**
 * The OpenAPI 3.1 document, built from every route's `schema` (TypeBox), at GET /openapi.json, and
 * Swagger UI at /docs, served from this process (no CDN). Register before the routes.
 *
 * Fastify validates nothing itself: the handlers do, with their own messages (parseParams with
 * zod for query and path parameters; validateReadings compiles the ingest body's JSON Schema
 * with ajv, one reading at a time). The schemas describe the contract, type the handlers, and
 * serialise responses through fast-json-stringify. Why: docs/design/openapi.md.
 */
export default fp(async function openapi (fastify: FastifyInstance) {
  fastify.setValidatorCompiler(() => () => true)

  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'iot-sensors-service',
        version,
        description: 'Ingests IoT sensor readings exactly once and answers reads from a per-sensor summary. ' +
          'Errors are RFC 9457 application/problem+json. See docs/api.md.'
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'One of INGEST_TOKENS (POST /readings) or READ_TOKENS (reads) when those are set' }
        }
      },
      tags: [
        { name: 'ingest', description: 'POST readings' },
        { name: 'read', description: 'Sensors and readings' },
        { name: 'operations', description: 'Health, readiness, metrics' },
        { name: 'dashboard', description: 'The live feed the dashboard follows' }
      ]
    }
  })

  fastify.get('/openapi.json', { schema: { hide: true } }, async () => fastify.swagger())

  await fastify.register(swaggerUi, {
    routePrefix: '/docs',
    // The page loads the same document from /docs/json. Its own files only: no CDN, no validator
    // badge; Swagger UI sets inline styles, so these pages (not the dashboard's) allow them.
    uiConfig: { deepLinking: false },
    staticCSP: "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
      "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
  })
}, { name: 'openapi' })
