import type { LoadTestOptions, Pace } from './args.js'
import type { Percentiles } from './latency.js'
import type { Counts } from './ledger.js'
import type { Outage } from './outages.js'
import { summariseServer, type ServerSample, type ServerSummary } from './server-metrics.js'
import type { TimelineRow } from './timeline.js'
import type { Verification } from './verify.js'

export interface Summary {
  url: string
  urls: string[]
  /** The command line that ran it (the token hidden). */
  command?: string
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
  /** What `latencyMs` counts from: each request's slot on the schedule (paced), or its send (--max). */
  latencyFrom: 'schedule' | 'send'
  latencyMs: Percentiles
  /** From each request's send to its answer: what the server took once it had the request. */
  serviceTimeMs: Percentiles
  timeline: { intervalS: number, rows: TimelineRow[] }
  /** Stretches with readings waiting and none acknowledged, at least OUTAGE_MIN_MS long. */
  outages: Outage[]
  /** The targets' /metrics: a summary per target (and instance), and every sample. */
  server: { summaries: ServerSummary[], samples: ServerSample[] }
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
  latencyMs: Percentiles
  serviceTimeMs: Percentiles
  timelineRows: TimelineRow[]
  outages: Outage[]
  serverSamples: ServerSample[]
  command?: string
  verification: Verification | { error: string }
}

const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0)
const round = (n: number, digits: number) => Number(n.toFixed(digits))

export function buildSummary (input: SummaryInput): Summary {
  const { options, counts: c, elapsedS } = input
  const errorsTotal = sum(c.errors) + c.timeouts
  const summary: Summary = {
    url: options.url,
    urls: options.urls,
    command: input.command,
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
    latencyFrom: options.pace.kind === 'paced' ? 'schedule' : 'send',
    latencyMs: input.latencyMs,
    serviceTimeMs: input.serviceTimeMs,
    timeline: { intervalS: options.intervalS, rows: input.timelineRows },
    outages: input.outages,
    server: { summaries: summariseServer(input.serverSamples), samples: input.serverSamples },
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
  if (maxP99Ms !== undefined && s.latencyMs.p99 > maxP99Ms) {
    const from = s.latencyFrom === 'schedule' ? ' (from the schedule)' : ''
    reasons.push(`p99 latency${from} ${s.latencyMs.p99} ms is above --max-p99 ${maxP99Ms} ms`)
  }
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
  const lines = summaryLines(s)
  const width = Math.max(...lines.map(([label]) => label.length)) + 1
  const body = lines.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}`).join('\n')
  const result = s.passed ? 'PASSED' : `FAILED\n${s.reasons.map((r) => `  - ${r}`).join('\n')}`
  return `${body}\n${'result:'.padEnd(width)} ${result}`
}

/** The summary's figures as (label, text) pairs, in the order they are printed. */
export function summaryLines (s: Summary): Array<[string, string]> {
  const v = s.verification
  const verification = 'error' in v
    ? `impossible: ${v.error}`
    : `${v.holds ? 'holds' : 'FAILED'}: stored ${v.stored} for ${v.acknowledged} acknowledged unique readings: lost: ${v.lost}, duplicated: ${v.duplicated}` +
      (v.unacknowledged > 0 ? `; unacknowledged: ${v.unacknowledged}, stored: ${v.unacknowledgedStored}` : '') +
      (v.rejectedStored > 0 ? `; rejected yet stored: ${v.rejectedStored}` : '')
  const non2xx = sum(s.non2xx.byStatus) === 0
    ? 'none'
    : statusList(s.non2xx.byStatus) +
    (Object.keys(s.non2xx.retryAfter).length > 0 ? ` (503 Retry-After: ${Object.keys(s.non2xx.retryAfter).join(', ')} s)` : '')
  return [
    ['target', `${s.urls.join(', ')}, ${describePace(s.pace)}, batch ${s.batch}, ${s.connections} connections`],
    ['sensors', `${s.sensors.count} ids, ${s.sensors.firstId}..${s.sensors.lastId} (this run's own)`],
    ['readings sent', `${s.readings.sent} in ${s.requests.sent} requests (${s.readings.unique} unique, ${s.readings.resent} resent in ${s.requests.resends} duplicate requests)`],
    ['acknowledged new', String(s.readings.acknowledgedNew)],
    ['acknowledged duplicate', String(s.readings.acknowledgedDuplicate)],
    ['rejected (4xx)', String(s.readings.rejected)],
    ['non-2xx by status', non2xx],
    ['errors / timeouts', `${s.errors.total - s.errors.timeouts} / ${s.errors.timeouts}`],
    ['achieved rate', `${s.achieved.readingsPerSecond} readings/s (${s.achieved.requestsPerSecond} requests/s) over ${s.achieved.elapsedS} s`],
    ...latencyLines(s),
    ['outages', s.outages.length === 0 ? 'none' : describeOutages(s.outages)],
    ...s.server.summaries.map((server): [string, string] => ['server', describeServer(server)]),
    ['verification', verification]
  ]
}

const percentiles = (p: Percentiles) => `p50 ${p.p50} ms, p90 ${p.p90} ms, p99 ${p.p99} ms, max ${p.max} ms`

function latencyLines (s: Summary): Array<[string, string]> {
  if (s.latencyFrom === 'send') return [['latency', `from the send (--max: no schedule, so the service time): ${percentiles(s.latencyMs)}`]]
  return [
    ['latency', `from the schedule (what a sensor waits): ${percentiles(s.latencyMs)}`],
    ['service time', `from the send: ${percentiles(s.serviceTimeMs)}`]
  ]
}

/** 2026-11-23T12:00:06.123Z → 12:00:06.1 */
const clockTime = (iso: string) => iso.slice(11, 21)

const MAX_OUTAGES_LISTED = 5

export function describeOutage (o: Outage): string {
  const end = o.ongoing ? `until the run ended at ${clockTime(o.to)}` : `to ${clockTime(o.to)}`
  return `no reading acknowledged from ${clockTime(o.from)} ${end} UTC (${o.durationS.toFixed(1)} s, from +${o.startS.toFixed(1)} s)`
}

function describeOutages (outages: readonly Outage[]): string {
  const listed = outages.slice(0, MAX_OUTAGES_LISTED).map(describeOutage)
  if (outages.length > MAX_OUTAGES_LISTED) listed.push(`and ${outages.length - MAX_OUTAGES_LISTED} more`)
  return listed.join('; ')
}

export const megabytes = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)

function describeServer (s: ServerSummary): string {
  const name = s.instance === undefined ? s.target : `${s.target} (instance ${s.instance})`
  const parts: string[] = []
  if (s.memory !== undefined) {
    const m = s.memory
    parts.push(`memory ${megabytes(m.startBytes)} MB at start, peak ${megabytes(m.peakBytes)} MB, ${megabytes(m.endBytes)} MB at end`)
  }
  if (s.eventLoopLagMaxMs !== undefined) parts.push(`event-loop lag max ${s.eventLoopLagMaxMs} ms`)
  if (s.writeQueueMax !== undefined) parts.push(`write queue max ${s.writeQueueMax}`)
  if (s.unanswered > 0) parts.push(`${s.unanswered} of ${s.samples + s.unanswered} /metrics reads unanswered (${s.lastError ?? ''})`)
  if (s.samples === 0 && s.unanswered === 0) parts.push('no /metrics read')
  return `${name}: ${parts.join('; ')}`
}

const TIMELINE_COLUMNS: Array<[string, number]> = [
  ['time s', 7], ['sent', 7], ['acked', 7], ['errors', 7], ['503', 5], ['behind', 7],
  ['p50 ms', 9], ['p99 ms', 9], ['svc p99', 9], ['rss MB', 8], ['lag ms', 8], ['queue', 6]
]

/** The heading of the timeline as printed while the run goes. */
export const TIMELINE_HEADER = TIMELINE_COLUMNS.map(([name, width]) => name.padStart(width)).join('')

/**
 * One timeline row as printed while the run goes: counts of the interval, latency from the
 * schedule (p50, p99) and service time (p99) of its answers, and the server (several targets:
 * memory of each, the worst lag, the queues added up). `-`: nothing to show.
 */
export function formatTimelineRow (row: TimelineRow): string {
  const readings = row.server.filter((s) => s.ok)
  const max = (values: Array<number | undefined>) => {
    const known = values.filter((v): v is number => v !== undefined)
    return known.length === 0 ? undefined : Math.max(...known)
  }
  const queues = readings.map((s) => s.writeQueueDepth).filter((v): v is number => v !== undefined)
  const rss = readings.map((s) => s.rssBytes).filter((v): v is number => v !== undefined).map(megabytes)
  const cells = [
    row.endS.toFixed(1), row.readingsSent, row.readingsAcknowledged, row.errors, row.status503, row.behind,
    row.latencyMs?.p50, row.latencyMs?.p99, row.serviceTimeMs?.p99,
    rss.length === 0 ? undefined : rss.join('/'), max(readings.map((s) => s.eventLoopLagMaxMs)),
    queues.length === 0 ? undefined : queues.reduce((a, b) => a + b, 0)
  ]
  return cells.map((cell, i) => String(cell ?? '-').padStart(TIMELINE_COLUMNS[i]![1])).join('')
}
