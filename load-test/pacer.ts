/**
 * Even pacing across all of autocannon's connections: request n may leave at start + n × interval.
 *
 * autocannon 9's own `overallRate` gives each connection a per-second quota that refills on a
 * one-second timer, so each second's requests leave in a burst at its start (measured: 100 req/s
 * over 10 connections arrived as 100 requests within ~10 ms, then nothing for the rest of the
 * second). A sensor fleet does not behave like that, and bursts hide how the API copes with a
 * steady stream, so this schedules every request on one shared timeline instead.
 */
export class EvenPacer {
  private slots = 0
  private start: number | undefined

  constructor (private readonly intervalMs: number, private readonly now: () => number = () => performance.now()) {}

  /** Takes the next slot; returns how long to wait for it (≤ 0: go now, the run is behind). */
  takeSlot (): number {
    const now = this.now()
    this.start ??= now
    return this.start + this.slots++ * this.intervalMs - now
  }
}

/** The parts of autocannon's (undocumented) HTTP client that pacing hooks into. */
interface AutocannonClient {
  _doRequest(): void
  destroyed: boolean
  reqsMade: number
  responseMax?: number
  timeout: number
  timeoutTicker: { reschedule(ms: number): void }
}

/**
 * Makes an autocannon client (given to `setupClient`) wait for its pacer slot before each request.
 * The request timeout is pushed back by the wait, so it still counts from the send.
 */
export function paceClient (client: unknown, pacer: EvenPacer): void {
  const c = client as AutocannonClient
  const send = c._doRequest.bind(c)
  let waiting = false
  c._doRequest = () => {
    // A reconnect while waiting: the pending send goes out on the new connection.
    if (waiting) return
    // Finished (or stopping): let autocannon wind the client down without taking a slot.
    if (c.destroyed || (c.responseMax !== undefined && c.responseMax > 0 && c.reqsMade >= c.responseMax)) {
      send()
      return
    }
    const delay = pacer.takeSlot()
    if (delay <= 0) {
      send()
      return
    }
    waiting = true
    c.timeoutTicker.reschedule(delay + c.timeout)
    setTimeout(() => {
      waiting = false
      if (!c.destroyed) send()
    }, delay)
  }
}
