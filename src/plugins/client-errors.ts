import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { HttpProblem, PROBLEM_CONTENT_TYPE, problem } from '../problem.js'

/**
 * Errors met below the routes (bytes that are not HTTP, headers too large, a request too slow,
 * no Host, an Expect nobody meets), answered as problem+json like every other error.
 */

function describe (code: string | undefined): { status: number, detail: string } {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, detail: 'The request did not arrive in time (HEADERS_TIMEOUT_S, REQUEST_TIMEOUT_S)' }
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, detail: 'The request line and headers are larger than this server accepts' }
  return { status: 400, detail: `The request is not valid HTTP/1.1${code?.startsWith('HPE_') === true ? ` (${code})` : ''}` }
}

function rawProblem (status: number, detail: string): string {
  const body = JSON.stringify(problem(status, detail))
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
}

/** Node's socket field for the response being written on it (a request before the bad bytes). */
const responseOn = (socket: Socket) => (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined

const answered = new WeakSet<Socket>()
/** How long a response still being written on the connection may take before the error cuts it. */
const FINISH_WAIT_MS = 30_000

/**
 * Fastify's `clientErrorHandler`. A request already read whole on this connection (a valid POST
 * followed by garbage) is answered first, then the error, then the connection closes: cutting it
 * would leave a stored reading unacknowledged.
 */
export function clientErrorHandler (this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return
  answered.add(socket)
  const { status, detail } = describe(err.code)
  this.log.info({ code: err.code, status }, 'client error below the routes')
  const giveUp = setTimeout(() => socket.destroy(), FINISH_WAIT_MS)
  giveUp.unref()
  const answer = () => {
    const res = responseOn(socket)
    if (res !== undefined && !res.writableFinished) {
      // Its request was read whole: let it finish (then the next pipelined one, if any).
      if ((res.req as IncomingMessage | undefined)?.complete === true) {
        res.once('close', () => setImmediate(answer))
        return
      }
      // Its request was cut by the error and will never complete: no status line can follow its bytes.
      if (res.headersSent) {
        socket.destroy()
        return
      }
    }
    clearTimeout(giveUp)
    if (socket.writable) socket.end(rawProblem(status, detail))
    // A client that never reads must not keep the socket.
    setTimeout(() => socket.destroy(), 1000).unref()
  }
  answer()
}

/** The server's 'checkExpectation' event: an `Expect` other than 100-continue. */
export function refuseExpectation (req: IncomingMessage, res: ServerResponse): void {
  const body = JSON.stringify(problem(417, `Expect: ${String(req.headers.expect).slice(0, 100)} is not supported; only 100-continue is`))
  res.writeHead(417, { 'content-type': PROBLEM_CONTENT_TYPE, 'content-length': Buffer.byteLength(body), connection: 'close' })
  res.end(body)
}

/** HTTP/1.1 requires a Host header; Node's own check (requireHostHeader) answers without a body, so it is off and this one answers. */
export default fp(async function requireHost (fastify: FastifyInstance) {
  fastify.server.on('checkExpectation', refuseExpectation)
  fastify.addHook('onRequest', async (request) => {
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1') {
      throw new HttpProblem(400, 'missing-host', 'An HTTP/1.1 request needs a Host header')
    }
  })
}, { name: 'client-errors' })
