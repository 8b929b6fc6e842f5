import { createHistogram } from 'node:perf_hooks'
import pg from 'pg'
import { request } from 'undici'
import { startApiProcess } from './api-process.js'

export interface BacklogBenchOptions {
  /** A migrated scratch database: its summary and deltas are replaced by the seed. */
  databaseUrl: string
  log: (line: string) => void
  /** Readings pending in summary deltas when the reads start (default 10,000,000). */
  pendingReadings?: number
  sensors?: number
  durationS?: number
  connections?: number
}

const ENDPOINTS = [
  (sensors: number) => `/sensors/${1 + Math.floor(Math.random() * sensors)}`,
  () => '/sensors/silent?minutes=10',
  (sensors: number) => `/sensors?limit=100&cursor=${Buffer.from(JSON.stringify({ sensor_id: Math.floor(Math.random() * sensors) })).toString('base64url')}`
]

/**
 * Reads while a backlog of `pendingReadings` readings waits in summary deltas (as after folds
 * stalled: one delta row per flush of 10,000 readings over the whole fleet), with the API folding
 * it on its timer meanwhile: the read latency whatever the backlog, and how much of it was
 * answered marked as_of.
 */
export async function runBacklogBench (options: BacklogBenchOptions): Promise<void> {
  const { log } = options
  const pending = options.pendingReadings ?? 10_000_000
  const sensors = options.sensors ?? 10_000
  const durationS = options.durationS ?? 10
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 2 })
  try {
    const seeded = performance.now()
    await pool.query('TRUNCATE sensor_variable_summary, sensor_summary_deltas')
    await pool.query(`
      INSERT INTO sensor_variable_summary (sensor_id, variable, reading_count, first_seen, last_seen, latest_value, latest_unit)
      SELECT s, 'temperature', 1, now() - interval '1 day', now() - interval '1 day', 20, 'C' FROM generate_series(1, $1::int) s`, [sensors])
    const rows = Math.ceil(pending / sensors)
    for (let first = 0; first < rows; first += 50) {
      await pool.query(`
        INSERT INTO sensor_summary_deltas (sensor_ids, variables, reading_counts, first_seen, last_seen, latest_values, latest_units)
        SELECT array_agg(s ORDER BY s), array_agg('temperature'::text), array_agg(1::int8), array_agg(t), array_agg(t), array_agg(r::float8), array_agg('C'::text)
        FROM generate_series($1::int, $2::int) r, generate_series(1, $3::int) s, LATERAL (SELECT now() - interval '1 hour' + r * interval '1 ms' AS t) ts
        GROUP BY r`, [first, Math.min(rows, first + 50) - 1, sensors])
    }
    await pool.query('VACUUM ANALYZE sensor_summary_deltas')
    const backlog = async () => Number((await pool.query('SELECT coalesce(sum(n_readings), 0)::text AS n FROM sensor_summary_deltas')).rows[0].n)
    log(`summary backlog: seeded ${await backlog()} pending readings (${rows} delta rows over ${sensors} sensors) in ${((performance.now() - seeded) / 1000).toFixed(1)} s`)

    const api = await startApiProcess(options.databaseUrl)
    const latency = createHistogram()
    const statuses = new Map<number, number>()
    let stale = 0
    let answers = 0
    try {
      const atStart = await backlog()
      const deadline = Date.now() + durationS * 1000
      await Promise.all(Array.from({ length: options.connections ?? 8 }, async (_, worker) => {
        for (let i = worker; Date.now() < deadline; i++) {
          const started = process.hrtime.bigint()
          const res = await request(`${api.url}${ENDPOINTS[i % ENDPOINTS.length]!(sensors)}`)
          const body = await res.body.text()
          latency.record(Math.max(1, Number(process.hrtime.bigint() - started)))
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
          answers++
          if (body.includes('"as_of"')) stale++
        }
      }))
      const ms = (ns: number) => (ns / 1e6).toFixed(1)
      log(`summary backlog: ${answers} reads in ${durationS} s while ${atStart} readings were pending at the start and ${await backlog()} at the end: ` +
        `p50 ${ms(latency.percentile(50))} ms, p99 ${ms(latency.percentile(99))} ms, max ${ms(latency.max)} ms; ` +
        `${stale} answered as_of (${(stale / answers * 100).toFixed(0)}%); statuses ${JSON.stringify(Object.fromEntries(statuses))}`)
    } finally {
      await api.stop()
    }
  } finally {
    await pool.end()
  }
}
