import type { Reading } from './reading.js'

/** What a set of newly inserted readings adds to one (sensor, variable) row of the summary. */
export interface SummaryDelta {
  sensorId: number
  variable: string
  count: number
  first: Reading
  last: Reading
}

/** Orders two canonical instants (`${epochMs}.${microsWithinMs}`, see timestamp.ts). */
export function compareInstants (a: string, b: string): number {
  if (a === b) return 0
  const dotA = a.indexOf('.'); const dotB = b.indexOf('.')
  return Number(a.slice(0, dotA)) - Number(b.slice(0, dotB)) || Number(a.slice(dotA + 1)) - Number(b.slice(dotB + 1))
}

/** One delta per (sensor, variable) pair among `readings`, which must all be new rows. */
export function summaryDeltas (readings: readonly Reading[]): SummaryDelta[] {
  const byPair = new Map<string, SummaryDelta>()
  for (const r of readings) {
    const pair = `${r.sensorId}\u0000${r.variable}`
    const delta = byPair.get(pair)
    if (delta === undefined) {
      byPair.set(pair, { sensorId: r.sensorId, variable: r.variable, count: 1, first: r, last: r })
      continue
    }
    delta.count++
    if (compareInstants(r.instant, delta.first.instant) < 0) delta.first = r
    if (compareInstants(r.instant, delta.last.instant) > 0) delta.last = r
  }
  return [...byPair.values()]
}
