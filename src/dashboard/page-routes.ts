import { existsSync, readFileSync } from 'node:fs'
import { join, sep } from 'node:path'
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply } from 'fastify'
import helmet from '@fastify/helmet'
import fastifyStatic from '@fastify/static'
import { z } from 'zod'
import { webDir } from '../paths.js'
import { HttpProblem } from '../problem.js'
import { parseParams, sensorIdParam } from '../read/query-params.js'
import { chartRangeOf } from './sensor-page-contract.js'
import { silenceWindowOf, type EmbeddedFleetCounts } from './fleet-page-contract.js'
import { pageChunks, pageTemplate, sensorPageChunks, type SensorPageSource } from './page-html.js'

/** The fleet page's counts for a silence window (src/dashboard/fleet-page-contract.ts). */
export interface FleetPageSource {
  read (silentMinutes: number): Promise<EmbeddedFleetCounts | undefined>
}

/** Vite names every file under assets/ by its content hash: a changed file gets a new name. */
const IMMUTABLE = 'public, max-age=31536000, immutable'
/** index.html names the current assets, so it is checked on every load. */
const REVALIDATE = 'no-cache'
/** A page that may carry data is that moment's answer: never stored, so never shown again stale. */
const NO_STORE = 'no-store'

const sensorPath = z.strictObject({ id: sensorIdParam })

/**
 * The dashboard's pages: the built front-end under /dashboard/ (index.html for the fleet and for
 * /dashboard/sensors/{id}, the page picks its view from the path), GET / redirecting there, and a
 * Content-Security-Policy that allows only this origin: no inline script, no CDN, no request
 * leaving the deployment. Given `sensorPages` and `fleetPage` (reads need no token), a page is sent
 * with its first data embedded as a JSON data block, so it shows it without waiting for fetches or
 * the live feed; its head goes first, so the browser loads the script while the data is read.
 */
export default async function pageRoutes (fastify: FastifyInstance, opts: { root?: string, sensorPages?: SensorPageSource, fleetPage?: FleetPageSource } = {}) {
  const root = opts.root ?? webDir
  // HTML pages, not API: left out of /openapi.json.
  const page = { schema: { hide: true } }
  fastify.get('/', page, (_request, reply) => reply.redirect('/dashboard/'))
  fastify.get('/dashboard', page, (_request, reply) => reply.redirect('/dashboard/'))

  await fastify.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"]
      }
    },
    // Whether the deployment speaks HTTPS is Traefik's business: on a plain-HTTP plant network,
    // HSTS and upgrade-insecure-requests would break the page.
    strictTransportSecurity: false,
    // Any opener policy but the default makes Chromium switch browsing context groups when a new
    // tab opens the page, and start its renderer only once the answer has come: 150-200 ms more
    // before the page is parsed (docs/dashboard.md). The page needs no cross-origin isolation, a
    // link opened from Discord has no opener, and frame-ancestors 'none' keeps it out of frames.
    crossOriginOpenerPolicy: false
  })

  if (!existsSync(join(root, 'index.html'))) {
    // Once ready: the first log line is server.ts's, naming the database.
    fastify.addHook('onReady', async () => fastify.log.warn(`dashboard: ${root} holds no build; run npm run build`))
    const notBuilt = async () => {
      throw new HttpProblem(404, 'dashboard-not-built', 'The dashboard has not been built: run npm run build')
    }
    fastify.get('/dashboard/', page, notBuilt)
    fastify.get('/dashboard/sensors/:id', page, notBuilt)
    return
  }

  await fastify.register(fastifyStatic, {
    root,
    prefix: '/dashboard/',
    // A route per file found at start-up; anything else under the prefix is a plain 404.
    wildcard: false,
    index: false,
    preCompressed: true,
    cacheControl: false,
    setHeaders: (reply, path) => reply.header('cache-control', path.includes(`${sep}assets${sep}`) ? IMMUTABLE : REVALIDATE)
  })

  // Read once: the build is fixed for the process's life, as the static routes above are.
  const template = opts.sensorPages === undefined && opts.fleetPage === undefined ? undefined : pageTemplate(readFileSync(join(root, 'index.html'), 'utf8'))
  const { sensorPages, fleetPage } = opts
  const withData = (reply: FastifyReply, chunks: AsyncGenerator<string>) =>
    reply.header('cache-control', NO_STORE).type('text/html; charset=utf-8').send(Readable.from(chunks))
  fastify.get('/dashboard/', page, async (request, reply) => {
    if (fleetPage === undefined || template === undefined) return reply.sendFile('index.html')
    // As the page picks its window: ?silent= if it offers it, else the default.
    const minutes = silenceWindowOf((request.query as Record<string, unknown>).silent)
    return withData(reply, pageChunks(template, () => fleetPage.read(minutes), request.log, 'fleet page'))
  })
  fastify.get('/dashboard/sensors/:id', page, async (request, reply) => {
    const { id } = parseParams(sensorPath, request.params, 'path parameters')
    if (sensorPages === undefined || template === undefined) return reply.sendFile('index.html')
    // As the page picks its chart range: ?range= if it offers it, else the default.
    const range = chartRangeOf((request.query as Record<string, unknown>).range)
    return withData(reply, sensorPageChunks(template, sensorPages, id, range, request.log))
  })
}
