import type { EvenPacer } from './pacer.js'

/** The parts of autocannon's (undocumented) HTTP client that the hooks below use. */
interface AutocannonClient {
  _doRequest(): void
  destroy(): void
  destroyed: boolean
  reqsMade: number
  responseMax?: number
  timeout: number
  timeoutTicker: { reschedule(ms: number): void }
}

export interface ClientHooks {
  /** Wait for a slot on this shared timeline before each request. */
  pacer?: EvenPacer
  /** Once true, the client sends nothing more and ends as soon as its request in flight is answered. */
  stopping: () => boolean
}

/**
 * Hooks into an autocannon client (given to `setupClient`) where it is about to send its next
 * request, which happens right after the previous answer: there it waits for its pacer slot, or,
 * when the run is stopping, ends the client instead. (autocannon's own stop and duration tear
 * connections down with requests in flight, leaving readings whose fate nobody was told.)
 */
export function hookClient (client: unknown, hooks: ClientHooks): void {
  const c = client as AutocannonClient
  const send = c._doRequest.bind(c)
  let waiting = false

  const sendOrEnd = () => {
    if (c.destroyed) return
    if (hooks.stopping()) c.destroy()
    else send()
  }

  c._doRequest = () => {
    // A reconnect while waiting: the pending send goes out on the new connection.
    if (waiting) return
    const quotaReached = c.responseMax !== undefined && c.responseMax > 0 && c.reqsMade >= c.responseMax
    if (hooks.pacer === undefined || quotaReached || c.destroyed || hooks.stopping()) {
      // autocannon ends the client itself when its quota is reached.
      if (quotaReached) send()
      else sendOrEnd()
      return
    }
    const delay = hooks.pacer.takeSlot()
    if (delay <= 0) {
      send()
      return
    }
    waiting = true
    // The request timeout counts from the send, not from the wait.
    c.timeoutTicker.reschedule(delay + c.timeout)
    setTimeout(() => {
      waiting = false
      sendOrEnd()
    }, delay)
  }
}
