import type { Reading } from './reading.js'
import { compareInstants } from './timestamp.js'

/**
 * What a set of newly inserted readings adds to one (sensor, variable) row of the summary, and to
 * one minute of that pair's rollups: one delta per pair and minute (UTC, aligned on the epoch).
 */
export interface SummaryDelta {
  sensorId: number
  variable: string
  /** The minute the readings fall in, as epoch minutes. */
  minute: number
  count: number
  first: Reading
  last: Reading
  min: number
  max: number
  sum: number
}

const MINUTE_MS = 60_000

/**
 * One delta per (sensor, variable) pair and minute among `readings`, which must all be new rows.
 * Any order is right; readings of one pair and minute in a row (as the writer sorts them) are
 * summed without a lookup.
 */
export function summaryDeltas (readings: readonly Reading[]): SummaryDelta[] {
  const byKey = new Map<string, SummaryDelta>()
  let delta: SummaryDelta | undefined
  for (const r of readings) {
    const minute = Math.floor(r.epochMs / MINUTE_MS)
    if (delta === undefined || delta.sensorId !== r.sensorId || delta.variable !== r.variable || delta.minute !== minute) {
      const key = `${r.sensorId}\u0000${r.variable}\u0000${minute}`
      delta = byKey.get(key)
      if (delta === undefined) {
        delta = { sensorId: r.sensorId, variable: r.variable, minute, count: 1, first: r, last: r, min: r.value, max: r.value, sum: r.value }
        byKey.set(key, delta)
        continue
      }
    }
    delta.count++
    if (compareInstants(r, delta.first) < 0) delta.first = r
    if (compareInstants(r, delta.last) > 0) delta.last = r
    if (r.value < delta.min) delta.min = r.value
    if (r.value > delta.max) delta.max = r.value
    delta.sum += r.value
  }
  return [...byKey.values()]
}

/**
 * Whether no (sensor, variable) pair has two of `readings`, which must hold each pair's readings
 * next to each other (as the writer's key order does): then each reading is its own delta.
 */
export function everyPairOnce (readings: readonly Reading[]): boolean {
  for (let i = 1; i < readings.length; i++) {
    if (readings[i]!.sensorId === readings[i - 1]!.sensorId && readings[i]!.variable === readings[i - 1]!.variable) return false
  }
  return true
}
