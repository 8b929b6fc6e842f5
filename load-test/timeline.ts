import type { RequestTimes } from './client-hooks.js'
import { LatencyRecorder, percentilesMs, type Percentiles } from './latency.js'
import type { ServerSample } from './server-metrics.js'

/** Running totals the timeline takes differences of, one interval to the next. */
export interface TimelineCounts {
  readingsSent: number
  readingsAcknowledged: number
  /** Requests with no answer (connection errors, timeouts). */
  errors: number
  status503: number
  /** Answers other than 200, 201 and 503. */
  otherNon2xx: number
}

/** One interval of the run. Latencies are those of the answers that arrived in it. */
export interface TimelineRow extends TimelineCounts {
  /** Seconds from the run's start to the interval's start and end. */
  startS: number
  endS: number
  /** Wall-clock start, ISO 8601 UTC. */
  at: string
  /** Requests due by the interval's end and not yet sent (paced runs): how far behind the schedule. */
  behind?: number
  /** Answers in the interval: latency from the schedule, and service time (none: no answer). */
  latencyMs?: Percentiles
  serviceTimeMs?: Percentiles
  /** The last /metrics answer of each target within the interval. */
  server: ServerSample[]
}

export interface TimelineOptions {
  intervalMs: number
  /** The run's start on the timeline's clock (performance.now in a run). */
  startAt: number
  /** Epoch ms at `startAt`, for the rows' wall-clock times. */
  wallStartMs: number
  counts: () => TimelineCounts
  /** Requests behind the schedule at a time (paced runs). */
  behindAt?: (at: number) => number
  /** Server samples answered within [from, to) (the timeline's clock). */
  server?: (from: number, to: number) => ServerSample[]
  /** Called with each row as its interval closes. */
  onRow?: (row: TimelineRow) => void
}

const ZERO: TimelineCounts = { readingsSent: 0, readingsAcknowledged: 0, errors: 0, status503: 0, otherNon2xx: 0 }
const round3 = (n: number) => Number(n.toFixed(3))

/**
 * Cuts the run into intervals of `intervalMs` from its start. Counts are the differences of the
 * running totals between an interval's ends; latencies go to the interval their answer arrived in.
 * Intervals close on `advance` (a timer, and every answer), so a run whose API answers nothing
 * still gets its empty intervals.
 */
export class Timeline {
  readonly rows: TimelineRow[] = []
  private readonly latency = new LatencyRecorder()
  private previous: TimelineCounts = ZERO
  private finished = false

  constructor (private readonly options: TimelineOptions) {}

  answered (times: RequestTimes, at: number): void {
    this.advance(at)
    this.latency.record(times, at)
  }

  /** Closes every interval that ended by `now`. */
  advance (now: number): void {
    if (this.finished) return
    const { startAt, intervalMs } = this.options
    while (startAt + (this.rows.length + 1) * intervalMs <= now) {
      this.close(startAt + (this.rows.length + 1) * intervalMs)
    }
  }

  /** The run ended at `now`: closes the intervals up to it, the last one short. */
  finish (now: number): void {
    this.advance(now)
    const lastEnd = this.options.startAt + this.rows.length * this.options.intervalMs
    if (now > lastEnd && !this.finished) this.close(now)
    this.finished = true
  }

  private close (end: number): void {
    const { startAt, intervalMs, wallStartMs } = this.options
    const start = startAt + this.rows.length * intervalMs
    const counts = this.options.counts()
    const startS = round3((start - startAt) / 1000)
    const endS = round3((end - startAt) / 1000)
    const { fromSchedule, serviceTime } = this.latency
    const row: TimelineRow = {
      startS,
      endS,
      at: new Date(wallStartMs + start - startAt).toISOString(),
      readingsSent: counts.readingsSent - this.previous.readingsSent,
      readingsAcknowledged: counts.readingsAcknowledged - this.previous.readingsAcknowledged,
      errors: counts.errors - this.previous.errors,
      status503: counts.status503 - this.previous.status503,
      otherNon2xx: counts.otherNon2xx - this.previous.otherNon2xx,
      behind: this.options.behindAt?.(end),
      latencyMs: fromSchedule.count === 0 ? undefined : percentilesMs(fromSchedule),
      serviceTimeMs: serviceTime.count === 0 ? undefined : percentilesMs(serviceTime),
      server: this.options.server?.(start, end) ?? []
    }
    this.previous = { ...counts }
    this.latency.reset()
    this.rows.push(row)
    this.options.onRow?.(row)
  }
}
