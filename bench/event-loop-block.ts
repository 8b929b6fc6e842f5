import { monitorEventLoopDelay } from 'node:perf_hooks'
import { gzipSync } from 'node:zlib'
import { request } from 'undici'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { benchDatabase } from './database.js'

// npx tsx bench/event-loop-block.ts: how long each hostile body (within BODY_LIMIT) holds the
// API's event loop, as the longest event-loop delay seen while it is answered (1 ms resolution;
// the API in this process, the bodies built beforehand). On a shared machine the OS adds its own
// delays: the idle line is the floor.
const MB = 1024 * 1024
const reading = (id: number) => `{"sensor_id":${id},"timestamp":"2024-05-01T00:00:00Z","variable":"temperature","value":21.5,"unit":"C"}`
const bodies: Array<[string, Buffer, Record<string, string>]> = [
  ['idle (GET /health)', Buffer.alloc(0), {}],
  ['one reading', Buffer.from(reading(1)), {}],
  ['10,000-reading batch', Buffer.from(`[${Array.from({ length: 10_000 }, (_, i) => reading(i)).join(',')}]`), {}],
  ['gzip: 9 MB of nested arrays', gzipSync('['.repeat(4.5 * MB) + ']'.repeat(4.5 * MB)), { 'content-encoding': 'gzip' }],
  ['gzip: 1 MB-deep nested objects', gzipSync('{"a":'.repeat(MB) + '1' + '}'.repeat(MB)), { 'content-encoding': 'gzip' }],
  ['gzip: flat array of 4 million numbers', gzipSync(`[${'1,'.repeat(4 * MB)}1]`), { 'content-encoding': 'gzip' }],
  ['gzip: object with 900,000 keys', gzipSync(`{${Array.from({ length: 900_000 }, (_, i) => `"k${i}":1`).join(',')}}`), { 'content-encoding': 'gzip' }],
  ['9 MB string value', Buffer.from(`{"sensor_id":1,"timestamp":"2024-05-01T00:00:00Z","variable":"${'v'.repeat(9 * MB)}","value":1,"unit":"C"}`), {}],
  ['9 MB of digits as the value', Buffer.from(`{"sensor_id":1,"timestamp":"2024-05-01T00:00:00Z","variable":"t","value":1${'0'.repeat(9 * MB)},"unit":"C"}`), {}]
]

const db = await benchDatabase()
const app = await buildApp({ ...loadConfig({}), databaseUrl: db.url, logLevel: 'silent' }, { logger: false })
try {
  const origin = await app.listen({ port: 0, host: '127.0.0.1' })
  console.log(`event-loop block per request (longest delay while it is answered, of 5 runs each; database: ${db.kind})`)
  for (const [name, body, headers] of bodies) {
    const maxima: number[] = []
    let status = 0
    for (let run = 0; run < 5; run++) {
      const histogram = monitorEventLoopDelay({ resolution: 1 })
      histogram.enable()
      const res = body.length === 0
        ? await request(`${origin}/health`)
        : await request(`${origin}/readings`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } })
      await res.body.dump()
      status = res.statusCode
      histogram.disable()
      maxima.push(histogram.max / 1e6)
      await app.pg.query('TRUNCATE readings')
    }
    const sorted = [...maxima].sort((a, b) => a - b)
    // In order too: the first run of a kind pays for compiling its code paths.
    console.log(`${name}: ${status}, median ${sorted[2]!.toFixed(1)} ms, worst ${sorted[4]!.toFixed(1)} ms (runs in order: ${maxima.map((m) => m.toFixed(0)).join(', ')} ms)`)
  }
} finally {
  await app.close()
  await db.drop()
}
