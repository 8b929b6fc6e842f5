import t from 'tap'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { subscribe, summaryFold, writerFlush, type FlushMessage, type FoldMessage } from '../../src/diagnostics.js'
import { build } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'

// The writer and the folder publish on diagnostics channels: a test (or an APM agent) listening
// too takes nothing away from the metrics plugin, which once lost its single callback slot to
// whoever assigned it last.

type App = Awaited<ReturnType<typeof build>>

const { url: databaseUrl } = await freshDatabase(t)

const reading = (sensorId: number) =>
  ({ sensor_id: sensorId, timestamp: '2024-05-01T12:00:00Z', variable: 'temperature', value: 20, unit: 'C' })

async function metric (app: App, name: string): Promise<number> {
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  const family = parsePrometheusTextFormat(res.body).find((f) => f.name === name)
  const sample = family?.metrics[0] as { value?: string, count?: string } | undefined
  return Number(sample?.value ?? sample?.count ?? NaN)
}

t.test('a flush reaches every subscriber: the metrics plugin and two more', async (t) => {
  const app = await build(t, { databaseUrl, summaryFoldIntervalMs: 0 })
  const first: FlushMessage[] = []
  const second: FlushMessage[] = []
  t.teardown(subscribe(writerFlush, app.writer, (m) => first.push(m)))
  t.teardown(subscribe(writerFlush, app.writer, (m) => second.push(m)))

  const res = await app.inject({ method: 'POST', url: '/readings', payload: [reading(1), reading(2), reading(3)] })
  t.equal(res.statusCode, 201)
  t.same(first.map((m) => [m.rows, m.inserted]), [[3, 3]])
  t.same(second.map((m) => [m.rows, m.inserted]), [[3, 3]])
  t.equal(await metric(app, 'iot_flush_rows'), 1, 'the metrics plugin counted the flush too')
})

t.test('a fold reaches every subscriber: the metrics plugin and two more', async (t) => {
  const app = await build(t, { databaseUrl, summaryFoldIntervalMs: 0 })
  await app.summary.drain() // what earlier tests left pending on this database
  const before = await metric(app, 'iot_summary_readings_folded_total')
  const first: FoldMessage[] = []
  const second: FoldMessage[] = []
  t.teardown(subscribe(summaryFold, app.summary, (m) => first.push(m)))
  t.teardown(subscribe(summaryFold, app.summary, (m) => second.push(m)))

  await app.inject({ method: 'POST', url: '/readings', payload: [reading(11), reading(12)] })
  await app.summary.foldChunk()
  t.same(first.map((m) => m.readings), [2])
  t.same(second.map((m) => m.readings), [2])
  t.equal(await metric(app, 'iot_summary_readings_folded_total') - before, 2, 'the metrics plugin counted the fold too')
})

t.test('a subscriber hears its own app only, though the channel is process-wide', async (t) => {
  const mine = await build(t, { databaseUrl, summaryFoldIntervalMs: 0 })
  const other = await build(t, { databaseUrl, summaryFoldIntervalMs: 0 })
  const heard: FlushMessage[] = []
  t.teardown(subscribe(writerFlush, mine.writer, (m) => heard.push(m)))
  await other.inject({ method: 'POST', url: '/readings', payload: reading(21) })
  t.equal(heard.length, 0, 'the other app\'s flush is not mine')
  await mine.inject({ method: 'POST', url: '/readings', payload: reading(22) })
  t.equal(heard.length, 1)
})

t.test('an unsubscribed listener hears nothing more', async (t) => {
  const app = await build(t, { databaseUrl, summaryFoldIntervalMs: 0 })
  const heard: FlushMessage[] = []
  const off = subscribe(writerFlush, app.writer, (m) => heard.push(m))
  await app.inject({ method: 'POST', url: '/readings', payload: reading(31) })
  off()
  await app.inject({ method: 'POST', url: '/readings', payload: reading(32) })
  t.equal(heard.length, 1)
  t.equal(await metric(app, 'iot_flush_rows'), 2, 'the metrics plugin still hears both')
})
