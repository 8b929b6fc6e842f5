import pg from 'pg'
import type { Reading } from '../src/ingest/reading.js'
import { isPglite } from '../src/db/pglite.js'
import { ReadingsRepository, readingColumns } from '../src/ingest/repository.js'

export interface SummaryCost {
  readings: number
  pairs: number
  /** Median milliseconds of the writer's flush statement (readings + summary upsert), committed. */
  withSummaryMs: number
  /** Median milliseconds of the same readings in a plain INSERT, committed. */
  withoutSummaryMs: number
}

// The same columns the writer sends, into readings alone: what a flush would cost with no summary.
const PLAIN_INSERT_SQL = `
INSERT INTO readings (sensor_id, ts, variable, value, unit)
SELECT * FROM unnest($1::int4[], $2::timestamptz[], $3::text[], $4::float8[], $5::text[])`

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!

/** A flush as the writer hands it over: unique keys in key order, `perPair` instants per sensor. */
function flushOf (sensorBase: number, pairs: number, perPair: number, epochMs: number): Reading[] {
  const readings: Reading[] = []
  for (let s = 0; s < pairs; s++) {
    for (let k = 0; k < perPair; k++) {
      readings.push({ sensorId: sensorBase + s, epochMs, microsInMs: k, variable: 'temperature', value: 20 + k / 10, unit: 'C' })
    }
  }
  return readings
}

/**
 * What keeping the summary costs PostgreSQL per flush: the writer's statement (ReadingsRepository.insertAll)
 * against a plain INSERT of the same readings, `runs` of each taking turns on one connection, every
 * flush new readings of the same `pairs` sensors (whose summary rows exist after the first).
 */
export async function measureSummaryCost (databaseUrl: string, opts: { pairs: number, perPair: number, runs: number }): Promise<SummaryCost> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 })
  const repository = new ReadingsRepository(pool)
  const sensorBase = 1_900_000_000 + Math.floor(Math.random() * 100_000) * 1000
  let epochMs = Date.UTC(2025, 0, 1)
  const withSummary: number[] = []
  const withoutSummary: number[] = []
  try {
    // Named like the writer's statement, so both are planned once (unnamed on PGlite, as there).
    const plainName = await isPglite(pool) ? undefined : 'plain-insert'
    // Unmeasured: creates the summary rows and the prepared statements.
    await repository.insertAll(flushOf(sensorBase, opts.pairs, opts.perPair, epochMs++))
    await pool.query({ name: plainName, text: PLAIN_INSERT_SQL, values: readingColumns(flushOf(sensorBase, opts.pairs, opts.perPair, epochMs++)) })
    for (let run = 0; run < opts.runs; run++) {
      const a = flushOf(sensorBase, opts.pairs, opts.perPair, epochMs++)
      let started = performance.now()
      if (!await repository.insertAll(a)) throw new Error('summary cost: a fresh flush met stored keys')
      withSummary.push(performance.now() - started)

      const b = flushOf(sensorBase, opts.pairs, opts.perPair, epochMs++)
      started = performance.now()
      await pool.query({ name: plainName, text: PLAIN_INSERT_SQL, values: readingColumns(b) })
      withoutSummary.push(performance.now() - started)
    }
  } finally {
    await pool.end()
  }
  return {
    readings: opts.pairs * opts.perPair,
    pairs: opts.pairs,
    withSummaryMs: median(withSummary),
    withoutSummaryMs: median(withoutSummary)
  }
}
