import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { startHealthServer } from '../../watchdog/health-server.js'
import { freshDatabase } from '../helpers/database.js'
import { FakeClock } from './helpers/fake-clock.js'
import type { Harness } from './helpers/harness.js'
import { fleetEmbeds, range, startFleetApi, startFleetWatchdog, titles } from './helpers/fleet.js'

const MINUTE = 60_000
const db = await freshDatabase(t)

async function getHealth (t: Test, h: Harness) {
  const server = await startHealthServer(h.watchdog, 0, '127.0.0.1')
  t.teardown(() => server.close())
  const res = await request(`http://127.0.0.1:${(server.server.address() as AddressInfo).port}/health`)
  return { status: res.statusCode, body: await res.body.json() as any }
}

t.test('the API down for 15 minutes, then back: its own DOWN and RESOLVED, and no sensor alarms', async (t) => {
  const api = await startFleetApi(t, db.url)
  const h = await startFleetWatchdog(t, api)
  const sensors = range(1, 20)
  // Each sensor reports every 2 minutes, staggered over them.
  const reportDue = async () => {
    const slot = Math.floor(h.clock.now() / 30_000) % 4
    await api.report(sensors.filter((id) => id % 4 === slot))
  }
  for (let i = 0; i < 8; i++) {
    await reportDue()
    await h.round()
  }
  api.proxy.cut()
  const downUntil = h.clock.now() + 15 * MINUTE
  while (h.clock.now() < downUntil) await h.round()
  api.proxy.restore()
  for (let i = 0; i < 50; i++) {
    await reportDue()
    await h.round()
  }
  await h.deliver()
  t.same(titles(h.discord.incidentEmbeds).map((title) => title.replace(/after .*/, 'after')), ['🔴 DOWN: api', '🟢 RESOLVED: api after'])
  t.same(titles(fleetEmbeds(h)), [], 'no SILENT and no FLEET: nothing could be stored while the API was down')
})

t.test('a fleet read that fails is reported in /health, not as sensor alarms', async (t) => {
  const api = await startFleetApi(t, db.url, new FakeClock(), { readTokens: ['right'] })
  const h = await startFleetWatchdog(t, api, { read_token: 'wrong' })
  await api.report([1, 2, 3])
  await h.rounds(30)
  await h.deliver()
  t.same(titles(fleetEmbeds(h)), [])
  const health = await getHealth(t, h)
  t.equal(health.body.status, 'warn')
  t.match(health.body.fleet.lastError, 'GET /fleet/last-seen: HTTP 401')
  t.equal(health.body.checks['fleet:evaluation'][0].status, 'warn')
})

t.test('/health shows the last fleet evaluation: when, how long, sensors seen, open incidents', async (t) => {
  const api = await startFleetApi(t, db.url, new FakeClock(), { readTokens: ['r3ad'] })
  const h = await startFleetWatchdog(t, api, { read_token: 'r3ad', rules: [{ name: 'hot', variable: 'temperature', above: 80 }] })
  await api.report([1, 2, 3, 4], { value: 90 })
  for (let i = 0; i < 22; i++) {
    await api.report([1, 2, 3], { value: 90 })
    await h.round()
  }
  const health = await getHealth(t, h)
  t.equal(health.body.status, 'pass')
  t.match(health.body.fleet, {
    lastEvaluationAt: new Date(h.watchdog.lastFleet!.at).toISOString(),
    durationMs: Number,
    sensorsSeen: 4,
    requests: 2,
    lastError: null,
    openIncidents: { blackoutSince: null, silent: 1, firing: { hot: 4 } }
  })
})

t.test('a variable named "@everyone **x** <@&1>" is neutralised in the message', async (t) => {
  const api = await startFleetApi(t, db.url)
  const h = await startFleetWatchdog(t, api, { silence: { after: '10m', per_variable: true } }, { discordConfig: { role_id: '42' } })
  const evil = '@everyone **x** <@&1>'
  await api.report([1], { variable: evil, unit: '<@&1>' })
  for (let i = 0; i < 22; i++) {
    await api.report([1, 2])
    await h.round()
  }
  await h.deliver()
  const embeds = fleetEmbeds(h)
  t.same(titles(embeds), ['🔴 SILENT: 1 sensor (50% of 2)'])
  const message = h.discord.delivered.find((m) => m.embeds.includes(embeds[0]) || m.embeds.some((e: any) => e.title === embeds[0].title))
  const text = JSON.stringify({ content: message.content, embeds: message.embeds })
  t.notMatch(text, /@everyone/, 'no live @everyone')
  t.notMatch(text, /\*\*x\*\*/, 'no bold')
  t.notMatch(text, /(?<!\\\\)<@&1>/, 'no role mention')
  t.match(embeds[0].description, '`1` @\u200beveryone \\*\\*x\\*\\* \\<@&1\\>')
  t.same(message.allowed_mentions, { parse: [], roles: ['42'] }, 'only the configured role may be pinged')
})

t.test('killed mid-incident and restarted: no repeated SILENT or FIRING, the started message lists them, and BACK comes once', async (t) => {
  const api = await startFleetApi(t, db.url)
  const h = await startFleetWatchdog(t, api, { rules: [{ name: 'hot', variable: 'temperature', above: 80 }] })
  await api.report(range(1, 10))
  for (let i = 0; i < 22; i++) {
    await api.report(range(1, 6))
    await api.report([7], { value: 95 })
    await h.round()
  }
  await h.deliver()
  const before = titles(fleetEmbeds(h))
  t.same(before.sort(), ['🔴 FIRING: hot on 1 sensor (temperature > 80)', '🔴 SILENT: 3 sensors (30% of 10)'])

  await h.restartAfterKill()
  await h.clock.advance(2 * MINUTE)
  for (let i = 0; i < 4; i++) {
    await api.report(range(1, 6))
    await api.report([7], { value: 95 })
    await h.round()
  }
  await h.deliver()
  t.equal(fleetEmbeds(h).length, 2, 'nothing repeated')
  const started = h.discord.delivered.flatMap((m) => m.embeds).filter((e: any) => e.title === '🔵 Watchdog started').at(-1)
  t.match(started.description, 'Open fleet incidents carried over: 3 silent sensors, **hot** firing on 1 sensor.')

  await api.report([...range(1, 6), 8, 9, 10])
  await api.report([7], { value: 20 })
  await h.round()
  await h.deliver()
  t.same(titles(fleetEmbeds(h)).slice(2).sort(), ['🟢 BACK: 3 sensors', '🟢 RESOLVED: hot on 1 sensor'])
})
