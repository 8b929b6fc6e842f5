import { createHistogram, type RecordableHistogram } from 'node:perf_hooks'
import type { RequestTimes } from './client-hooks.js'

export interface Percentiles {
  p50: number
  p90: number
  p99: number
  max: number
}

const ms = (micros: number) => Number((micros / 1000).toFixed(1))

/** Percentiles of a histogram of microseconds, in milliseconds (all 0 when it is empty). */
export function percentilesMs (h: RecordableHistogram): Percentiles {
  if (h.count === 0) return { p50: 0, p90: 0, p99: 0, max: 0 }
  return { p50: ms(h.percentile(50)), p90: ms(h.percentile(90)), p99: ms(h.percentile(99)), max: ms(h.max) }
}

/**
 * Two measures of each answered request: latency from its due time on the schedule (what a
 * sensor sending on time waits, whatever held the request back) and service time from its send
 * (what the server took once it had it). Unpaced runs have no schedule: both are the same.
 */
export class LatencyRecorder {
  readonly fromSchedule = createHistogram()
  readonly serviceTime = createHistogram()

  record (times: RequestTimes, answeredAt: number): void {
    this.fromSchedule.record(micros(answeredAt - times.dueAt))
    this.serviceTime.record(micros(answeredAt - times.sentAt))
  }

  reset (): void {
    this.fromSchedule.reset()
    this.serviceTime.reset()
  }
}

/** Histograms take whole numbers from 1 up. */
const micros = (ms: number) => Math.max(1, Math.round(ms * 1000))
