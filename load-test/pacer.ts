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
