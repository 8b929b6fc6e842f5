import parsePrometheusTextFormat, { type MetricFamily } from 'parse-prometheus-text-format'
import { request } from 'undici'

/** What one GET /metrics said about the server, or why it said nothing. */
export type ServerState = {
  ok: true
  /** `instance_id` of `iot_service_info`: behind a load balancer, which replica answered. */
  instance?: string
  rssBytes?: number
  heapUsedBytes?: number
  /** Event-loop delay since the previous scrape (prom-client resets it at each one). */
  eventLoopLagP99Ms?: number
  eventLoopLagMaxMs?: number
  writeQueueDepth?: number
} | {
  ok: false
  error: string
}

export type ServerSample = {
  /** The --url it was read from. */
  target: string
  /** Seconds from the run's start to the answer (negative: before the first request). */
  atS: number
} & ServerState

const gauge = (families: Map<string, MetricFamily>, name: string): number | undefined => {
  const value = families.get(name)?.metrics[0]?.value
  const n = value === undefined ? NaN : Number(value)
  return Number.isFinite(n) ? n : undefined
}

const toMs = (seconds: number | undefined) => seconds === undefined ? undefined : Number((seconds * 1000).toFixed(1))

/** The figures the load test follows, from a Prometheus text page (undefined when a metric is absent). */
export function readServerMetrics (text: string): Omit<Extract<ServerState, { ok: true }>, 'ok'> {
  const families = new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]))
  return {
    instance: families.get('iot_service_info')?.metrics[0]?.labels?.instance_id,
    rssBytes: gauge(families, 'process_resident_memory_bytes'),
    heapUsedBytes: gauge(families, 'nodejs_heap_size_used_bytes'),
    eventLoopLagP99Ms: toMs(gauge(families, 'nodejs_eventloop_lag_p99_seconds')),
    eventLoopLagMaxMs: toMs(gauge(families, 'nodejs_eventloop_lag_max_seconds')),
    writeQueueDepth: gauge(families, 'iot_write_queue_depth')
  }
}

/** A sample as the sampler keeps it: answered at `at` on its clock (performance.now). */
interface TimedSample { at: number, target: string, state: ServerState }

/**
 * Reads `/metrics` of each target, at most one scrape in flight per target: a frozen server
 * leaves one unanswered scrape, not a pile of them, and its answer (with the event-loop delay
 * the freeze caused) lands when it wakes.
 */
export class ServerSampler {
  private readonly timed: TimedSample[] = []
  private readonly inFlight = new Map<string, Promise<void>>()
  private timer: NodeJS.Timeout | undefined

  /** `timeoutMs`: a scrape with no answer in this long counts as unanswered. */
  constructor (private readonly targets: readonly string[], private readonly timeoutMs: number) {}

  /** Scrapes every target not already being scraped; resolves when those answered or gave up. */
  async sample (): Promise<void> {
    await Promise.all(this.targets.map((target) => {
      let scrape = this.inFlight.get(target)
      if (scrape === undefined) {
        scrape = this.scrape(target).finally(() => this.inFlight.delete(target))
        this.inFlight.set(target, scrape)
      }
      return scrape
    }))
  }

  /** Samples every `intervalMs` until `stop`. */
  start (intervalMs: number): void {
    this.timer = setInterval(() => { void this.sample() }, intervalMs)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
  }

  /** Every sample, timed in seconds from `origin` (a performance.now time). */
  samples (origin: number): ServerSample[] {
    return this.timed.map((t) => withOffset(t, origin))
  }

  /** The last sample of each target answered within [from, to) (performance.now times). */
  latestBetween (from: number, to: number, origin: number): ServerSample[] {
    const latest = new Map<string, TimedSample>()
    for (const t of this.timed) if (t.at >= from && t.at < to) latest.set(t.target, t)
    return [...latest.values()].map((t) => withOffset(t, origin))
  }

  private async scrape (target: string): Promise<void> {
    let state: ServerState
    try {
      const res = await request(`${target}/metrics`, { signal: AbortSignal.timeout(this.timeoutMs) })
      const text = await res.body.text()
      state = res.statusCode === 200
        ? { ok: true, ...readServerMetrics(text) }
        : { ok: false, error: `GET /metrics answered ${res.statusCode}` }
    } catch (err) {
      const e = err as { name?: string, code?: string, message: string }
      const why = e.name === 'TimeoutError' ? `no answer in ${this.timeoutMs / 1000} s` : e.code ?? e.message
      state = { ok: false, error: `GET /metrics: ${why}` }
    }
    this.timed.push({ at: performance.now(), target, state })
  }
}

const withOffset = (t: TimedSample, origin: number): ServerSample =>
  ({ target: t.target, atS: Number(((t.at - origin) / 1000).toFixed(3)), ...t.state })

export interface ServerSummary {
  target: string
  instance?: string
  samples: number
  /** Scrapes with no usable answer. */
  unanswered: number
  lastError?: string
  /** Resident memory at the first and last answered scrape, and the highest seen. */
  memory?: { startBytes: number, peakBytes: number, endBytes: number }
  eventLoopLagMaxMs?: number
  writeQueueMax?: number
}

/** One summary per target and instance (a load-balanced target may answer from several). */
export function summariseServer (samples: readonly ServerSample[]): ServerSummary[] {
  const byKey = new Map<string, ServerSummary>()
  const unansweredByTarget = new Map<string, { count: number, lastError: string }>()
  for (const s of samples) {
    if (!s.ok) {
      const u = unansweredByTarget.get(s.target) ?? { count: 0, lastError: s.error }
      unansweredByTarget.set(s.target, { count: u.count + 1, lastError: s.error })
      continue
    }
    const key = `${s.target} ${s.instance ?? ''}`
    const summary = byKey.get(key) ?? { target: s.target, instance: s.instance, samples: 0, unanswered: 0 }
    byKey.set(key, summary)
    summary.samples++
    if (s.rssBytes !== undefined) {
      const m = summary.memory
      summary.memory = m === undefined
        ? { startBytes: s.rssBytes, peakBytes: s.rssBytes, endBytes: s.rssBytes }
        : { startBytes: m.startBytes, peakBytes: Math.max(m.peakBytes, s.rssBytes), endBytes: s.rssBytes }
    }
    if (s.eventLoopLagMaxMs !== undefined) summary.eventLoopLagMaxMs = Math.max(summary.eventLoopLagMaxMs ?? 0, s.eventLoopLagMaxMs)
    if (s.writeQueueDepth !== undefined) summary.writeQueueMax = Math.max(summary.writeQueueMax ?? 0, s.writeQueueDepth)
  }
  const summaries = [...byKey.values()]
  for (const [target, u] of unansweredByTarget) {
    const first = summaries.find((s) => s.target === target)
    if (first === undefined) summaries.push({ target, samples: 0, unanswered: u.count, lastError: u.lastError })
    else Object.assign(first, { unanswered: u.count, lastError: u.lastError })
  }
  return summaries
}
