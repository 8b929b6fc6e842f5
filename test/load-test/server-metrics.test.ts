import { createServer } from 'node:http'
import t from 'tap'
import { ServerSampler, summariseServer, type ServerSample } from '../../load-test/server-metrics.js'
import { listeningApp, unreachableUrl } from './helpers.js'

t.test('the API\'s own /metrics has every figure the load test follows', async (t) => {
  const { url } = await listeningApp(t, { config: { instanceId: 'api-7' } })
  const sampler = new ServerSampler([url], 5000)
  const origin = performance.now()
  await sampler.sample()
  const [sample] = sampler.samples(origin)
  t.match(sample, { target: url, ok: true, instance: 'api-7', writeQueueDepth: 0 })
  if (sample?.ok !== true) throw new Error('no sample')
  t.ok(sample.rssBytes! > 10 * 1024 * 1024, `rss ${sample.rssBytes}`)
  t.ok(sample.heapUsedBytes! > 0)
  t.type(sample.eventLoopLagMaxMs, 'number')
  t.type(sample.eventLoopLagP99Ms, 'number')
  t.ok(sample.atS >= 0)
})

t.test('a target with no /metrics, or none at all, gives unanswered samples saying why', async (t) => {
  const noMetrics = createServer((_req, res) => res.writeHead(404).end())
  await new Promise<void>((resolve) => noMetrics.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => noMetrics.close(resolve)))
  const missing = `http://127.0.0.1:${(noMetrics.address() as { port: number }).port}`
  const gone = await unreachableUrl()

  const sampler = new ServerSampler([missing, gone], 5000)
  await sampler.sample()
  const samples = sampler.samples(performance.now())
  t.match(samples.find((s) => s.target === missing), { ok: false, error: 'GET /metrics answered 404' })
  t.match(samples.find((s) => s.target === gone), { ok: false, error: 'GET /metrics: ECONNREFUSED' })
  t.equal(samples.length, 2)
})

t.test('a target that does not answer is read once at a time, and given up after the timeout', async (t) => {
  let scrapes = 0
  const frozen = createServer(() => { scrapes++ })
  await new Promise<void>((resolve) => frozen.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => { frozen.closeAllConnections(); frozen.close(resolve) }))
  const url = `http://127.0.0.1:${(frozen.address() as { port: number }).port}`

  const sampler = new ServerSampler([url], 200)
  await Promise.all([sampler.sample(), sampler.sample(), sampler.sample()])
  t.equal(scrapes, 1)
  t.match(sampler.samples(performance.now()), [{ target: url, ok: false, error: 'GET /metrics: no answer in 0.2 s' }])
})

t.test('samples are summarised per target and instance: memory at start, peak and end', async (t) => {
  const mb = 1024 * 1024
  const at = (atS: number, instance: string, rss: number): ServerSample =>
    ({ target: 'http://lb', atS, ok: true, instance, rssBytes: rss * mb, eventLoopLagMaxMs: atS, writeQueueDepth: rss })
  t.same(summariseServer([at(0, 'a', 50), at(1, 'b', 60), at(2, 'a', 70), at(3, 'a', 55), at(4, 'b', 61)]), [
    { target: 'http://lb', instance: 'a', samples: 3, unanswered: 0, memory: { startBytes: 50 * mb, peakBytes: 70 * mb, endBytes: 55 * mb }, eventLoopLagMaxMs: 3, writeQueueMax: 70 },
    { target: 'http://lb', instance: 'b', samples: 2, unanswered: 0, memory: { startBytes: 60 * mb, peakBytes: 61 * mb, endBytes: 61 * mb }, eventLoopLagMaxMs: 4, writeQueueMax: 61 }
  ])
})
