import t from 'tap'
import { loadTest } from '../../load-test/load-test.js'
import { fetchStoredCounts } from '../../load-test/verify.js'
import { freshDatabase } from '../helpers/database.js'
import { startTcpProxy, throughProxy, type TcpProxy } from '../helpers/tcp-proxy.js'
import { listeningApp, options, storedRows } from './helpers.js'

/** The API on a fresh database reached through a proxy the test can cut. */
async function apiBehindProxy (t: { teardown(fn: () => unknown): void }, onAnswer: (status: number, proxy: TcpProxy, method: string) => void) {
  const db = await freshDatabase(t)
  const target = new URL(db.url)
  const proxy = await startTcpProxy(target.hostname, Number(target.port))
  t.teardown(() => proxy.close())
  const api = await listeningApp(t, {
    databaseUrl: throughProxy(db.url, proxy),
    setup: (app) => app.addHook('onResponse', async (request, reply) => {
      onAnswer(reply.statusCode, proxy, request.method)
    })
  })
  return { ...api, proxy }
}

t.test('the database stops midway and stays down: the run fails and says why', async (t) => {
  let acknowledged = 0
  const { url } = await apiBehindProxy(t, (status, proxy, method) => {
    if (method === 'POST' && status < 300 && ++acknowledged === 100) proxy.cut()
  })

  const summary = await loadTest(options(url, '--readings', '300', '--duration', '3s'))

  t.equal(summary.passed, false)
  t.ok(summary.readings.acknowledgedNew >= 100 && summary.readings.acknowledgedNew < 300, `acknowledged ${summary.readings.acknowledgedNew}`)
  t.ok((summary.non2xx.byStatus['503'] ?? 0) > 0)
  t.match(summary.reasons, [
    /^unexpected answers: \d+ × 503 \(503 Retry-After: 2 s\)$/,
    /^verification impossible: GET \/sensors\/\d+ answered 503: The database is unavailable/
  ])
})

t.test('the database comes back before the end: nothing acknowledged is lost, the 503s still fail the run', async (t) => {
  let acknowledged = 0
  let refused = 0
  const { app, url } = await apiBehindProxy(t, (status, proxy, method) => {
    if (method !== 'POST') return
    if (status < 300 && ++acknowledged === 100) proxy.cut()
    if (status === 503 && ++refused === 30) proxy.restore()
  })

  const summary = await loadTest(options(url, '--readings', '300', '--duration', '3s'))

  t.equal(summary.passed, false)
  t.match(summary.reasons, [/^unexpected answers: \d+ × 503/])
  t.equal(summary.reasons.length, 1, summary.reasons.join('; '))
  const v = summary.verification
  if ('error' in v) throw new Error(v.error)
  t.match(v, { lost: 0, duplicated: 0, holds: true })
  t.ok(v.unacknowledged >= 30, `unacknowledged ${v.unacknowledged}`)
  t.equal(v.acknowledged + v.unacknowledged, 300)
  t.equal(await storedRows(app, summary.sensors.firstId, summary.sensors.lastId), v.acknowledged + v.unacknowledgedStored)
})

t.test('verification waits out a brief outage of the read side (503 + Retry-After) instead of failing', async (t) => {
  let refused = 0
  const { url, proxy } = await apiBehindProxy(t, (status, proxy, method) => {
    if (method === 'GET' && status === 503 && ++refused === 1) proxy.restore()
  })
  proxy.cut()
  t.same(await fetchStoredCounts([1, 2, 3], { url }), [0, 0, 0])
  t.ok(refused >= 1, 'the first answer was a 503')
})
