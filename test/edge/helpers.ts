import { readFileSync } from 'node:fs'
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
export async function rawSend (port: number, bytes: Buffer | string, timeoutMs = 5000, expected = Infinity, halfClose = false): Promise<RawResponse[]> {
  const exchange = rawConnection(port, timeoutMs, expected)
  // Half-closing says "that is all": a request cut short is then answered at once, not at a timeout.
  if (halfClose) exchange.socket.end(bytes)
  else exchange.socket.write(bytes)
  return await exchange.responses
}

export const portOf = (app: FastifyInstance): number => {
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('not listening')
  return address.port
}

export interface ProbeResults {
  /** Each probe's time from send to the last body byte. */
  latenciesMs: number[]
  /** CPU time the event loop's thread used meanwhile. */
  cpuMs: number[]
  statuses: number[]
}

export interface HealthProbe {
  stop(): Promise<ProbeResults>
}

const BOUND_MS = 100

/**
 * CPU time of this process's main thread (the event loop's), from /proc on Linux (10 ms ticks);
 * elsewhere the whole process's, which also counts zlib's and the GC's threads.
 */
function mainThreadCpuMs (): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'latin1')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10 // utime, stime at USER_HZ = 100
  } catch {
    const used = process.cpuUsage()
    return (used.user + used.system) / 1000
  }
}

/**
 * Whether /health answered within 100 ms each time. A probe that took longer while the event
 * loop's thread got less than 100 ms of CPU was held by the OS (the machine shared with other
 * work), not by the server: a blocked loop burns CPU for as long as it blocks. Such probes are counted
 * apart, never excused when the process was busy.
 */
export function withinBound (r: ProbeResults): { ok: boolean, summary: string } {
  const slow = r.latenciesMs.map((ms, i) => ({ ms, cpu: r.cpuMs[i]! })).filter((p) => p.ms >= BOUND_MS)
  const blocked = slow.filter((p) => p.cpu >= BOUND_MS)
  const slowest = Math.max(...r.latenciesMs)
  return {
    ok: blocked.length === 0 && r.statuses.every((s) => s === 200),
    summary: `${r.latenciesMs.length} probes, slowest ${slowest.toFixed(1)} ms; over ${BOUND_MS} ms: ${slow.length} ` +
      `(${slow.map((p) => `${p.ms.toFixed(0)} ms wall / ${p.cpu.toFixed(0)} ms CPU`).join(', ') || 'none'}); with the process busy: ${blocked.length}`
  }
}

/**
 * GET /health every `everyMs` on a connection of its own, timing each probe from send to the
 * last body byte, throughout whatever the test does meanwhile.
 */
export async function probeHealth (origin: string, everyMs = 25): Promise<HealthProbe> {
  const dispatcher = new Agent({ connections: 1, pipelining: 1 })
  const latenciesMs: number[] = []
  const cpuMs: number[] = []
  const statuses: number[] = []
  let running = true
  // The first request pays for the connection and for compiling the route: not what is measured.
  await (await request(`${origin}/health`, { dispatcher })).body.text()
  const loop = (async () => {
    while (running) {
      const started = performance.now()
      const cpu = mainThreadCpuMs()
      try {
        const res = await request(`${origin}/health`, { dispatcher, headersTimeout: 5000, bodyTimeout: 5000 })
        await res.body.text()
        statuses.push(res.statusCode)
      } catch {
        statuses.push(0)
      }
      latenciesMs.push(performance.now() - started)
      cpuMs.push(mainThreadCpuMs() - cpu)
      await new Promise((resolve) => setTimeout(resolve, everyMs))
    }
  })()
  return {
    async stop () {
      running = false
      await loop
      await dispatcher.close()
      return { latenciesMs, cpuMs, statuses }
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
