import pg from 'pg'
import { Agent } from 'undici'
import type { FleetConfig } from '../watchdog/config.js'
import { FleetReader } from '../watchdog/fleet/reader.js'
import { abba, formatChange } from './abba.js'
import { startApiProcess } from './api-process.js'
import { drive } from './ingest.js'

type Log = (line: string) => void

export interface FleetBenchOptions {
  databaseUrl: string
  log: Log
  /** Seconds of ingest per ABBA measurement. */
  durationS: number
  rounds?: number
  sensors?: number
  /** Evaluations measured for their latency. */
  evaluations?: number
}

const VARIABLES = ['temperature', 'humidity', 'pressure', 'co2', 'battery']

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!

/**
 * The watchdog's fleet evaluation against the API in its own process, over `sensors` sensors × 5
 * variables in the summary (a tenth of them silent) with 3 rules, silence per sensor and per variable: (1) the time of one evaluation
 * (every request, answers parsed, as the watchdog does it), (2) its effect on ingest throughput
 * (1,000-reading batches, 8 connections) in ABBA rounds, B evaluating once a second: 30 times the
 * default interval, so any effect would show.
 */
export async function runFleetBench (opts: FleetBenchOptions): Promise<void> {
  const sensors = opts.sensors ?? 10_000
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 1 })
  const api = await startApiProcess(opts.databaseUrl)
  const agent = new Agent({ keepAliveTimeout: 10_000 })
  try {
    await pool.query('TRUNCATE readings, sensor_variable_summary, sensor_summary_deltas')
    // The summary as the writer leaves it; a tenth of the fleet silent for an hour.
    await pool.query(`
      INSERT INTO sensor_variable_summary (sensor_id, variable, reading_count, first_seen, last_seen, latest_value, latest_unit)
      SELECT s, v, 100, now() - interval '1 day', now() - CASE WHEN s % 10 = 0 THEN interval '1 hour' ELSE (s % 60) * interval '1 second' END,
             round((random() * 100)::numeric, 2)::float8, 'u'
      FROM generate_series(1, $1::int) s, unnest($2::text[]) v`, [sensors, VARIABLES])
    await pool.query('VACUUM ANALYZE sensor_variable_summary')

    const config: FleetConfig = {
      apiUrl: api.url,
      intervalMs: 30_000,
      timeoutMs: 10_000,
      silence: { afterMs: 600_000, retireAfterMs: 7 * 86_400_000, perVariable: false },
      blackoutShare: 0.5,
      ingestStallMs: 0,
      dependsOn: [],
      rules: [
        { name: 'hot', variable: 'temperature', op: 'above', threshold: 80, clear: 75, forMs: 0 },
        { name: 'dry', variable: 'humidity', op: 'below', threshold: 10, clear: 15, forMs: 0, sensors: [[1, 5000]] },
        { name: 'battery', variable: 'battery', op: 'below', threshold: 5, clear: 10, forMs: 0 }
      ],
      reminder: { firstMs: 900_000, factor: 2, maxMs: 14_400_000 },
      flapping: { window: 20, threshold: 5, stableChecks: 10 }
    }
    // The default (silence per sensor), then the heaviest read (per sensor and variable).
    let defaultMedianMs = 0
    for (const perVariable of [false, true]) {
      const reader = new FleetReader({ ...config, silence: { ...config.silence, perVariable } }, agent)
      await reader.read() // warm-up: statement plans, JIT
      const times: number[] = []
      let requests = 0
      for (let i = 0; i < (opts.evaluations ?? 20); i++) {
        const started = performance.now()
        const snapshot = await reader.read()
        times.push(performance.now() - started)
        requests = snapshot.requests
        if (snapshot.fleetSize !== sensors) throw new Error(`read ${snapshot.fleetSize} sensors, expected ${sensors}`)
      }
      if (!perVariable) defaultMedianMs = median(times)
      opts.log(`fleet evaluation (${sensors.toLocaleString('en')} sensors × ${VARIABLES.length} variables, silence per ${perVariable ? 'sensor and variable' : 'sensor'}, 3 rules: ${requests} requests): ` +
        `median ${median(times).toFixed(0)} ms, p90 ${quantile(times, 0.9).toFixed(0)} ms, slowest ${Math.max(...times).toFixed(0)} ms (${times.length} evaluations, requests and parsing included)`)
    }
    const reader = new FleetReader(config, agent)

    let sensorBase = 60_000_000
    const ingest = async () => {
      sensorBase += 1000
      return (await drive('fleet cost', api.url, { connections: 8, durationS: opts.durationS, batch: 1000, sensorBase })).readingsPerS
    }
    await ingest() // warm-up
    const result = await abba(opts.rounds ?? 3, async (side) => {
      if (side === 'A') return ingest()
      let evaluating = true
      const loop = (async () => {
        while (evaluating) {
          const started = performance.now()
          await reader.read()
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (performance.now() - started))))
        }
      })()
      try {
        return await ingest()
      } finally {
        evaluating = false
        await loop
      }
    })
    opts.log(`fleet evaluation cost on ingest (1,000-reading batches, 8 connections, ${opts.durationS} s each; B = one evaluation per second): ${formatChange(result)}`)
    // At the default interval: even with both cores busy for the whole of each evaluation (API,
    // database and watchdog), this is the most of the machine's time it can take from ingest, far
    // below what ABBA rounds can resolve here.
    opts.log(`fleet evaluation at the default interval (${config.intervalMs / 1000} s): at most ` +
      `${(defaultMedianMs / config.intervalMs * 100).toFixed(2)}% of the machine's CPU time (both cores for its ${defaultMedianMs.toFixed(0)} ms median, once per interval)`)
  } finally {
    await agent.close()
    await api.stop()
    await pool.end()
  }
}
