import autocannon from 'autocannon'
import pg from 'pg'
import type { BenchDatabase } from './database.js'
import { isoUtcFromParts } from '../src/ingest/timestamp.js'

export interface IngestResult {
  name: string
  readingsPerS: number
  requestsPerS: number
  p50Ms: number
  p99Ms: number
  non2xx: number
  errors: number
}

/**
 * Unique readings: each run and each call gets its own sensor ids and microsecond timestamps.
 * Cheap to make (a timestamp serves 1,000 readings), so the load generator, which shares the
 * machine, leaves the CPU to the API and the database.
 */
function readingFactory (sensorBase: number) {
  let n = 0
  let tsMicros = -1
  let prefix: string[] = []
  const t0 = Date.UTC(2024, 0, 1)
  const values = Array.from({ length: 100 }, (_, i) => (20 + i / 10).toFixed(1))
  return () => {
    const i = n++
    const us = Math.floor(i / 1000)
    if (us !== tsMicros) {
      tsMicros = us
      const ts = isoUtcFromParts(t0 + Math.floor(us / 1000), us % 1000)
      prefix = Array.from({ length: 1000 }, (_, s) => `{"sensor_id":${sensorBase + s},"timestamp":"${ts}","variable":"temperature","value":`)
    }
    return `${prefix[i % 1000]}${values[i % 100]},"unit":"C"}`
  }
}

export async function drive (name: string, origin: string, opts: { connections: number, durationS: number, batch: number, sensorBase: number, headers?: Record<string, string> }): Promise<IngestResult> {
  const next = readingFactory(opts.sensorBase)
  const body = opts.batch === 1
    ? () => next()
    : () => `[${Array.from({ length: opts.batch }, next).join(',')}]`
  const result = await autocannon({
    url: `${origin}/readings`,
    connections: opts.connections,
    duration: opts.durationS,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...opts.headers },
    requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }]
  })
  return {
    name,
    readingsPerS: (result.requests.total - result.non2xx) * opts.batch / result.duration,
    requestsPerS: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts
  }
}

/** (a) one reading per POST at 50 connections; (b) 1,000-reading batches. */
export async function runIngestBench (origin: string, durationS: number): Promise<IngestResult[]> {
  const base = 1_000_000 + Math.floor(Math.random() * 1_000_000) * 1000
  await drive('warm-up', origin, { connections: 10, durationS: 2, batch: 10, sensorBase: base - 1000 })
  const single = await drive('(a) 1 reading per POST, 50 connections', origin, { connections: 50, durationS, batch: 1, sensorBase: base })
  const batched = await drive('(b) 1,000-reading batches, 8 connections', origin, { connections: 8, durationS, batch: 1000, sensorBase: base + 1000 })
  return [single, batched]
}

/**
 * The ceiling on this machine: COPY of `rows` readings into a scratch copy of the table (same
 * columns, same primary key), in one stream, timed from the first byte to the commit.
 */
export async function copyCeiling (db: BenchDatabase, rows: number): Promise<number> {
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  try {
    await client.query('DROP TABLE IF EXISTS readings_copy_bench; CREATE TABLE readings_copy_bench (LIKE readings INCLUDING ALL)')
    const t0 = Date.UTC(2024, 0, 1)
    async function * lines () {
      for (let i = 0; i < rows; i += 10_000) {
        let chunk = ''
        for (let j = i; j < Math.min(rows, i + 10_000); j++) {
          chunk += `${j % 1000}\t${new Date(t0 + j).toISOString()}\ttemperature\t${20 + (j % 100) / 10}\tC\n`
        }
        yield chunk
      }
    }
    const started = performance.now()
    await db.copyIn('readings_copy_bench', 'sensor_id, ts, variable, value, unit', lines())
    const seconds = (performance.now() - started) / 1000
    await client.query('DROP TABLE readings_copy_bench')
    return rows / seconds
  } finally {
    await client.end()
  }
}
