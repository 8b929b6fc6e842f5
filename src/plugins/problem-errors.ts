import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { HttpProblem, PROBLEM_CONTENT_TYPE, problem, serviceUnavailable } from '../problem.js'
import { isDatabaseUnavailable, isTransientConflict } from '../db/errors.js'
import { DatabaseUnavailableError, QueueFullError, WriteTimeoutError } from '../ingest/writer.js'

const RETRY_AFTER_S = 2

// Fastify's own client errors, told in words a sensor's developer can act on.
const FASTIFY_DETAILS: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Send readings as application/json or application/x-ndjson',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is larger than this server accepts (BODY_LIMIT)',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty',
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
  FST_ERR_CTP_INVALID_TYPE: 'The Content-Type header is not valid',
  FST_ERR_CTP_EMPTY_TYPE: 'The Content-Type header is empty',
  FST_ERR_BAD_URL: 'The URL is not valid: a percent-encoded sequence does not decode',
  FST_ERR_MAX_PARAM_LENGTH: 'A path parameter is longer than this server accepts'
}

/**
 * The one place an error becomes an answer: problems thrown as such pass through; the writer's,
 * the database's and Fastify's own errors are told in words a client can act on; anything else is
 * a 500 without internals.
 */
export function toProblem (err: FastifyError | HttpProblem | Error, method: string): HttpProblem {
  if (err instanceof HttpProblem) return err
  if (err instanceof QueueFullError) return serviceUnavailable('The write queue is full; nothing was stored', 1)
  if (err instanceof DatabaseUnavailableError) return serviceUnavailable('The database is unavailable; nothing was stored', RETRY_AFTER_S)
  if (err instanceof WriteTimeoutError) return serviceUnavailable(`${err.message}; sending the same request again is safe`, RETRY_AFTER_S)
  // Only a write may say what became of it; a read stored nothing to begin with.
  const outcome = method === 'GET' || method === 'HEAD' ? 'retry shortly' : 'nothing was stored'
  if (isDatabaseUnavailable(err)) return serviceUnavailable(`The database is unavailable; ${outcome}`, RETRY_AFTER_S)
  if (isTransientConflict(err)) return serviceUnavailable(`The database rolled this request back in a conflict with another; ${outcome}`, RETRY_AFTER_S)
  const fe = err as FastifyError
  const status = fe.statusCode ?? 500
  if (status >= 400 && status < 500) {
    const detail = fe.code === undefined
      ? err.message
      : FASTIFY_DETAILS[fe.code] ?? (fe.code.startsWith('FST_') ? err.message : undefined)
    return new HttpProblem(status, undefined, detail ?? 'The request could not be processed')
  }
  if (status === 503) return serviceUnavailable('The service is shutting down or overloaded; retry shortly', RETRY_AFTER_S)
  return new HttpProblem(500, undefined, 'Unexpected error; it has been logged')
}

/** The client closed its connection while its body was being read: its doing, not the database's. */
const clientAborted = (err: FastifyError, request: FastifyRequest) =>
  request.raw.destroyed && (err.code === 'ECONNRESET' || err.code === 'ERR_STREAM_PREMATURE_CLOSE')

function sendProblem (err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (clientAborted(err, request)) {
    request.log.info({ code: err.code }, 'client closed the connection before its request was read; nothing was stored')
    return reply.code(400).type(PROBLEM_CONTENT_TYPE).send(problem(400, 'The request was aborted by the client; nothing was stored'))
  }
  const answer = toProblem(err, request.method)
  if (answer.status >= 500) request.log.error({ err }, 'request failed')
  else request.log.info({ status: answer.status, detail: answer.body.detail }, 'request rejected')
  return reply.code(answer.status).headers(answer.headers).type(PROBLEM_CONTENT_TYPE).send(answer.body)
}

/**
 * Fastify's `frameworkErrors` server option: errors met before any route runs (a URL that does
 * not decode, a path parameter over maxParamLength), answered like every other error.
 */
export const frameworkErrors = (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
  void sendProblem(err, request, reply)
}

/** Every 4xx and 5xx, Fastify's own included, answered as RFC 9457 problem+json without internals. */
export default fp(async function problemErrors (fastify: FastifyInstance) {
  fastify.setErrorHandler(sendProblem)

  fastify.setNotFoundHandler(function (request, reply) {
    return reply.code(404).type(PROBLEM_CONTENT_TYPE).send(problem(404, `No route for ${request.method} ${request.url.split('?')[0]}`))
  })
}, { name: 'problem-errors' })
