import { Agent, RetryAgent, request, type Dispatcher } from 'undici'
import { z } from 'zod'
import type { SensorTally } from './ledger.js'

export class ReadApiError extends Error {
  override name = 'ReadApiError'
}

const sensorAnswer = z.looseObject({ reading_count: z.number().int().min(0), as_of: z.string().optional() })

export interface ReadApiOptions {
  url: string
  token?: string
  /** Requests in flight at once: a few, so verifying never crowds the API's connection pool. */
  concurrency?: number
  timeoutMs?: number
}

/** A 503 (with Retry-After) is retried this many times before verification gives up. */
const RETRIES_ON_503 = 2

/**
 * An answer marked `as_of` (the API's summary still counting a backlog: see docs/api.md) is asked
 * again every STALE_PAUSE_MS, for up to STALE_WAIT_MS, until it is exact.
 */
const STALE_WAIT_MS = 60_000
const STALE_PAUSE_MS = 250

/**
 * Readings stored for each sensor id, from `GET /sensors/{id}` (404: none). Throws ReadApiError
 * naming the sensor and the answer when the read API cannot tell.
 */
export async function fetchStoredCounts (ids: readonly number[], options: ReadApiOptions): Promise<number[]> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 4, ids.length))
  const agent = new RetryAgent(new Agent({ connections: concurrency, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }), {
    // A busy or briefly unavailable API answers 503 + Retry-After: wait as told and ask again.
    statusCodes: [503], methods: ['GET'], errorCodes: [], maxRetries: RETRIES_ON_503, maxTimeout: 5_000, throwOnError: false
  })
  const headers: Record<string, string> = { accept: 'application/json' }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
  const base = options.url.replace(/\/+$/, '')
  const counts = new Array<number>(ids.length).fill(0)
  let next = 0
  let failed = false

  const worker = async (): Promise<void> => {
    while (next < ids.length && !failed) {
      const i = next++
      try {
        counts[i] = await storedCount(`${base}/sensors/${ids[i]}`, ids[i]!, headers, agent)
      } catch (err) {
        failed = true
        throw err
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: concurrency }, worker))
  } finally {
    await agent.close()
  }
  return counts
}

async function storedCount (url: string, id: number, headers: Record<string, string>, agent: Dispatcher): Promise<number> {
  const deadline = Date.now() + STALE_WAIT_MS
  for (;;) {
    const answer = await askStoredCount(url, id, headers, agent)
    if (answer.asOf === undefined) return answer.count
    if (Date.now() >= deadline) {
      throw new ReadApiError(`GET /sensors/${id} still answered as of ${answer.asOf} after ${STALE_WAIT_MS / 1000} s: the API's summary is not catching up`)
    }
    await new Promise((resolve) => setTimeout(resolve, STALE_PAUSE_MS))
  }
}

async function askStoredCount (url: string, id: number, headers: Record<string, string>, agent: Dispatcher): Promise<{ count: number, asOf?: string }> {
  let res
  try {
    res = await request(url, { headers, dispatcher: agent })
  } catch (err) {
    throw new ReadApiError(`GET /sensors/${id} failed: ${(err as { code?: string }).code ?? (err as Error).message}`)
  }
  const text = await res.body.text()
  if (res.statusCode !== 200) {
    let problem: { type?: unknown, detail?: unknown, title?: unknown, as_of?: unknown } = {}
    try {
      problem = JSON.parse(text) as typeof problem
    } catch {}
    // The API says "no readings for this sensor" with a typed problem; a bare 404 (no route:
    // wrong URL, or no read API there) must not pass for an empty sensor.
    if (res.statusCode === 404 && typeof problem.type === 'string' && problem.type !== 'about:blank') {
      return { count: 0, ...(typeof problem.as_of === 'string' ? { asOf: problem.as_of } : {}) }
    }
    const detail = String(problem.detail ?? problem.title ?? '')
    throw new ReadApiError(`GET /sensors/${id} answered ${res.statusCode}${detail ? `: ${detail}` : ''}`)
  }
  const parsed = sensorAnswer.safeParse(JSON.parse(text))
  if (!parsed.success) throw new ReadApiError(`GET /sensors/${id} answered 200 without a reading_count`)
  return { count: parsed.data.reading_count, ...(parsed.data.as_of === undefined ? {} : { asOf: parsed.data.as_of }) }
}

export interface Verification {
  /** Readings the read API reports for the run's sensors. */
  stored: number
  /** Unique readings sent: acknowledged + unacknowledged + rejected. */
  uniqueSent: number
  /** Unique readings some 2xx answer acknowledged (as inserted or as duplicate). */
  acknowledged: number
  /** Unique readings that got no 2xx (error, timeout, 5xx): each may or may not be stored. */
  unacknowledged: number
  /** How many of those the counts show as stored. */
  unacknowledgedStored: number
  /** Unique readings only ever answered 4xx: none may be stored. */
  rejected: number
  rejectedStored: number
  /** Acknowledged readings the database does not have. */
  lost: number
  /** Readings stored beyond the unique readings sent (a reading stored twice, or not ours). */
  duplicated: number
  holds: boolean
}

/**
 * Compares, sensor by sensor, what was stored with what was sent. Per sensor s with A
 * acknowledged, U unacknowledged, R rejected unique readings and S stored:
 * lost = max(0, A − S), duplicated = max(0, S − (A + U + R)),
 * unacknowledged stored = min(U, max(0, S − A)), rejected stored = min(R, max(0, S − A − U)).
 * Counts cannot say which reading is which, so a sensor where a loss and a stored
 * unacknowledged reading cancel out would hide that loss; with no unacknowledged readings
 * (every clean run) the check is exact: S = A for every sensor.
 */
export function compareCounts (tallies: readonly SensorTally[], stored: readonly number[]): Verification {
  const v: Verification = {
    stored: 0,
    uniqueSent: 0,
    acknowledged: 0,
    unacknowledged: 0,
    unacknowledgedStored: 0,
    rejected: 0,
    rejectedStored: 0,
    lost: 0,
    duplicated: 0,
    holds: false
  }
  tallies.forEach((t, s) => {
    const S = stored[s] ?? 0
    const A = t.acknowledged
    const U = t.unacknowledged
    const R = t.rejected
    v.stored += S
    v.acknowledged += A
    v.unacknowledged += U
    v.rejected += R
    v.uniqueSent += A + U + R
    v.lost += Math.max(0, A - S)
    v.duplicated += Math.max(0, S - (A + U + R))
    v.unacknowledgedStored += Math.min(U, Math.max(0, S - A))
    v.rejectedStored += Math.min(R, Math.max(0, S - A - U))
  })
  v.holds = v.lost === 0 && v.duplicated === 0 && v.rejectedStored === 0
  return v
}
