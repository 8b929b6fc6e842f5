import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { build } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'
import { startTcpProxy, throughProxy } from '../helpers/tcp-proxy.js'
import { startHarness } from './helpers/harness.js'
import { SwitchableTarget } from './helpers/switchable-target.js'

// One database for the file: each fresh one costs seconds on the embedded fallback.
const db = await freshDatabase(t)

/**
 * The real thing: three API replicas (buildApp, listening) and the watchdog's own check all
 * reach PostgreSQL through one TCP proxy; cutting it is a database outage.
 */
async function deployment (t: Test) {
  const proxy = await startTcpProxy(new URL(db.url).hostname, Number(new URL(db.url).port))
  t.teardown(() => proxy.close())
  const databaseUrl = throughProxy(db.url, proxy)
  const replicaUrls: string[] = []
  for (const id of ['a', 'b', 'c']) {
    const app = await build(t, { databaseUrl, instanceId: id, dbConnectTimeoutMs: 500 })
    await app.listen({ port: 0, host: '127.0.0.1' })
    replicaUrls.push(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/ready`)
  }
  const h = await startHarness(t, {
    discord: { coalesce_window: '5s' },
    targets: [
      { name: 'postgres', type: 'postgres', url: databaseUrl, timeout: '2s' },
      ...replicaUrls.map((url, i) => ({ name: `api-${i + 1}`, type: 'http', url, service: 'api', depends_on: ['postgres'], timeout: '2s' }))
    ]
  })
  return { proxy, h }
}

t.test('a PostgreSQL outage gives one root-cause message naming the database and listing the replicas', async (t) => {
  const { proxy, h } = await deployment(t)
  await h.round()
  proxy.cut()
  await h.rounds(4)
  await h.deliver()
  const embeds = h.discord.incidentEmbeds
  t.equal(embeds.length, 1, 'one message, no alarm per replica')
  const down = embeds[0]
  t.equal(down.title, '🔴 DOWN: postgres (root cause: 3 targets affected)')
  t.match(down.description, 'these targets fail only because **postgres** is down')
  for (const replica of ['api-1', 'api-2', 'api-3']) t.match(down.description, `**${replica}**`)
  t.match(down.description, 'HTTP 503: postgres:connection')
  t.notMatch(JSON.stringify(down), /DEGRADED|DOWN: api/)

  proxy.restore()
  await h.rounds(3)
  await h.deliver()
  const titles = h.discord.incidentEmbeds.map((e: any) => e.title)
  t.equal(titles.length, 2)
  t.match(titles[1], /^🟢 RESOLVED: postgres after \d+s \(root cause: 3 targets affected\)$/)
})

/** Three rounds watching the database and one replica that depends on it, deliveries flushed. */
async function watchReplicaOnLivePostgres (t: Parameters<typeof startHarness>[0], replicaUrl: string) {
  const h = await startHarness(t, {
    targets: [
      { name: 'postgres', type: 'postgres', url: db.url, timeout: '2s' },
      { name: 'api-1', type: 'http', url: replicaUrl, depends_on: ['postgres'], timeout: '2s' }
    ]
  })
  await h.rounds(3)
  await h.deliver()
  return h
}

t.test('a replica failing on its own while the database is up still gets its alarm', async (t) => {
  const replica = await SwitchableTarget.start(t, 'fail')
  const h = await watchReplicaOnLivePostgres(t, replica.url)
  t.same(h.discord.incidentEmbeds.map((e: any) => e.title), ['🔴 DOWN: api-1'])
})

t.test('a replica blaming its database while the watchdog reaches it is alarmed as itself', async (t) => {
  const replica = await SwitchableTarget.start(t, 'dbfail')
  replica.failureText = 'password authentication failed for user "api"'
  const h = await watchReplicaOnLivePostgres(t, replica.url)
  t.same(h.discord.incidentEmbeds.map((e: any) => e.title), ['🔴 DOWN: api-1'])
  t.match(h.discord.incidentEmbeds[0].fields[0].value, 'password authentication failed')
})
