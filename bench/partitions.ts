import pg from 'pg'
import { loadConfig } from '../src/config.js'
import type { Reading } from '../src/ingest/reading.js'
import { ReadingsRepository } from '../src/ingest/repository.js'
import { PartitionMaintainer } from '../src/partitions/maintainer.js'
import { abba, checkpoint, formatChange, type AbbaResult } from './abba.js'

export interface PartitionBenchOptions {
  databaseUrl: string
  log: (line: string) => void
  /** Seconds per ABBA measurement. */
  durationS: number
  rounds: number
}

// The unpartitioned baseline: readings as it was before partitioning, in a schema of its own
// that the baseline's connections put first on their search_path, so the writer's very
// statement (which names `readings`) writes there; the summary deltas both sides append go to
// the same public table.
const BASELINE_SCHEMA = 'bench_unpartitioned'

/** A flush as the writer hands it over: one reading of each of `sensors` sensors, in key order. */
function flushOf (sensors: number, epochMs: number): Reading[] {
  return Array.from({ length: sensors }, (_, s) => ({ sensorId: s + 1, epochMs, microsInMs: 0, variable: 'temperature', value: s, unit: 'C' }))
}

/**
 * Ingest into the partitioned `readings` (B) against the unpartitioned baseline (A): the writer's
 * flush statement (ReadingsRepository.insertAll, 1,000 readings of 1,000 sensors, committed) on
 * two connections for `durationS` per side, in ABBA rounds; readings per second.
 */
export async function measurePartitionedIngest (opts: PartitionBenchOptions): Promise<AbbaResult> {
  const admin = new pg.Client({ connectionString: opts.databaseUrl })
  await admin.connect()
  await admin.query(`CREATE SCHEMA ${BASELINE_SCHEMA}`)
  await admin.query(`CREATE TABLE ${BASELINE_SCHEMA}.readings (LIKE public.readings INCLUDING DEFAULTS, PRIMARY KEY (sensor_id, ts, variable))`)
  const partitioned = new pg.Pool({ connectionString: opts.databaseUrl, max: 2 })
  const baseline = new pg.Pool({ connectionString: opts.databaseUrl, max: 2, options: `-c search_path=${BASELINE_SCHEMA},public` })
  try {
    // Every reading of the run falls in partitions made ahead, as in service, of the default width.
    const start = Date.now()
    await new PartitionMaintainer(partitioned, { intervalS: loadConfig({}).partitionIntervalS, maxFutureSkewS: 86_400 }).createAhead(new Date(start))
    const repositories = { A: new ReadingsRepository(baseline), B: new ReadingsRepository(partitioned) }
    let epochMs = start
    const measure = async (side: 'A' | 'B') => {
      const repository = repositories[side]
      await checkpoint(partitioned)
      const until = performance.now() + opts.durationS * 1000
      let stored = 0
      const began = performance.now()
      await Promise.all([0, 1].map(async () => {
        while (performance.now() < until) {
          const flush = flushOf(1000, epochMs++)
          if (!await repository.insertAll(flush)) throw new Error('a bench flush met a stored key')
          stored += flush.length
        }
      }))
      return stored / ((performance.now() - began) / 1000)
    }
    await measure('A'); await measure('B') // unmeasured: prepares the statements on every connection
    const result = await abba(opts.rounds, measure)
    opts.log(`partitioned ingest (the writer's flush of 1,000 readings, 2 connections, ${opts.durationS} s each, A unpartitioned, B partitioned by the default PARTITION_INTERVAL): ` +
      `B/A ${formatChange(result)}`)
    return result
  } finally {
    await Promise.all([partitioned.end(), baseline.end()])
    await admin.query(`DROP SCHEMA ${BASELINE_SCHEMA} CASCADE`)
    await admin.end()
  }
}

/**
 * What the number of partitions costs the reads that cannot be pruned by time: the newest
 * readings of one sensor (GET /readings without from/to) over 30 days kept as 5 weekly, 30 daily
 * or 120 six-hour partitions, and a year as 365 daily ones; planning plus execution, median of `runs`.
 */
export async function measurePartitionCount (opts: { databaseUrl: string, log: (line: string) => void, runs: number }): Promise<void> {
  const client = new pg.Client({ connectionString: opts.databaseUrl })
  await client.connect()
  try {
    for (const [label, count, hours] of [['7d', 5, 168], ['1d', 30, 24], ['6h', 120, 6], ['1d, a year kept', 365, 24]] as const) {
      await client.query('CREATE TABLE bench_parts (LIKE public.readings INCLUDING DEFAULTS, PRIMARY KEY (sensor_id, ts, variable)) PARTITION BY RANGE (ts)')
      try {
        for (let i = 0; i < count; i++) {
          await client.query(`CREATE TABLE bench_parts_${i} PARTITION OF bench_parts FOR VALUES FROM ('2025-01-01Z'::timestamptz + ${i * hours} * interval '1 hour') TO ('2025-01-01Z'::timestamptz + ${(i + 1) * hours} * interval '1 hour')`)
        }
        // 100 sensors, one reading an hour for the whole range: the cost is per partition, not per row.
        await client.query(`INSERT INTO bench_parts (sensor_id, ts, variable, value, unit)
          SELECT s, '2025-01-01Z'::timestamptz + h * interval '1 hour', 'temperature', h, 'C'
          FROM generate_series(1, 100) s, generate_series(0, ${count * hours - 1}) h`)
        await client.query('ANALYZE bench_parts')
        const times: number[] = []
        for (let r = 0; r < opts.runs; r++) {
          const { rows } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM bench_parts WHERE sensor_id = ${1 + (r % 100)} ORDER BY ts DESC, variable DESC LIMIT 101`)
          const plan = rows[0]['QUERY PLAN'][0]
          times.push(plan['Planning Time'] + plan['Execution Time'])
        }
        times.sort((a, b) => a - b)
        opts.log(`partition width ${label}: ${count * hours / 24} days in ${count} partitions, newest 101 readings of a sensor: ${times[Math.floor(times.length / 2)]!.toFixed(2)} ms (median of ${opts.runs}, planning + execution)`)
      } finally {
        await client.query('DROP TABLE bench_parts')
      }
    }
  } finally {
    await client.end()
  }
}

/** The partitions scenario of npm run bench (alone with --partitions-only). */
export async function runPartitionBench (opts: { databaseUrl: string, log: (line: string) => void, durationS: number, rounds: number }): Promise<void> {
  await measurePartitionedIngest({ ...opts, durationS: Math.min(opts.durationS, 5) })
  await measurePartitionCount({ ...opts, runs: 21 })
}
