import autocannon from 'autocannon'
import pg from 'pg'
import { migrate } from '../src/db/migrate.js'
import { startApiProcess } from './api-process.js'

export interface ReadBenchOptions {
  /** A scratch database: it is migrated, then its readings and summary are replaced by the seed. */
  databaseUrl: string
  log: (line: string) => void
  /** Readings to seed (default 1,000,000), spread evenly over `sensors` (default 10,000), two variables each. */
  readings?: number
  sensors?: number
  /** Seconds of load per endpoint (default 10). */
  durationS?: number
  /** Concurrent connections (default 10). */
  connections?: number
}

export interface EndpointLatency {
  endpoint: string
  requests: number
  /** Answers other than 2xx, and transport errors: 0 in a valid run. */
  failures: number
  requestsPerS: number
  p50Ms: number
  p99Ms: number
}

export interface ReadBenchResult {
  readings: number
  sensors: number
  seedS: number
  endpoints: EndpointLatency[]
}

const VARIABLES = ['humidity', 'temperature']
const INTERVAL_S = 60

/**
 * Seeds `readings` readings with SQL alone: sensor s reports both variables every `intervalS` (a minute), its
 * newest reading (s % 20) minutes ago, so about half the fleet is silent for 10 minutes. The summary
 * (and the rollups, where the schema has them) are filled to match, as the writer and folds would have.
 */
export async function seed (pool: pg.Pool, readings: number, sensors: number, intervalS = INTERVAL_S): Promise<void> {
  const perSensor = Math.max(1, Math.floor(readings / sensors / VARIABLES.length))
  await pool.query('TRUNCATE readings, sensor_variable_summary, sensor_summary_deltas')
  // Where readings are partitioned by time, the seed's days get their partitions first (the
  // default width, 1d), so the API's partition rounds find no backlog to move during a measurement.
  const spanS = 20 * 60 + perSensor * intervalS
  await pool.query(`DO $$ DECLARE day timestamptz; BEGIN
    IF to_regprocedure('create_readings_partition(timestamptz, timestamptz)') IS NULL THEN RETURN; END IF;
    FOR day IN SELECT generate_series(date_bin('1 day', now() - ${spanS} * interval '1 second', timestamptz 'epoch'), now(), interval '1 day') LOOP
      PERFORM create_readings_partition(day, day + interval '1 day');
    END LOOP;
  END $$`)
  await pool.query(`
    INSERT INTO readings (sensor_id, ts, variable, value, unit, received_at)
    SELECT s, ts, v, round((random() * 40)::numeric, 2)::float8, CASE v WHEN 'humidity' THEN '%' ELSE 'C' END,
           ts -- stored as it was taken, so arrivals (GET /stats/ingest) spread over the history as in a live fleet
    FROM generate_series(1, $1::int) s, generate_series(0, $2::int - 1) i, unnest($4::text[]) v,
         LATERAL (SELECT date_trunc('second', now()) - ((s % 20) * 60 + i * $3) * interval '1 second' AS ts) t
    ORDER BY 1, 2, 3`, [sensors, perSensor, intervalS, VARIABLES])
  // The summary the writer would have kept (the migration's backfill query).
  await pool.query(`
    INSERT INTO sensor_variable_summary (sensor_id, variable, reading_count, first_seen, last_seen, latest_value, latest_unit)
    SELECT s.sensor_id, s.variable, s.n, s.first_seen, s.last_seen, latest.value, latest.unit
    FROM (SELECT sensor_id, variable, count(*) AS n, min(ts) AS first_seen, max(ts) AS last_seen FROM readings GROUP BY 1, 2) s
    JOIN readings latest ON latest.sensor_id = s.sensor_id AND latest.ts = s.last_seen AND latest.variable = s.variable`)
  // Rollups, where the schema has them, recomputed from the readings (the migration's own function).
  await pool.query(`DO $$ BEGIN
    IF to_regprocedure('rebuild_reading_rollups()') IS NOT NULL THEN PERFORM rebuild_reading_rollups(); END IF;
  END $$`)
  await pool.query('VACUUM ANALYZE readings')
  await pool.query('VACUUM ANALYZE sensor_variable_summary')
}

async function measure (url: string, endpoint: string, path: (sensorId: number) => string, sensors: number, durationS: number, connections: number): Promise<EndpointLatency> {
  const result = await autocannon({
    url,
    connections,
    duration: durationS,
    requests: [{
      method: 'GET',
      // A random sensor per request, so the cache does not serve one hot row.
      setupRequest: (req) => ({ ...req, path: path(1 + Math.floor(Math.random() * sensors)) })
    }]
  })
  return {
    endpoint,
    requests: result.requests.total,
    failures: result.non2xx + result.errors + result.timeouts,
    requestsPerS: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99
  }
}

/** p50/p99 latency of the three read endpoints with `readings` readings stored. */
export async function runReadBench (opts: ReadBenchOptions): Promise<ReadBenchResult> {
  const readings = opts.readings ?? 1_000_000
  const sensors = opts.sensors ?? 10_000
  const durationS = opts.durationS ?? 10
  const connections = opts.connections ?? 10

  await migrate(opts.databaseUrl)
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 1 })
  const seedStarted = performance.now()
  try {
    opts.log(`read bench: seeding ${readings.toLocaleString('en')} readings over ${sensors.toLocaleString('en')} sensors`)
    await seed(pool, readings, sensors)
  } finally {
    await pool.end()
  }
  const seedS = (performance.now() - seedStarted) / 1000
  opts.log(`read bench: seeded in ${seedS.toFixed(1)} s`)

  const api = await startApiProcess(opts.databaseUrl)
  const url = api.url
  const endpoints: EndpointLatency[] = []
  try {
    const targets: Array<[string, (id: number) => string]> = [
      ['GET /sensors/{id}', (id) => `/sensors/${id}`],
      ['GET /readings?sensor_id=...&limit=100', (id) => `/readings?sensor_id=${id}&limit=100`],
      ['GET /sensors/silent', () => '/sensors/silent?minutes=10']
    ]
    for (const [endpoint, path] of targets) {
      // Unmeasured warm-up: JIT, the pool's connections and the database's cache.
      await measure(url, endpoint, path, sensors, Math.min(2, durationS), connections)
      const latency = await measure(url, endpoint, path, sensors, durationS, connections)
      endpoints.push(latency)
      opts.log(`read bench: ${endpoint}: p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms, ${Math.round(latency.requestsPerS)} req/s, ${latency.failures} failures (${connections} connections, ${durationS} s)`)
    }
  } finally {
    await api.stop()
  }
  return { readings: sensors * Math.max(1, Math.floor(readings / sensors / VARIABLES.length)) * VARIABLES.length, sensors, seedS, endpoints }
}
