import { createHistogram, type RecordableHistogram } from 'node:perf_hooks'
import pg from 'pg'
import type { Reading } from '../src/ingest/reading.js'
import { StatementNames } from '../src/db/pglite.js'
import { ReadingsRepository, readingColumns, UNNEST_READINGS } from '../src/ingest/repository.js'
import { SummaryFolder } from '../src/summary/folder.js'

export interface SummaryCost {
  readings: number
  pairs: number
  /** Median milliseconds of the writer's flush statement (readings + summary delta), committed. */
  withSummaryMs: number
  /** Median milliseconds of the same readings in a plain INSERT, committed. */
  withoutSummaryMs: number
  /** Milliseconds of one fold of the deltas of all `runs` measured flushes into the summary. */
  foldMs: number
  runs: number
}

// The same columns the writer sends, into readings alone: what a flush would cost with no summary.
const PLAIN_INSERT_SQL = `INSERT INTO readings (sensor_id, ts, variable, value, unit) SELECT * FROM ${UNNEST_READINGS}`

/** Runs `write` and records how long it took, in microseconds (as the load test does). */
async function timed (histogram: RecordableHistogram, write: () => Promise<unknown>): Promise<void> {
  const started = performance.now()
  await write()
  histogram.record(Math.max(1, Math.round((performance.now() - started) * 1000)))
}

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
 * flush new readings of the same `pairs` sensors (whose summary rows exist after the first); then
 * one fold of the `runs` deltas those flushes appended.
 */
export async function measureSummaryCost (databaseUrl: string, opts: { pairs: number, perPair: number, runs: number }): Promise<SummaryCost> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 })
  const repository = new ReadingsRepository(pool)
  const folder = new SummaryFolder(pool)
  const sensorBase = 1_900_000_000 + Math.floor(Math.random() * 100_000) * 1000
  let epochMs = Date.UTC(2025, 0, 1)
  const withSummary = createHistogram()
  const withoutSummary = createHistogram()
  let foldMs = 0
  try {
    // Named like the writer's statement, so both are planned once (unnamed on PGlite, as there).
    const plainName = await new StatementNames().of('plain-insert', pool)
    // Unmeasured: creates the summary rows and the prepared statements.
    await repository.insertAll(flushOf(sensorBase, opts.pairs, opts.perPair, epochMs++))
    await pool.query({ name: plainName, text: PLAIN_INSERT_SQL, values: readingColumns(flushOf(sensorBase, opts.pairs, opts.perPair, epochMs++)) })
    await folder.drain()
    for (let run = 0; run < opts.runs; run++) {
      const a = flushOf(sensorBase, opts.pairs, opts.perPair, epochMs++)
      await timed(withSummary, async () => {
        if (!await repository.insertAll(a)) throw new Error('summary cost: a fresh flush met stored keys')
      })
      const b = flushOf(sensorBase, opts.pairs, opts.perPair, epochMs++)
      await timed(withoutSummary, () => pool.query({ name: plainName, text: PLAIN_INSERT_SQL, values: readingColumns(b) }))
    }
    const foldStarted = performance.now()
    const folded = await folder.drain()
    foldMs = performance.now() - foldStarted
    if (folded !== opts.runs) throw new Error(`summary cost: folded ${folded} deltas, expected ${opts.runs}`)
  } finally {
    await pool.end()
  }
  return {
    readings: opts.pairs * opts.perPair,
    pairs: opts.pairs,
    withSummaryMs: withSummary.percentile(50) / 1000,
    withoutSummaryMs: withoutSummary.percentile(50) / 1000,
    foldMs,
    runs: opts.runs
  }
}
