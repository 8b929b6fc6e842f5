import { connect, type Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { Agent, request } from 'undici'

/** One HTTP response as read off a raw socket. */
export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** Splits the bytes a server sent on one connection into responses (Content-Length framed; problem bodies are). */
export function parseResponses (data: Buffer): RawResponse[] {
  const responses: RawResponse[] = []
  let at = 0
  while (at < data.length) {
    const headEnd = data.indexOf('\r\n\r\n', at)
    if (headEnd < 0) break
    const [statusLine, ...lines] = data.subarray(at, headEnd).toString('latin1').split('\r\n')
    const headers: Record<string, string> = {}
    for (const line of lines) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    const length = Number(headers['content-length'] ?? 0)
    responses.push({ status: Number(statusLine!.split(' ')[1]), headers, body: data.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8') })
    at = headEnd + 4 + length
  }
  return responses
}

export interface RawExchange {
  socket: Socket
  /** Resolves with every response once the server closes the connection (or after timeoutMs). */
  responses: Promise<RawResponse[]>
}

/**
 * Opens a raw TCP connection to the app: bytes exactly as given, no client library to tidy them
 * up. Responses are complete when the server closes, when `expected` responses have arrived, or
 * after timeoutMs.
 */
export function rawConnection (port: number, timeoutMs = 5000, expected = Infinity): RawExchange {
  const socket = connect(port, '127.0.0.1')
  const chunks: Buffer[] = []
  const responses = new Promise<RawResponse[]>((resolve) => {
    const done = () => { clearTimeout(timer); socket.destroy(); resolve(parseResponses(Buffer.concat(chunks))) }
    const timer = setTimeout(done, timeoutMs)
    socket.on('data', (chunk) => {
      chunks.push(chunk)
      const got = parseResponses(Buffer.concat(chunks))
      if (got.length >= expected && Buffer.byteLength(got[got.length - 1]!.body) >= Number(got[got.length - 1]!.headers['content-length'] ?? 0)) done()
    })
    socket.on('close', done)
    socket.on('error', () => {})
  })
  return { socket, responses }
}

/** Sends `bytes` on a fresh connection and answers what came back before the server closed it. */
export async function rawSend (port: number, bytes: Buffer | string, timeoutMs = 5000, expected = Infinity): Promise<RawResponse[]> {
  const exchange = rawConnection(port, timeoutMs, expected)
  exchange.socket.write(bytes)
  return await exchange.responses
}

export const portOf = (app: FastifyInstance): number => {
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('not listening')
  return address.port
}

export interface HealthProbe {
  /** Stops probing; answers each probe's latency in ms, and the statuses seen. */
  stop(): Promise<{ latenciesMs: number[], statuses: number[] }>
}

/**
 * GET /health every `everyMs` on a connection of its own, timing each probe from send to the
 * last body byte, throughout whatever the test does meanwhile.
 */
export function probeHealth (origin: string, everyMs = 25): HealthProbe {
  const dispatcher = new Agent({ connections: 1, pipelining: 1 })
  const latenciesMs: number[] = []
  const statuses: number[] = []
  let running = true
  const loop = (async () => {
    while (running) {
      const started = performance.now()
      try {
        const res = await request(`${origin}/health`, { dispatcher, headersTimeout: 5000, bodyTimeout: 5000 })
        await res.body.text()
        statuses.push(res.statusCode)
      } catch {
        statuses.push(0)
      }
      latenciesMs.push(performance.now() - started)
      await new Promise((resolve) => setTimeout(resolve, everyMs))
    }
  })()
  return {
    async stop () {
      running = false
      await loop
      await dispatcher.close()
      return { latenciesMs, statuses }
    }
  }
}

/** Fields of an answer that make it a problem+json answer (RFC 9457). */
export function isProblem (r: RawResponse): boolean {
  if (!/^application\/problem\+json/.test(r.headers['content-type'] ?? '')) return false
  try {
    const body = JSON.parse(r.body) as { status?: unknown, title?: unknown, type?: unknown }
    return body.status === r.status && typeof body.title === 'string' && typeof body.type === 'string'
  } catch {
    return false
  }
}
