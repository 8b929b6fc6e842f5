/** A request's place on the schedule: when it was due, and how long to wait for that. */
export interface Slot {
  /** When the request is due (the pacer's clock, ms). Latency from the schedule counts from here. */
  dueAt: number
  /** How long to wait before sending; ≤ 0: the slot is already due (the run is behind), send at once. */
  waitMs: number
}

/**
 * Even pacing across all of autocannon's connections: request n is due at start + n × interval.
 *
 * autocannon 9's own `overallRate` gives each connection a per-second quota that refills on a
 * one-second timer, so each second's requests leave in a burst at its start (measured: 100 req/s
 * over 10 connections arrived as 100 requests within ~10 ms, then nothing for the rest of the
 * second). A sensor fleet does not behave like that, and bursts hide how the API copes with a
 * steady stream, so this schedules every request on one shared timeline instead.
 *
 * The schedule never moves: a run that fell behind (every connection waiting on a slow answer)
 * takes the overdue slots one after another, each keeping its own due time, so the time a
 * request spent waiting for a free connection counts in its latency (no coordinated omission).
 */
export class EvenPacer {
  private taken = 0
  private start: number | undefined

  /** `slots`: how many requests the run has in all (unbounded when absent). */
  constructor (
    private readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
    private readonly slots = Infinity
  ) {}

  /** Takes the next slot; the first one starts the schedule. */
  takeSlot (): Slot {
    const now = this.now()
    this.start ??= now
    const dueAt = this.start + this.taken++ * this.intervalMs
    return { dueAt, waitMs: dueAt - now }
  }

  /** Requests due by `at` (the schedule's own count, whether or not they were sent). */
  dueBy (at: number): number {
    if (this.start === undefined || at < this.start) return 0
    // The epsilon keeps a slot due at exactly `at` from being lost to rounding (0.1 × 3 < 0.3).
    return Math.min(this.slots, Math.floor((at - this.start) / this.intervalMs + 1e-9) + 1)
  }

  /** Requests due by `at` and not sent yet: how far behind its schedule the run is. */
  behindAt (at: number): number {
    return Math.max(0, this.dueBy(at) - this.taken)
  }
}
