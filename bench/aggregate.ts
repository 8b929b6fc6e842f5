import autocannon from 'autocannon'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import pg from 'pg'
import { request } from 'undici'
import { abba, checkpoint, formatChange, type AbbaResult } from './abba.js'
import { startApiProcess } from './api-process.js'
import { AggregateRepository } from '../src/read/aggregate-repository.js'
import { DEFAULT_CHUNK_LIMITS, DEFAULT_ROLLUP_FOLDING, SummaryFolder } from '../src/summary/folder.js'

type Log = (line: string) => void

export interface AggregateBenchOptions {
  /** A migrated scratch database: its readings, summary and rollups are replaced by the seed. */
  databaseUrl: string
  log: Log
  /** Sensors seeded at full density (24 h at 1 reading/s, 30 days at 1 reading/10 s); default 10. */
  sensors?: number
  /** Seconds per measurement (default 10). */
  durationS?: number
  /** ABBA rounds of ingest with rollups on and off (default 2; 0 skips it). */
  rounds?: number
}

export interface Latency {
  scenario: string
  requests: number
  failures: number
  p50Ms: number
  p99Ms: number
}

const FLEET = 10_000
const BATCH = 1000
// Concurrent readers: one per core of the 2-core target machine.
const CONNECTIONS = 2

/**
 * Ingest over a fleet of FLEET sensors, BATCH readings per request (one per sensor of a block of
 * BATCH), each request a millisecond after the previous: every fold takes new readings of up to
 * the whole fleet, as 10,000 sensors reporting every second or so would give it.
 */
function fleetBodies (sensorBase: number, realTime = false) {
  let request = 0
  const t0 = Date.now() - 60_000
  return () => {
    const k = request++
    // At a steady rate, each sensor's readings a second or more apart in real time, as a fleet's are.
    const ts = new Date(realTime ? Date.now() : t0 + k).toISOString()
    const block = (k % (FLEET / BATCH)) * BATCH
    const readings = Array.from({ length: BATCH }, (_, s) =>
      `{"sensor_id":${sensorBase + block + s},"timestamp":"${ts}","variable":"temperature","value":${(k % 400) / 10},"unit":"C"}`)
    return `[${readings.join(',')}]`
  }
}

async function ingest (url: string, opts: { durationS: number, connections: number, overallRate?: number, sensorBase: number }) {
  const body = fleetBodies(opts.sensorBase, opts.overallRate !== undefined)
  const result = await autocannon({
    url: `${url}/readings`,
    connections: opts.connections,
    duration: opts.durationS,
    ...(opts.overallRate === undefined ? {} : { overallRate: opts.overallRate }),
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }]
  })
  const readings = (result.requests.total - result.non2xx) * BATCH
  return { readings, durationS: result.duration, readingsPerS: readings / result.duration, failures: result.non2xx + result.errors + result.timeouts }
}

/**
 * Folds what ingest left pending, the summary's deltas and then the rollups' whole queue, whatever
 * its age; the seconds it took. Rollup chunks at their full size, as the API's folder folds them
 * once it has run a while: each chunk upserts every (sensor, minute) and (sensor, hour) row it
 * meets, so chunks at a new folder's starting size (the summary's 50,000 entries) would charge the
 * rollups several times the upserts that steady ingest pays.
 */
async function settle (pool: pg.Pool): Promise<number> {
  const started = performance.now()
  const folder = new SummaryFolder(pool, DEFAULT_CHUNK_LIMITS, DEFAULT_ROLLUP_FOLDING)
  while ((await folder.foldChunk()).nextId !== undefined);
  while (await folder.foldRollupChunk(DEFAULT_ROLLUP_FOLDING.maxLimits, 0) !== undefined);
  return (performance.now() - started) / 1000
}

async function measure (url: string, scenario: string, path: () => string, durationS: number, connections: number): Promise<Latency> {
  const result = await autocannon({ url, connections, duration: durationS, requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path() }) }] })
  return { scenario, requests: result.requests.total, failures: result.non2xx + result.errors + result.timeouts, p50Ms: result.latency.p50, p99Ms: result.latency.p99 }
}

/** Seconds this API instance spent in rollup fold transactions that folded something (its /metrics). */
async function rollupFoldS (url: string): Promise<number> {
  const res = await request(`${url}/metrics`)
  const folds = parsePrometheusTextFormat(await res.body.text()).find((family) => family.name === 'iot_rollup_fold_duration_seconds')
  return Number(folds?.metrics[0]?.sum ?? 0)
}

/**
 * The rollup folds' database time per reading at the fleet's pace, 10,000 readings/s over FLEET
 * sensors (each once a second, in real time), with ROLLUP_FOLD_DELAY_MS at 5 s (A, the former
 * default) and at the default (B): ABBA, a new API per side, each side twice the default delay
 * long (so B folds as it would for good), then what it left queued folded as the API would.
 * The metric is readings per second of rollup fold transactions (higher is better).
 */
export async function runFoldDelayBench (opts: { databaseUrl: string, log: Log, rounds: number }): Promise<AbbaResult> {
  const durationS = 2 * DEFAULT_ROLLUP_FOLDING.delayMs / 1000
  const delaysMs = { A: 5000, B: DEFAULT_ROLLUP_FOLDING.delayMs }
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 2 })
  let sensorBase = 5_000_000
  const perSide = { A: [] as number[], B: [] as number[] }
  const result = await abba(opts.rounds, async (side) => {
    sensorBase += FLEET
    const api = await startApiProcess(opts.databaseUrl, { ROLLUP_FOLD_DELAY_MS: String(delaysMs[side]) })
    let readings: number
    let foldS: number
    try {
      readings = (await ingest(api.url, { durationS, connections: 8, overallRate: 10, sensorBase })).readings
      foldS = await rollupFoldS(api.url)
    } finally {
      await api.stop()
    }
    // What the side left queued, folded as the API would have (its summary first).
    const folder = new SummaryFolder(pool, DEFAULT_CHUNK_LIMITS, DEFAULT_ROLLUP_FOLDING)
    while ((await folder.foldChunk()).nextId !== undefined);
    const started = performance.now()
    while (await folder.foldRollupChunk(DEFAULT_ROLLUP_FOLDING.maxLimits, 0) !== undefined);
    foldS += (performance.now() - started) / 1000
    perSide[side].push(foldS / readings * 1e6)
    return readings / foldS
  }).finally(() => pool.end())
  const us = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ')
  opts.log(`fold delay bench: rollup fold time per reading at 10,000 readings/s over ${FLEET.toLocaleString('en')} sensors, ${durationS} s per side: ` +
    `ROLLUP_FOLD_DELAY_MS=${delaysMs.A} (A) ${us(perSide.A)} µs, ${delaysMs.B} (B) ${us(perSide.B)} µs; readings per fold second, B against A: ${formatChange(result)}`)
  return result
}

/**
 * Seeds `sensors` sensors with SQL: temperature every second for the last 24 h, humidity every
 * 10 s for the last 30 days; the rollups rebuilt from them (rebuild_reading_rollups()); and 24 h
 * of per-minute ingest counts.
 */
async function seed (pool: pg.Pool, sensors: number): Promise<{ readings: number, rebuildS: number }> {
  await pool.query('TRUNCATE readings, sensor_variable_summary, sensor_summary_deltas, reading_rollups_minute, reading_rollups_hour, ingest_rollups_minute')
  for (const [variable, everyS, spanS] of [['temperature', 1, 86_400], ['humidity', 10, 30 * 86_400]] as const) {
    for (let s = 1; s <= sensors; s++) {
      await pool.query(`
        INSERT INTO readings (sensor_id, ts, variable, value, unit)
        SELECT $1::int4, date_trunc('second', now()) - i * $2::int4 * interval '1 second', $3::text, round((20 + 10 * sin(i / 500.0))::numeric, 2)::float8, 'u'
        FROM generate_series(0, $4::int4 - 1) i`, [s, everyS, variable, spanS / everyS])
    }
  }
  const rebuilding = performance.now()
  await pool.query('SELECT rebuild_reading_rollups()')
  const rebuildS = (performance.now() - rebuilding) / 1000
  await pool.query(`
    INSERT INTO ingest_rollups_minute
    SELECT date_bin(interval '1 minute', now(), timestamptz 'epoch') - i * interval '1 minute', 600000 FROM generate_series(1, 1440) i
    ON CONFLICT DO NOTHING`)
  await pool.query('VACUUM ANALYZE')
  // The seed's dirty pages written now, not by the checkpointer during the measurements.
  await checkpoint(pool)
  return { readings: Number((await pool.query('SELECT count(*)::int8::text AS n FROM readings')).rows[0].n), rebuildS }
}

/** The aggregated reads' latency over seeded data, /stats/ingest while ingesting, and ingest with rollups on vs off (ABBA). */
export async function runAggregateBench (opts: AggregateBenchOptions): Promise<{ latencies: Latency[], rollupCost?: AbbaResult }> {
  const sensors = opts.sensors ?? 10
  const durationS = opts.durationS ?? 10
  const rounds = opts.rounds ?? 2
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 2 })
  const latencies: Latency[] = []
  let rollupCost: AbbaResult | undefined
  try {
    const started = performance.now()
    const { readings, rebuildS } = await seed(pool, sensors)
    opts.log(`aggregate bench: seeded ${readings.toLocaleString('en')} readings of ${sensors} sensors (24 h at 1/s, 30 days at 1/10 s) in ${((performance.now() - started) / 1000).toFixed(1)} s, ` +
      `of which rebuild_reading_rollups() took ${rebuildS.toFixed(1)} s`)
    // The queries alone, one at a time on one connection: what the database takes, without HTTP and the other processes' turns.
    const repository = new AggregateRepository(pool)
    const ago = (ms: number) => { const now = Date.now(); return { from: { epochMs: now - ms, microsInMs: 0 }, to: { epochMs: now, microsInMs: 0 } } }
    for (const [query, run] of [
      ['24 h of 1 reading/s, 5m buckets', () => repository.aggregate({ sensorId: 1 + Math.floor(Math.random() * sensors), variable: 'temperature', ...ago(86_400_000), bucketSeconds: 300 })],
      ['30 days of 1 reading/10 s, 1h buckets', () => repository.aggregate({ sensorId: 1 + Math.floor(Math.random() * sensors), variable: 'humidity', ...ago(30 * 86_400_000), bucketSeconds: 3600 })],
      ['ingest stats, 24 h per minute', () => repository.ingest({ ...ago(86_400_000), bucketSeconds: 60 })]
    ] as const) {
      const ms: number[] = []
      for (let i = 0; i < 200; i++) {
        const started = performance.now()
        await run()
        ms.push(performance.now() - started)
      }
      ms.sort((a, b) => a - b)
      opts.log(`aggregate bench: query alone, ${query}: p50 ${ms[99]!.toFixed(1)} ms, p99 ${ms[197]!.toFixed(1)} ms (200 in a row, one connection)`)
    }

    const api = await startApiProcess(opts.databaseUrl)
    try {
      const sensor = () => 1 + Math.floor(Math.random() * sensors)
      const day = () => `/readings/aggregate?sensor_id=${sensor()}&variable=temperature`
      const month = () => `/readings/aggregate?sensor_id=${sensor()}&variable=humidity&from=${new Date(Date.now() - 30 * 86_400_000).toISOString()}`
      const stats = () => `/stats/ingest?from=${new Date(Date.now() - 86_400_000).toISOString()}&bucket=1m`
      const scenarios: Array<[string, () => string, number]> = [
        ['GET /readings/aggregate, 24 h of 1 reading/s (auto: 288 buckets of 5m); target p99 < 20 ms', day, 20],
        ['GET /readings/aggregate, 30 days of 1 reading/10 s (auto: 720 buckets of 1h); target p99 < 50 ms', month, 50]
      ]
      for (const [scenario, path] of scenarios) {
        await measure(api.url, scenario, path, Math.min(2, durationS), CONNECTIONS) // warm-up: JIT, pool, caches
        // One chart opened at a time (what a user waits), then one reader per core (what concurrent
        // viewers wait, the load generator taking its share of the same two cores).
        for (const connections of [1, CONNECTIONS]) {
          const latency = await measure(api.url, scenario, path, durationS, connections)
          latencies.push(latency)
          opts.log(`aggregate bench: ${scenario}: p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms, ${latency.requests} requests, ${latency.failures} failures (${connections} connection${connections > 1 ? 's' : ''}, ${durationS} s)`)
        }
      }
      // /stats/ingest, then the 24 h chart, while the fleet ingests 10,000 readings/s (10 requests/s
      // of 1,000): the chart's read scans the rollups' queue, which holds 1 to 2 --duration of
      // flushes by then (it waits ROLLUP_FOLD_DELAY_MS, 60 s, or until full).
      const whileIngesting: Array<[string, () => string]> = [
        ['GET /stats/ingest, 24 h per minute (1,440 buckets) while ingesting 10,000 readings/s; target p99 < 50 ms', stats],
        ['GET /readings/aggregate, 24 h of 1 reading/s while ingesting 10,000 readings/s; target p99 < 20 ms', day]
      ]
      const ingesting = ingest(api.url, { durationS: 2 * durationS + 4, connections: 4, overallRate: 10, sensorBase: 1_000_000 })
      for (const [scenario, path] of whileIngesting) {
        await measure(api.url, scenario, path, 2, CONNECTIONS)
        const latency = await measure(api.url, scenario, path, durationS, CONNECTIONS)
        latencies.push(latency)
        opts.log(`aggregate bench: ${scenario}: p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms, ${latency.requests} requests, ${latency.failures} failures (${CONNECTIONS} connections, ${durationS} s)`)
      }
      const ingested = await ingesting
      opts.log(`aggregate bench: ingest meanwhile ${Math.round(ingested.readingsPerS)} readings/s, ${ingested.failures} failures`)

      if (rounds > 0) {
        // Side A: the rollup trigger disabled (a bench-only switch: rollups then miss what is folded); B: as deployed.
        let sensorBase = 2_000_000
        // Each side pays for all it queued: the rollups' queue waits ROLLUP_FOLD_DELAY_MS (60 s, or until full)
        // before a fold takes it, so a run ends with seconds of it left, which the next run would
        // otherwise fold (on the other side's time, at every B-to-A switch).
        const run = async () => {
          sensorBase += FLEET
          await checkpoint(pool)
          const ran = await ingest(api.url, { durationS, connections: 8, sensorBase })
          const settleS = await settle(pool)
          return ran.readings / (ran.durationS + settleS)
        }
        await run() // warm-up
        const rollups = (side: 'A' | 'B') => pool.query(`ALTER TABLE sensor_summary_deltas ${side === 'B' ? 'ENABLE' : 'DISABLE'} TRIGGER sensor_summary_deltas_rolled_up`)
        rollupCost = await abba(rounds, async (side) => {
          await rollups(side)
          return run()
        })
        await rollups('B')
        opts.log(`aggregate bench: ingest throughput with rollups (B) against without (A), 1,000-reading batches over ${FLEET.toLocaleString('en')} sensors, 8 connections, ${durationS} s each plus folding what it left: ${formatChange(rollupCost)}`)
      }
    } finally {
      await api.stop()
    }
  } finally {
    await pool.end()
  }
  return { latencies, rollupCost }
}
