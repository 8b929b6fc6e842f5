import { isUtf8 } from 'node:buffer'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { AppConfig } from '../config.js'
import { scanBody, type ScanLimits } from '../ingest/body-scan.js'
import { parseNdjson } from '../ingest/ndjson.js'
import { HttpProblem } from '../problem.js'

/** Deep enough for any error a reading can make (an object where a number belongs); a batch needs 2. */
const MAX_DEPTH = 8
/** JSON values per reading a body may hold on average: a reading is 11 (object, 5 keys, 5 values). */
const VALUES_PER_READING = 16

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i

/** 415 for a charset other than UTF-8: the bytes would be read as something they are not. */
function checkCharset (request: FastifyRequest): void {
  const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1]
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    throw new HttpProblem(415, 'unsupported-charset', `Send the body as UTF-8 (charset=${charset.slice(0, 40)} is not accepted)`)
  }
}

/**
 * The request body parsers, for every route (the 404 handler included: it reads bodies too):
 * JSON and NDJSON only (anything else is a 415), UTF-8 only, and scanned (src/ingest/body-scan.ts)
 * before JSON.parse, so no body within BODY_LIMIT blocks the event loop for long.
 */
export default fp(async function bodyParsers (fastify: FastifyInstance, opts: { config: AppConfig }) {
  const limits: ScanLimits = { maxDepth: MAX_DEPTH, maxItems: opts.config.maxBatch, maxValues: opts.config.maxBatch * VALUES_PER_READING }
  const parseJson = fastify.getDefaultJsonParser('error', 'error')

  const check = (request: FastifyRequest, body: Buffer, ndjson: boolean) => {
    checkCharset(request)
    // Replacing bad bytes with U+FFFD would store a reading the sensor never sent.
    if (!isUtf8(body)) throw new HttpProblem(400, 'invalid-utf8', 'The body is not valid UTF-8')
    const scan = scanBody(body, limits, ndjson)
    if (!scan.ok) throw new HttpProblem(scan.status, scan.slug, scan.detail)
    return scan.errors
  }
  const rejectInexact = (errors: ReturnType<typeof check>) => {
    if (errors.length > 0) throw new HttpProblem(400, 'invalid-readings', 'Some readings are invalid; nothing was stored', { errors })
  }

  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      const errors = check(request, body as Buffer, false)
      // Fastify's own parser (proto-poisoning checks included); it calls back synchronously.
      let parsed: { err: Error | null, value?: unknown } = { err: new Error('the JSON parser did not answer') }
      parseJson(request, (body as Buffer).toString('utf8'), (err, value) => { parsed = { err, value } })
      if (parsed.err !== null) return done(parsed.err)
      rejectInexact(errors)
      done(null, parsed.value)
    } catch (err) {
      done(err as Error)
    }
  })
  fastify.addContentTypeParser('application/x-ndjson', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      const errors = check(request, body as Buffer, true)
      const items = parseNdjson((body as Buffer).toString('utf8'))
      rejectInexact(errors)
      done(null, items)
    } catch (err) {
      done(err as Error)
    }
  })
}, { name: 'body-parsers' })
