import { createParser } from 'eventsource-parser'
import type { FeedData, FleetSensor } from '../../src/dashboard/feed-types.js'
import { syncClock } from './clock.js'
import { authHeaders } from './token.js'

export type { FleetSensor }

export type FeedStatus = 'connecting' | 'live' | 'offline'

export interface FeedHandlers {
  /** Every followed sensor; sent on each (re)connection. */
  fleet (sensors: FleetSensor[]): void
  /** Followed sensors that changed. */
  sensors (sensors: FleetSensor[]): void
  status (status: FeedStatus, retryInMs?: number): void
  unauthorized (): void
}

const RETRY_MIN_MS = 1000
const RETRY_MAX_MS = 15_000
/** The server sends a comment every 15 s: longer than this without a byte, the connection is dead. */
const SILENCE_LIMIT_MS = 40_000

/**
 * Follows GET /dashboard/events until `signal` aborts, reconnecting with back-off. fetch()
 * streaming rather than EventSource, which cannot send the Authorization header.
 */
export function followFeed (path: string, handlers: FeedHandlers, signal: AbortSignal): void {
  let retryMs = RETRY_MIN_MS
  const connect = async (): Promise<void> => {
    handlers.status('connecting')
    const attempt = new AbortController()
    const abort = () => attempt.abort()
    signal.addEventListener('abort', abort)
    let watchdog = setTimeout(abort, SILENCE_LIMIT_MS)
    try {
      const res = await fetch(path, { headers: { accept: 'text/event-stream', ...authHeaders() }, signal: attempt.signal, cache: 'no-store' })
      if (res.status === 401) {
        handlers.unauthorized()
        return
      }
      if (!res.ok || res.body === null) throw new Error(`feed answered ${res.status}`)
      const parser = createParser({
        onEvent (message) {
          const data = JSON.parse(message.data) as FeedData
          syncClock(data.now)
          if (message.event === 'fleet') {
            // User Timing for npm run bench: the fleet arrived (the page draws it next).
            performance.mark('dashboard:feed-fleet')
            retryMs = RETRY_MIN_MS
            handlers.status('live')
            handlers.fleet(data.sensors)
          } else if (message.event === 'sensors') {
            handlers.sensors(data.sensors)
          }
        }
      })
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        clearTimeout(watchdog)
        watchdog = setTimeout(abort, SILENCE_LIMIT_MS)
        parser.feed(value)
      }
    } catch {
      // unreachable, refused, or cut: retried below
    } finally {
      clearTimeout(watchdog)
      signal.removeEventListener('abort', abort)
    }
    if (signal.aborted) return
    handlers.status('offline', retryMs)
    const wait = retryMs
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS)
    setTimeout(() => { if (!signal.aborted) void connect() }, wait)
  }
  void connect()
}
