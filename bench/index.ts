import { parseArgs } from 'node:util'
import { startApiProcess } from './api-process.js'
import { benchDatabase } from './database.js'
import { copyCeiling, runIngestBench } from './ingest.js'

// npm run bench [-- --duration 10]: ingest throughput and latency against DATABASE_URL's server
// (a scratch database on it) or the embedded PGlite, with the COPY ceiling measured in the same run.
const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' } } })
const durationS = Number(values.duration)
if (!Number.isFinite(durationS) || durationS <= 0) throw new Error('--duration must be a positive number of seconds')

const db = await benchDatabase()
const api = await startApiProcess({ DATABASE_URL: db.url })
try {
  console.log(`database: ${db.kind}; ${durationS} s per scenario`)
  const results = await runIngestBench(api.origin, durationS)
  const rows = Math.max(100_000, Math.round(results[1]!.readingsPerS * durationS))
  const ceiling = await copyCeiling(db.url, rows)
  console.log(`ceiling: COPY of ${rows} rows into a scratch copy of the table: ${Math.round(ceiling)} rows/s`)
  for (const r of results) {
    console.log(`${r.name}: ${Math.round(r.readingsPerS)} readings/s (${Math.round(r.requestsPerS)} req/s), ` +
      `p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${(r.readingsPerS / ceiling * 100).toFixed(1)}% of COPY, ` +
      `non-2xx ${r.non2xx}, errors ${r.errors}`)
  }
} finally {
  await api.stop()
  await db.drop()
}
