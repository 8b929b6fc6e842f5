import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'

export interface MetricsSources {
  version: string
  instanceId: string
  /** Readings waiting in the write queue, read at scrape time. */
  writeQueueDepth: () => number
  flushesInFlight: () => number
  pool: () => { totalCount: number, idleCount: number, waitingCount: number }
  /** The summary's pending deltas, fleet-wide, asked of the database at scrape time. */
  summaryBacklog: () => Promise<{ deltas: number, readings: number, oldestAgeS: number }>
  /** What waits in the rollups' queue, fleet-wide, likewise. */
  rollupBacklog: () => Promise<{ entries: number, oldestAgeS: number }>
}

/** What a finished POST /readings did with its readings (see README for the definitions). */
export interface IngestCounts {
  inserted: number
  duplicates: number
  conflicts: number
}

/**
 * Every metric of one app instance, on its own Registry, so several apps in one process (tests,
 * benchmarks) never share or collide on a metric.
 */
export class AppMetrics {
  readonly registry = new Registry()

  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [this.registry]
  })

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry]
  })

  private readonly readings = {
    received: this.counter('iot_readings_received_total', 'Readings in POST /readings bodies that parsed'),
    inserted: this.counter('iot_readings_inserted_total', 'Readings stored for the first time'),
    duplicate: this.counter('iot_readings_duplicate_total', 'Readings already stored with the same value and unit (safe retries)'),
    conflict: this.counter('iot_readings_conflict_total', 'Readings whose key is stored with another value or unit (not stored)'),
    rejected: this.counter('iot_readings_rejected_total', 'Readings in requests refused as a whole with 400 or 403 (an invalid reading, a sensor the token may not write)'),
    failed: this.counter('iot_readings_failed_total', 'Readings in requests answered 5xx (database unavailable, queue full): not stored, to be retried')
  }

  private readonly flushRows = new Histogram({
    name: 'iot_flush_rows',
    help: 'Distinct readings written per group-commit flush',
    buckets: [1, 5, 10, 50, 100, 500, 1000, 5000, 10000],
    registers: [this.registry]
  })

  private readonly flushDuration = new Histogram({
    name: 'iot_flush_duration_seconds',
    help: 'Duration of one group-commit flush (insert, summary delta, commit, read-back of conflicts)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry]
  })

  private readonly summaryDeltasFolded = this.counter('iot_summary_deltas_folded_total', 'Summary delta rows (one per flush) this instance folded into the per-sensor summary')
  private readonly summaryReadingsFolded = this.counter('iot_summary_readings_folded_total', 'Readings those delta rows counted')
  private readonly summaryStaleReads = this.counter('iot_summary_stale_reads_total', '/sensors answers marked with as_of and pending_readings: the summary could not count every reading stored before the request within SUMMARY_READ_WAIT_MS')

  private readonly foldDuration = new Histogram({
    name: 'iot_summary_fold_duration_seconds',
    help: 'Duration of one summary fold transaction (a chunk of at most SUMMARY_FOLD_CHUNK_DELTAS rows) by this instance, including folds with nothing to do',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry]
  })

  private readonly rollupEntriesFolded = this.counter('iot_rollup_entries_folded_total', 'Queued entries (one per sensor, variable and minute of a flush) this instance folded into the minute and hour rollups')

  private readonly rollupFoldDuration = new Histogram({
    name: 'iot_rollup_fold_duration_seconds',
    help: 'Duration of one rollup fold transaction by this instance that folded something (what waited ROLLUP_FOLD_DELAY_MS, or a full queue)',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry]
  })

  private readonly partitionsCreated = this.counter('iot_readings_partitions_created_total', 'Time partitions of readings this instance created (ahead of time, or for backfilled readings in the default partition)')
  private readonly partitionsDropped = this.counter('iot_readings_partitions_dropped_total', 'Time partitions of readings this instance dropped as older than RETENTION_DAYS')
  private readonly oldestReadingKept = new Gauge({
    name: 'iot_readings_oldest_kept_timestamp_seconds',
    help: 'Timestamp (Unix seconds) of the oldest reading still stored, as of this instance\'s last partition round; absent when none is stored',
    registers: [this.registry]
  })

  constructor (sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry })
    this.gauge('iot_write_queue_depth', 'Readings waiting in the write queue for a flush', sources.writeQueueDepth)
    this.gauge('iot_write_flushes_in_flight', 'Group-commit flushes being written', sources.flushesInFlight)
    this.gauge('iot_db_pool_connections', 'Connections open in the database pool, busy or idle', () => sources.pool().totalCount)
    this.gauge('iot_db_pool_idle_connections', 'Open connections in the database pool not in use', () => sources.pool().idleCount)
    this.gauge('iot_db_pool_waiting_clients', 'Queries waiting for a database pool connection', () => sources.pool().waitingCount)
    this.databaseGauges(sources.summaryBacklog, [
      ['iot_summary_pending_deltas', 'Summary delta rows (one per flush) not yet folded into the per-sensor summary, fleet-wide', (b) => b.deltas],
      ['iot_summary_pending_readings', 'Readings those pending delta rows hold, fleet-wide', (b) => b.readings],
      ['iot_summary_oldest_pending_delta_age_seconds', 'Age of the oldest pending delta row (0: none pending): how far the summary lags behind', (b) => b.oldestAgeS]
    ])
    this.databaseGauges(sources.rollupBacklog, [
      ['iot_rollup_pending_entries', 'Entries folded into the summary and queued for the minute and hour rollups, fleet-wide', (b) => b.entries],
      ['iot_rollup_oldest_pending_age_seconds', 'Age of the oldest entry queued for the rollups (0: none): how far the rollup tables lag behind; reads count what is queued', (b) => b.oldestAgeS]
    ])
    new Gauge({
      name: 'iot_service_info',
      help: 'Always 1; its labels name the running version and instance',
      labelNames: ['version', 'instance_id'] as const,
      registers: [this.registry]
    }).set({ version: sources.version, instance_id: sources.instanceId }, 1)
  }

  readingsReceived (n: number): void { this.readings.received.inc(n) }
  readingsRejected (n: number): void { this.readings.rejected.inc(n) }
  readingsFailed (n: number): void { this.readings.failed.inc(n) }

  readingsWritten (counts: IngestCounts): void {
    this.readings.inserted.inc(counts.inserted)
    this.readings.duplicate.inc(counts.duplicates)
    this.readings.conflict.inc(counts.conflicts)
  }

  flushed (stats: { rows: number, durationS: number }): void {
    this.flushRows.observe(stats.rows)
    this.flushDuration.observe(stats.durationS)
  }

  folded (stats: { deltas: number, readings: number, durationS: number }): void {
    this.summaryDeltasFolded.inc(stats.deltas)
    this.summaryReadingsFolded.inc(stats.readings)
    this.foldDuration.observe(stats.durationS)
  }

  rollupFolded (stats: { entries: number, durationS: number }): void {
    this.rollupEntriesFolded.inc(stats.entries)
    this.rollupFoldDuration.observe(stats.durationS)
  }

  staleRead (): void { this.summaryStaleReads.inc() }

  partitionsMaintained (round: { created: unknown[], dropped: unknown[], oldestKept: Date | null }): void {
    this.partitionsCreated.inc(round.created.length)
    this.partitionsDropped.inc(round.dropped.length)
    if (round.oldestKept === null) this.oldestReadingKept.reset()
    else this.oldestReadingKept.set(round.oldestKept.getTime() / 1000)
  }

  /**
   * Gauges read from the database, fleet-wide, so the same on every replica: one query per scrape
   * for the group. A database that cannot answer leaves them out of the scrape rather than failing it.
   */
  private databaseGauges<T> (read: () => Promise<T>, gauges: Array<[name: string, help: string, pick: (answer: T) => number]>): void {
    let scrape: Promise<T | undefined> | undefined
    const once = () => {
      scrape ??= read().catch(() => undefined).finally(() => setImmediate(() => { scrape = undefined }))
      return scrape
    }
    for (const [name, help, pick] of gauges) {
      this.registry.registerMetric(new Gauge({
        name,
        help,
        registers: [],
        async collect () {
          const answer = await once()
          if (answer === undefined) this.reset()
          else this.set(pick(answer))
        }
      }))
    }
  }

  private counter (name: string, help: string): Counter {
    return new Counter({ name, help, registers: [this.registry] })
  }

  private gauge (name: string, help: string, read: () => number): void {
    this.registry.registerMetric(new Gauge({ name, help, registers: [], collect () { this.set(read()) } }))
  }
}
