import type { Reading } from './reading.js'
import { compareInstants } from './timestamp.js'

/** What a set of newly inserted readings adds to one (sensor, variable) row of the summary. */
export interface SummaryDelta {
  sensorId: number
  variable: string
  count: number
  first: Reading
  last: Reading
}

/**
 * One delta per (sensor, variable) pair among `readings`, which must all be new rows. Any order
 * is right; readings of one pair in a row (as the writer sorts them) are summed without a lookup.
 */
export function summaryDeltas (readings: readonly Reading[]): SummaryDelta[] {
  const byPair = new Map<string, SummaryDelta>()
  let delta: SummaryDelta | undefined
  for (const r of readings) {
    if (delta === undefined || delta.sensorId !== r.sensorId || delta.variable !== r.variable) {
      const pair = `${r.sensorId}\u0000${r.variable}`
      delta = byPair.get(pair)
      if (delta === undefined) {
        delta = { sensorId: r.sensorId, variable: r.variable, count: 1, first: r, last: r }
        byPair.set(pair, delta)
        continue
      }
    }
    delta.count++
    if (compareInstants(r, delta.first) < 0) delta.first = r
    if (compareInstants(r, delta.last) > 0) delta.last = r
  }
  return [...byPair.values()]
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
