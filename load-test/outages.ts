/** A stretch of the run during which readings were due and none was acknowledged. */
export interface Outage {
  /** Wall-clock start and end, ISO 8601 UTC. */
  from: string
  to: string
  /** Seconds from the run's start. */
  startS: number
  durationS: number
  /** Still going when the run ended: no reading was acknowledged after it began. */
  ongoing: boolean
}

/** Shorter gaps are the API's ordinary latency; at least this long with readings waiting is an outage. */
export const OUTAGE_MIN_MS = 1000

/**
 * Finds the outages of a run from its requests' due times and its 2xx answers: the time since
 * which a request was waiting (sent or due) and no reading was acknowledged. Slow answers, 503s,
 * errors and a frozen process all show up the same way, as the time a sensor would have waited.
 */
export class OutageTracker {
  readonly outages: Outage[] = []
  private lastAcknowledged: number | undefined
  /** Since when a request has been waiting with no acknowledgement; undefined: nothing waits. */
  private waitingSince: number | undefined

  constructor (private readonly clock: { startAt: number, wallStartMs: number }, private readonly minMs = OUTAGE_MIN_MS) {}

  /** A request due at `dueAt` was sent. */
  due (dueAt: number): void {
    this.waitingSince ??= Math.max(this.lastAcknowledged ?? dueAt, dueAt)
  }

  /** A 2xx answer arrived at `at`; `othersWaiting`: requests are still in flight. */
  acknowledged (at: number, othersWaiting: boolean): void {
    if (this.waitingSince !== undefined) this.close(this.waitingSince, at, false)
    this.lastAcknowledged = at
    this.waitingSince = othersWaiting ? at : undefined
  }

  /** The run ended at `at`; an outage still going counts until then. */
  finish (at: number): void {
    if (this.waitingSince !== undefined) this.close(this.waitingSince, at, true)
    this.waitingSince = undefined
  }

  private close (from: number, to: number, ongoing: boolean): void {
    if (to - from < this.minMs) return
    const wall = (t: number) => new Date(this.clock.wallStartMs + t - this.clock.startAt).toISOString()
    this.outages.push({
      from: wall(from),
      to: wall(to),
      startS: round3((from - this.clock.startAt) / 1000),
      durationS: round3((to - from) / 1000),
      ongoing
    })
  }
}

const round3 = (n: number) => Number(n.toFixed(3))
