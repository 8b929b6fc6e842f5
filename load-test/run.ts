import { createHistogram, type RecordableHistogram } from 'node:perf_hooks'
import autocannon from 'autocannon'
import type { LoadTestOptions } from './args.js'
import { Ledger } from './ledger.js'
import { hookClient } from './client-hooks.js'
import { EvenPacer } from './pacer.js'
import { ReadingGenerator, type Batch } from './readings.js'

/** A request with no answer within this long counts as a timeout. */
const REQUEST_TIMEOUT_S = 10

export interface Progress {
  elapsedS: number
  readingsSent: number
  readingsAcknowledged: number
  errors: number
  /** Readings sent per second over the last progress interval. */
  currentRate: number
  p99Ms: number
}

export interface RunResult {
  ledger: Ledger
  generator: ReadingGenerator
  startedAt: Date
  /** First request to last answer (or error). */
  elapsedS: number
  /** Response latencies in microseconds. */
  latency: RecordableHistogram
}

export interface RunHooks {
  onProgress?: (progress: Progress) => void
  progressIntervalMs?: number
  /** Aborting stops sending; what was sent is still counted and verified. */
  signal?: AbortSignal
}

interface RequestContext {
  batch?: Batch
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
  const latency = createHistogram()
  const pacer = pace.kind === 'paced' ? new EvenPacer(1000 * options.batch / pace.readingsPerSecond) : undefined
  const url = new URL(options.url)
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`

  const startedAt = new Date()
  let started = 0
  let lastEvent = 0
  let stopping = false
  const durationS = pace.kind === 'max' ? pace.durationS : undefined
  let settle: (err?: Error) => void = () => {}
  const finished = new Promise<void>((resolve, reject) => { settle = (err) => err ? reject(err) : resolve() })
  const instance = autocannon({
    url: url.origin,
    // autocannon refuses more connections than requests.
    connections: Math.min(options.connections, requests ?? options.connections),
    pipelining: 1,
    timeout: REQUEST_TIMEOUT_S,
    // A timed run ends by `stopping` below; autocannon's own duration is only a backstop.
    ...(requests !== undefined ? { amount: requests } : { duration: (durationS ?? 0) + 2 * REQUEST_TIMEOUT_S }),
    setupClient: (client: unknown) => hookClient(client, { pacer, stopping: () => stopping }),
    requests: [{
      method: 'POST',
      path: `${url.pathname.replace(/\/+$/, '')}/readings`,
      headers,
      setupRequest: (request, context) => {
        // autocannon keeps one context per connection, and a connection has one request in
        // flight, so the answer below finds the batch it belongs to.
        const batch = generator.next()
        ;(context as RequestContext).batch = batch
        ledger.sent(batch)
        if (started === 0) started = performance.now()
        return { ...request, body: batch.body }
      },
      onResponse: (status, body, context, responseHeaders) => {
        const batch = (context as RequestContext).batch
        if (batch === undefined) return
        const retryAfter = Object.entries(responseHeaders ?? {}).find(([name]) => name.toLowerCase() === 'retry-after')?.[1]
        ledger.answered(batch, status, body, typeof retryAfter === 'string' ? retryAfter : undefined)
      }
    }]
  } as autocannon.Options, (err: Error | null) => settle(err ?? undefined))

  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
    latency.record(Math.max(1, Math.round(responseTimeMs * 1000)))
    lastEvent = performance.now()
  })
  instance.on('reqError', (err: Error) => {
    ledger.failed(err)
    lastEvent = performance.now()
  })

  // Stopping lets every request in flight get its answer, then the connections close.
  const stop = () => { stopping = true }
  const stopTimer = durationS !== undefined ? setTimeout(stop, durationS * 1000) : undefined
  hooks.signal?.addEventListener('abort', stop, { once: true })
  const progressTimer = hooks.onProgress ? startProgress(ledger, latency, () => started, hooks.onProgress, hooks.progressIntervalMs ?? 1000) : undefined

  try {
    await finished
  } finally {
    clearTimeout(stopTimer)
    clearInterval(progressTimer)
    hooks.signal?.removeEventListener('abort', stop)
  }
  const elapsedS = started === 0 ? 0 : Math.max(0, lastEvent - started) / 1000
  return { ledger, generator, startedAt, elapsedS, latency }
}

function startProgress (ledger: Ledger, latency: RecordableHistogram, started: () => number,
  report: (p: Progress) => void, intervalMs: number): NodeJS.Timeout {
  let previousSent = 0
  let previousAt = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    const c = ledger.counts
    report({
      elapsedS: started() === 0 ? 0 : (now - started()) / 1000,
      readingsSent: c.readingsSent,
      readingsAcknowledged: c.acknowledgedNew + c.acknowledgedDuplicate,
      errors: Object.values(c.errors).reduce((a, b) => a + b, 0) + c.timeouts,
      currentRate: (c.readingsSent - previousSent) / ((now - previousAt) / 1000),
      p99Ms: latency.count === 0 ? 0 : latency.percentile(99) / 1000
    })
    previousSent = c.readingsSent
    previousAt = now
  }, intervalMs)
  timer.unref()
  return timer
}
