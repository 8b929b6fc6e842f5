import { parseArgs } from 'node:util'
import { startApiProcess } from './api-process.js'
import { measureAuthCost } from './auth-cost.js'
import { benchDatabase } from './database.js'
import { runDashboardBench } from './dashboard.js'
import { runAggregateBench, runFoldDelayBench } from './aggregate.js'
import { runFleetBench } from './fleet.js'
import { copyCeiling, runIngestBench } from './ingest.js'
import { runPartitionBench } from './partitions.js'
import { runReadBench } from './read.js'
import { runBacklogBench } from './summary-backlog.js'
import { measureSummaryCost } from './summary-cost.js'
import { runValidationBench } from './validation.js'

// npm run bench [-- --duration 10 --readings 1000000 --skip-reads --skip-dashboard --backlog-only --pending 10000000 --aggregate-only --aggregate-sensors 10 --aggregate-rounds 2 --fold-delay-only --auth-only --fleet-only --rounds 3 --validation-only]: ingest throughput and latency,
// what the summary adds to a flush, then read latency over a seeded fleet, against a scratch
// database on DATABASE_URL's server (or an in-memory embedded PGlite), with the COPY ceiling
// measured in the same run.
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    readings: { type: 'string', default: '1000000' },
    'skip-reads': { type: 'boolean', default: false },
    'skip-dashboard': { type: 'boolean', default: false },
    // --backlog-only: only the reads over a backlog of --pending readings in summary deltas.
    'backlog-only': { type: 'boolean', default: false },
    pending: { type: 'string', default: '10000000' },
    // --partitions-only: only partitioned ingest against the unpartitioned baseline (ABBA) and the partition-count read cost.
    'partitions-only': { type: 'boolean', default: false },
    // --aggregate-only: only the aggregated reads, /stats/ingest while ingesting, and the rollups' cost (ABBA).
    'aggregate-only': { type: 'boolean', default: false },
    'aggregate-sensors': { type: 'string', default: '10' },
    'aggregate-rounds': { type: 'string', default: '2' },
    // --fold-delay-only: only the rollup folds' time per reading at 5 s against the default ROLLUP_FOLD_DELAY_MS (ABBA, --rounds, 120 s a side).
    'fold-delay-only': { type: 'boolean', default: false },
    // --rounds: ABBA rounds of the per-sensor token, fleet evaluation and partitioned ingest costs (more rounds, a tighter interval).
    rounds: { type: 'string', default: '3' },
    // --auth-only: only the ABBA cost of per-sensor tokens on the single-reading path.
    'auth-only': { type: 'boolean', default: false },
    // --fleet-only: only the watchdog's fleet evaluation (its time, and its effect on ingest).
    'fleet-only': { type: 'boolean', default: false },
    // --validation-only: zod against ajv on ingest bodies, in-process (bench/validation.ts).
    'validation-only': { type: 'boolean', default: false }
  }
})
const durationS = Number(values.duration)
const readings = Number(values.readings)
if (!Number.isFinite(durationS) || durationS <= 0) throw new Error('--duration must be a positive number of seconds')
if (!Number.isInteger(readings) || readings < 20_000) throw new Error('--readings must be a whole number of at least 20000')
const rounds = Number(values.rounds)
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a whole number of at least 1')

if (values['validation-only']) {
  await runValidationBench({ log: console.log })
  process.exit(0)
}
const db = await benchDatabase()
try {
  console.log(`database: ${db.kind}; ${durationS} s per scenario`)
  const aggregate = () => runAggregateBench({ databaseUrl: db.url, log: console.log, sensors: Number(values['aggregate-sensors']), rounds: Number(values['aggregate-rounds']), durationS })
  if (values['partitions-only']) {
    await runPartitionBench({ databaseUrl: db.url, log: console.log, durationS, rounds })
  } else if (values['aggregate-only']) {
    await aggregate()
  } else if (values['fold-delay-only']) {
    await runFoldDelayBench({ databaseUrl: db.url, log: console.log, rounds })
  } else if (values['auth-only']) {
    await measureAuthCost({ databaseUrl: db.url, log: console.log, durationS: Math.min(durationS, 5), rounds, devices: 1000 })
  } else if (values['fleet-only']) {
    await runFleetBench({ databaseUrl: db.url, log: console.log, durationS: Math.min(durationS, 5), rounds })
  } else if (values['backlog-only']) {
    await runBacklogBench({ databaseUrl: db.url, log: console.log, pendingReadings: Number(values.pending), durationS })
  } else {
    const api = await startApiProcess(db.url)
    const results = await runIngestBench(api.url, durationS).finally(() => api.stop())
    const rows = Math.max(100_000, Math.round(results[1]!.readingsPerS * durationS))
    const ceiling = await copyCeiling(db, rows)
    console.log(`ceiling: COPY of ${rows} rows into a scratch copy of the table: ${Math.round(ceiling)} rows/s`)
    for (const r of results) {
      console.log(`${r.name}: ${Math.round(r.readingsPerS)} readings/s (${Math.round(r.requestsPerS)} req/s), ` +
        `p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${(r.readingsPerS / ceiling * 100).toFixed(1)}% of COPY, ` +
        `non-2xx ${r.non2xx}, errors ${r.errors}`)
    }
    await measureAuthCost({ databaseUrl: db.url, log: console.log, durationS: Math.min(durationS, 5), rounds, devices: 1000 })
    // The summary's share of a flush, in PostgreSQL alone: (b)'s flushes hold about four 1,000-sensor
    // batches, (a)'s about two dozen single readings.
    for (const [pairs, perPair] of [[1000, 4], [25, 1]] as const) {
      const cost = await measureSummaryCost(db.url, { pairs, perPair, runs: 30 })
      const perFlushMs = cost.withSummaryMs - cost.withoutSummaryMs + cost.foldMs / cost.runs
      console.log(`summary upkeep: a flush of ${cost.readings} readings over ${cost.pairs} sensors takes ` +
        `${cost.withSummaryMs.toFixed(2)} ms with its summary delta, ${cost.withoutSummaryMs.toFixed(2)} ms as a plain INSERT ` +
        `(medians of ${cost.runs} alternating runs, committed); folding those ${cost.runs} deltas took ${cost.foldMs.toFixed(2)} ms: ` +
        `the summary adds ${perFlushMs.toFixed(2)} ms (${(perFlushMs / cost.withoutSummaryMs * 100).toFixed(0)}%) per flush`)
    }
    await runPartitionBench({ databaseUrl: db.url, log: console.log, durationS, rounds })
    if (!values['skip-reads']) {
      await runReadBench({ databaseUrl: db.url, log: console.log, readings, sensors: 10_000, durationS })
      await runBacklogBench({ databaseUrl: db.url, log: console.log, pendingReadings: Number(values.pending), durationS })
      await aggregate()
      await runFoldDelayBench({ databaseUrl: db.url, log: console.log, rounds: 1 })
    }
    await runFleetBench({ databaseUrl: db.url, log: console.log, durationS: Math.min(durationS, 5), rounds })
    // The live feed's cost on ingest (ABBA) and page speed over 10 million readings (npm run bench:dashboard alone).
    if (!values['skip-dashboard']) await runDashboardBench({ databaseUrl: db.url, log: console.log, durationS: Math.min(durationS, 5) })
  }
} finally {
  await db.drop()
}
