import type { LoadTestOptions, Pace } from './args.js'
import type { Counts } from './ledger.js'
import type { Verification } from './verify.js'

export interface Summary {
  url: string
  startedAt: string
  pace: Pace
  connections: number
  batch: number
  sensors: { count: number, firstId: number, lastId: number }
  requests: { sent: number, resends: number }
  readings: {
    sent: number
    unique: number
    resent: number
    acknowledgedNew: number
    acknowledgedDuplicate: number
    conflicts: number
    rejected: number
  }
  /** Answers other than 200/201, by status; Retry-After values of the 503s. */
  non2xx: { byStatus: Record<string, number>, retryAfter: Record<string, number>, malformed2xx: number }
  errors: { total: number, timeouts: number, byKind: Record<string, number> }
  achieved: { elapsedS: number, readingsPerSecond: number, requestsPerSecond: number }
  latencyMs: { p50: number, p90: number, p99: number, max: number }
  verification: Verification | { error: string }
  passed: boolean
  /** Why the run failed; empty when it passed. */
  reasons: string[]
}

export interface SummaryInput {
  options: LoadTestOptions
  sensorBase: number
  startedAt: Date
  elapsedS: number
  counts: Counts
  uniqueReadingsSent: number
  latencyMs: Summary['latencyMs']
  verification: Verification | { error: string }
}

const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0)
const round = (n: number, digits: number) => Number(n.toFixed(digits))

export function buildSummary (input: SummaryInput): Summary {
  const { options, counts: c, elapsedS } = input
  const errorsTotal = sum(c.errors) + c.timeouts
  const summary: Summary = {
    url: options.url,
    startedAt: input.startedAt.toISOString(),
    pace: options.pace,
    connections: options.connections,
    batch: options.batch,
    sensors: { count: options.sensors, firstId: input.sensorBase, lastId: input.sensorBase + options.sensors - 1 },
    requests: { sent: c.requestsSent, resends: c.resendRequests },
    readings: {
      sent: c.readingsSent,
      unique: input.uniqueReadingsSent,
      resent: c.resendReadings,
      acknowledgedNew: c.acknowledgedNew,
      acknowledgedDuplicate: c.acknowledgedDuplicate,
      conflicts: c.conflicts,
      rejected: c.rejectedReadings
    },
    non2xx: { byStatus: c.statuses, retryAfter: c.retryAfter, malformed2xx: c.malformed },
    errors: { total: errorsTotal, timeouts: c.timeouts, byKind: c.errors },
    achieved: {
      elapsedS: round(elapsedS, 3),
      readingsPerSecond: elapsedS > 0 ? round(c.readingsSent / elapsedS, 1) : 0,
      requestsPerSecond: elapsedS > 0 ? round(c.requestsSent / elapsedS, 1) : 0
    },
    latencyMs: input.latencyMs,
    verification: input.verification,
    passed: false,
    reasons: []
  }
  summary.reasons = failureReasons(summary, options.maxP99Ms)
  summary.passed = summary.reasons.length === 0
  return summary
}

const statusList = (byStatus: Record<string, number>) =>
  Object.entries(byStatus).map(([status, n]) => `${n} × ${status}`).join(', ')

/** Every reason the run does not pass, most telling first. */
export function failureReasons (s: Summary, maxP99Ms: number | undefined): string[] {
  const reasons: string[] = []
  if (s.requests.sent === 0) reasons.push('no request was sent')
  if (sum(s.non2xx.byStatus) > 0) {
    const retry = Object.keys(s.non2xx.retryAfter).length > 0 ? ` (503 Retry-After: ${Object.keys(s.non2xx.retryAfter).join(', ')} s)` : ''
    const hint = s.non2xx.byStatus['401'] !== undefined ? ' (401: pass a valid --token)' : ''
    reasons.push(`unexpected answers: ${statusList(s.non2xx.byStatus)}${retry}${hint}`)
  }
  if (s.non2xx.malformed2xx > 0) reasons.push(`${s.non2xx.malformed2xx} 2xx answers did not account for their readings`)
  if (s.readings.conflicts > 0) reasons.push(`${s.readings.conflicts} readings reported as conflicts, though every resend was exact`)
  if (s.errors.total > 0) {
    const kinds = Object.entries(s.errors.byKind).map(([kind, n]) => `${n} × ${kind}`)
    if (s.errors.timeouts > 0) kinds.push(`${s.errors.timeouts} × timeout`)
    reasons.push(`${s.errors.total} requests got no answer: ${kinds.join(', ')}`)
  }
  if ('error' in s.verification) {
    reasons.push(`verification impossible: ${s.verification.error}`)
  } else if (!s.verification.holds) {
    const v = s.verification
    reasons.push(`verification failed: lost ${v.lost}, duplicated ${v.duplicated}${v.rejectedStored > 0 ? `, rejected yet stored ${v.rejectedStored}` : ''}`)
  }
  if (maxP99Ms !== undefined && s.latencyMs.p99 > maxP99Ms) reasons.push(`p99 latency ${s.latencyMs.p99} ms is above --max-p99 ${maxP99Ms} ms`)
  return reasons
}

function describePace (p: Pace): string {
  if (p.kind === 'paced') {
    return `paced at ${round(p.readingsPerSecond, 2)} readings/s (${p.readings} readings over ${round(p.readings / p.readingsPerSecond, 1)} s)`
  }
  const limits = [p.readings !== undefined ? `${p.readings} readings` : '', p.durationS !== undefined ? `${p.durationS} s` : '']
  return `--max: as fast as it goes (${limits.filter(Boolean).join(' or ')})`
}

/** The human summary printed at the end of a run. */
export function formatSummary (s: Summary): string {
  const v = s.verification
  const verification = 'error' in v
    ? `impossible: ${v.error}`
    : `${v.holds ? 'holds' : 'FAILED'}: stored ${v.stored} for ${v.acknowledged} acknowledged unique readings: lost: ${v.lost}, duplicated: ${v.duplicated}` +
      (v.unacknowledged > 0 ? `; unacknowledged: ${v.unacknowledged}, stored: ${v.unacknowledgedStored}` : '') +
      (v.rejectedStored > 0 ? `; rejected yet stored: ${v.rejectedStored}` : '')
  const non2xx = sum(s.non2xx.byStatus) === 0 ? 'none' : statusList(s.non2xx.byStatus) +
    (Object.keys(s.non2xx.retryAfter).length > 0 ? ` (503 Retry-After: ${Object.keys(s.non2xx.retryAfter).join(', ')} s)` : '')
  const lines: Array<[string, string]> = [
    ['target', `${s.url}, ${describePace(s.pace)}, batch ${s.batch}, ${s.connections} connections`],
    ['sensors', `${s.sensors.count} ids, ${s.sensors.firstId}..${s.sensors.lastId} (this run's own)`],
    ['readings sent', `${s.readings.sent} in ${s.requests.sent} requests (${s.readings.unique} unique, ${s.readings.resent} resent in ${s.requests.resends} duplicate requests)`],
    ['acknowledged new', String(s.readings.acknowledgedNew)],
    ['acknowledged duplicate', String(s.readings.acknowledgedDuplicate)],
    ['rejected (4xx)', String(s.readings.rejected)],
    ['non-2xx by status', non2xx],
    ['errors / timeouts', `${s.errors.total - s.errors.timeouts} / ${s.errors.timeouts}`],
    ['achieved rate', `${s.achieved.readingsPerSecond} readings/s (${s.achieved.requestsPerSecond} requests/s) over ${s.achieved.elapsedS} s`],
    ['latency', `p50 ${s.latencyMs.p50} ms, p90 ${s.latencyMs.p90} ms, p99 ${s.latencyMs.p99} ms, max ${s.latencyMs.max} ms`],
    ['verification', verification]
  ]
  const width = Math.max(...lines.map(([label]) => label.length)) + 1
  const body = lines.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}`).join('\n')
  const result = s.passed ? 'PASSED' : `FAILED\n${s.reasons.map((r) => `  - ${r}`).join('\n')}`
  return `${body}\n${'result:'.padEnd(width)} ${result}`
}

/** The live progress line (terminals only). */
export function formatProgress (p: { elapsedS: number, readingsSent: number, readingsAcknowledged: number, errors: number, currentRate: number, p99Ms: number }): string {
  return `${p.elapsedS.toFixed(0)} s  sent ${p.readingsSent}  acknowledged ${p.readingsAcknowledged}  errors ${p.errors}  ` +
    `rate ${p.currentRate.toFixed(0)}/s  p99 ${p.p99Ms.toFixed(1)} ms`
}
