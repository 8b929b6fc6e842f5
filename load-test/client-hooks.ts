import type { EvenPacer } from './pacer.js'

/**
 * The parts of autocannon's (undocumented) HTTP client, lib/httpClient.js in autocannon 9, that
 * the hooks below use. `hookClient` checks them on every client, so an autocannon that changed
 * them stops the run at once with a message naming what is gone (and so does its test).
 */
interface AutocannonClient {
  /** Sends the next request; called on connect and right after each answer. */
  _doRequest(): void
  /** (Re)connects; called when the connection errs, times out or is closed by the server. */
  _connect(): void
  destroy(): void
  destroyed: boolean
  reqsMade: number
  responseMax?: number
  /** Request timeout in ms. */
  timeout: number
  timeoutTicker?: { reschedule(ms: number): void }
  /** Emitted for each answer, before the next request is sent. */
  on(event: 'response', listener: (status: number) => void): void
}

const HOOKED: ReadonlyArray<[keyof AutocannonClient, string]> = [
  ['_doRequest', 'function'], ['_connect', 'function'], ['destroy', 'function'], ['on', 'function'],
  ['destroyed', 'boolean'], ['reqsMade', 'number'], ['timeout', 'number']
]

/** When one request was due and when it left (ms on the hooks' clock). */
export interface RequestTimes {
  /** Its pacer slot; unpaced runs have no schedule, so it is the send. */
  dueAt: number
  sentAt: number
}

export interface ClientHooks {
  /** Wait for a slot on this shared timeline before each request. */
  pacer?: EvenPacer
  /** Once true, the client sends nothing more and ends as soon as its request in flight is answered. */
  stopping: () => boolean
  onSent?: (times: RequestTimes) => void
  /** Its answer arrived (any status), at `at`. */
  onAnswered?: (times: RequestTimes, status: number, at: number) => void
  /** Its connection went (error, timeout, closed by the server) before an answer came. */
  onLost?: (times: RequestTimes, at: number) => void
  /** The clock, the pacer's (default performance.now). */
  now?: () => number
}

export class AutocannonChangedError extends Error {
  override name = 'AutocannonChangedError'
}

const changed = (missing: string[]) => new AutocannonChangedError(`autocannon's HTTP client no longer has ${missing.join(', ')}: ` +
  'load-test/client-hooks.ts must be updated for this autocannon version')

/** Throws AutocannonChangedError unless `client`, as `setupClient` gets it, has everything the hooks use. */
export function assertHookable (client: unknown): asserts client is AutocannonClient {
  const c = client as Record<string, unknown>
  // eslint-disable-next-line valid-typeof -- each `type` is one of typeof's own names (HOOKED)
  const missing = HOOKED.filter(([name, type]) => typeof c[name] !== type).map(([name, type]) => `${name} (${type})`)
  if (missing.length > 0) throw changed(missing)
}

/**
 * Hooks into an autocannon client (given to `setupClient`) where it is about to send its next
 * request, which happens right after the previous answer: there it waits for its pacer slot, or,
 * when the run is stopping, ends the client instead. (autocannon's own stop and duration tear
 * connections down with requests in flight, leaving readings whose fate nobody was told.) It
 * also reports each request's due and send times with its fate, which autocannon's events do
 * not tie to a request.
 */
export function hookClient (client: unknown, hooks: ClientHooks): void {
  assertHookable(client)
  const c = client
  const now = hooks.now ?? (() => performance.now())
  const send = c._doRequest.bind(c)
  const connect = c._connect.bind(c)
  let waiting = false
  let inFlight: RequestTimes | undefined

  const sendDue = (dueAt: number | undefined) => {
    const sentAt = now()
    inFlight = { dueAt: dueAt ?? sentAt, sentAt }
    hooks.onSent?.(inFlight)
    send()
  }

  const sendOrEnd = (dueAt: number | undefined) => {
    if (c.destroyed) return
    if (hooks.stopping()) c.destroy()
    else sendDue(dueAt)
  }

  let tickerChecked = false
  c._doRequest = () => {
    // autocannon makes the timeout ticker after `setupClient`, before the first request.
    if (!tickerChecked) {
      if (typeof c.timeoutTicker?.reschedule !== 'function') throw changed(['timeoutTicker.reschedule (function)'])
      tickerChecked = true
    }
    // A reconnect while waiting: the pending send goes out on the new connection.
    if (waiting) return
    const quotaReached = c.responseMax !== undefined && c.responseMax > 0 && c.reqsMade >= c.responseMax
    if (hooks.pacer === undefined || quotaReached || c.destroyed || hooks.stopping()) {
      // autocannon ends the client itself when its quota is reached.
      if (quotaReached) send()
      else sendOrEnd(undefined)
      return
    }
    const { dueAt, waitMs } = hooks.pacer.takeSlot()
    if (waitMs <= 0) {
      sendDue(dueAt)
      return
    }
    waiting = true
    // The request timeout counts from the send, not from the wait.
    c.timeoutTicker!.reschedule(waitMs + c.timeout)
    const waitForSlot = () => {
      // Timers count from the event loop's cached clock and may fire a little early: wait out the rest.
      const left = dueAt - now()
      if (left > 0) {
        setTimeout(waitForSlot, Math.ceil(left))
        return
      }
      waiting = false
      sendOrEnd(dueAt)
    }
    setTimeout(waitForSlot, Math.ceil(waitMs))
  }

  c._connect = () => {
    if (inFlight !== undefined) {
      const lost = inFlight
      inFlight = undefined
      hooks.onLost?.(lost, now())
    }
    connect()
  }

  c.on('response', (status) => {
    if (inFlight === undefined) return
    const answered = inFlight
    inFlight = undefined
    hooks.onAnswered?.(answered, status, now())
  })
}
