import autocannon from 'autocannon'
import type { LoadTestOptions } from './args.js'
import { Ledger } from './ledger.js'
import { hookClient, type RequestTimes } from './client-hooks.js'
import { LatencyRecorder } from './latency.js'
import { OutageTracker } from './outages.js'
import { EvenPacer } from './pacer.js'
import { ReadingGenerator, type Batch } from './readings.js'
import { ServerSampler, type ServerSample } from './server-metrics.js'
import { Timeline, type TimelineCounts, type TimelineRow } from './timeline.js'

/** A request with no answer within this long counts as a timeout. */
const REQUEST_TIMEOUT_S = 10

export interface RunResult {
  ledger: Ledger
  generator: ReadingGenerator
  startedAt: Date
  /** First request to last answer (or error). */
  elapsedS: number
  latency: LatencyRecorder
  timeline: Timeline
  outages: OutageTracker
  /** /metrics of each target, from before the first request to after the last answer. */
  serverSamples: ServerSample[]
}

export interface RunHooks {
  /** Each timeline row as its interval closes (for printing as the run goes). */
  onInterval?: (row: TimelineRow) => void
  /** Aborting stops sending; what was sent is still counted and verified. */
  signal?: AbortSignal
}

interface RequestContext {
  batch?: Batch
}

const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0)

function timelineCounts (ledger: Ledger): TimelineCounts {
  const c = ledger.counts
  const status503 = c.statuses['503'] ?? 0
  return {
    readingsSent: c.readingsSent,
    readingsAcknowledged: c.acknowledgedNew + c.acknowledgedDuplicate,
    errors: sum(c.errors) + c.timeouts,
    status503,
    otherNon2xx: sum(c.statuses) - status503
  }
}

/** Sends the run's readings with autocannon and counts every answer. */
export async function runLoad (options: LoadTestOptions, sensorBase: number, hooks: RunHooks = {}): Promise<RunResult> {
  const { pace } = options
  const maxReadings = pace.readings
  const requests = maxReadings === undefined ? undefined : Math.ceil(maxReadings / options.batch)
  const generator = new ReadingGenerator({
    sensorBase, sensors: options.sensors, batch: options.batch, duplicates: options.duplicates, maxReadings
  })
  const ledger = new Ledger()
  const latency = new LatencyRecorder()
  const pacer = pace.kind === 'paced' ? new EvenPacer(1000 * options.batch / pace.readingsPerSecond, undefined, requests) : undefined
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`

  const sampler = new ServerSampler(options.urls, REQUEST_TIMEOUT_S * 1000)
  // Memory at the start, before the first request.
  await sampler.sample()
  const startAt = performance.now()
  const startedAt = new Date()
  const clock = { startAt, wallStartMs: startedAt.getTime() }
  const intervalMs = options.intervalS * 1000
  const outages = new OutageTracker(clock)
  const timeline = new Timeline({
    ...clock,
    intervalMs,
    counts: () => timelineCounts(ledger),
    behindAt: pacer === undefined ? undefined : (at) => pacer.behindAt(at),
    server: (from, to) => sampler.latestBetween(from, to, startAt),
    onRow: hooks.onInterval
  })

  let started = 0
  let lastEvent = 0
  let inFlight = 0
  let stopping = false
  const durationS = pace.kind === 'max' ? pace.durationS : undefined
  let settle: (err?: Error) => void = () => {}
  const finished = new Promise<void>((resolve, reject) => { settle = (err) => err ? reject(err) : resolve() })

  const onSent = (times: RequestTimes) => {
    inFlight++
    if (started === 0) started = times.sentAt
    outages.due(times.dueAt)
  }
  const onAnswered = (times: RequestTimes, status: number, at: number) => {
    inFlight--
    lastEvent = at
    latency.record(times, at)
    timeline.answered(times, at)
    if (status >= 200 && status < 300) outages.acknowledged(at, inFlight > 0)
  }
  const onLost = (_times: RequestTimes, at: number) => {
    inFlight--
    lastEvent = at
  }

  const instance = autocannon({
    // autocannon takes several URLs, connection i going to URL i mod n; its types say one.
    url: options.urls as unknown as string,
    // autocannon refuses more connections than requests.
    connections: Math.min(options.connections, requests ?? options.connections),
    pipelining: 1,
    timeout: REQUEST_TIMEOUT_S,
    // A timed run ends by `stopping` below; autocannon's own duration is only a backstop.
    ...(requests !== undefined ? { amount: requests } : { duration: (durationS ?? 0) + 2 * REQUEST_TIMEOUT_S }),
    setupClient: (client: unknown) => hookClient(client, { pacer, stopping: () => stopping, onSent, onAnswered, onLost }),
    requests: [{
      method: 'POST',
      headers,
      setupRequest: (request, context) => {
        // autocannon keeps one context per connection, and a connection has one request in
        // flight, so the answer below finds the batch it belongs to.
        const batch = generator.next()
        ;(context as RequestContext).batch = batch
        // Intervals that ended close before the ledger counts anything after them.
        timeline.advance(performance.now())
        ledger.sent(batch)
        // The path of this connection's --url (a prefix such as /api is kept).
        return { ...request, path: `${(request.path ?? '/').replace(/\/+$/, '')}/readings`, body: batch.body }
      },
      onResponse: (status, body, context, responseHeaders) => {
        const batch = (context as RequestContext).batch
        if (batch === undefined) return
        const retryAfter = Object.entries(responseHeaders ?? {}).find(([name]) => name.toLowerCase() === 'retry-after')?.[1]
        timeline.advance(performance.now())
        ledger.answered(batch, status, body, typeof retryAfter === 'string' ? retryAfter : undefined)
      }
    }]
  } as autocannon.Options, (err: Error | null) => settle(err ?? undefined))

  instance.on('reqError', (err: Error) => {
    lastEvent = performance.now()
    timeline.advance(lastEvent)
    ledger.failed(err)
  })

  // Stopping lets every request in flight get its answer, then the connections close.
  const stop = () => { stopping = true }
  const stopTimer = durationS !== undefined ? setTimeout(stop, durationS * 1000) : undefined
  hooks.signal?.addEventListener('abort', stop, { once: true })
  const tick = setInterval(() => timeline.advance(performance.now()), Math.min(intervalMs, 1000))
  sampler.start(intervalMs)

  try {
    await finished
  } finally {
    clearTimeout(stopTimer)
    clearInterval(tick)
    sampler.stop()
    hooks.signal?.removeEventListener('abort', stop)
  }
  const end = Math.max(lastEvent, started)
  timeline.finish(end)
  outages.finish(end)
  // Memory at the end, after the last answer.
  await sampler.sample()
  const elapsedS = started === 0 ? 0 : Math.max(0, lastEvent - started) / 1000
  return { ledger, generator, startedAt, elapsedS, latency, timeline, outages, serverSamples: sampler.samples(startAt) }
}
