import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { startHealthServer } from '../../watchdog/health-server.js'
import { FakeClock } from './helpers/fake-clock.js'
import { FakeDiscord } from './helpers/fake-discord.js'
import { startHarness, type Harness } from './helpers/harness.js'
import { SwitchableTarget } from './helpers/switchable-target.js'

async function getHealth (t: Test, h: Harness) {
  const server = await startHealthServer(h.watchdog, 0, '127.0.0.1')
  t.teardown(() => server.close())
  const res = await request(`http://127.0.0.1:${(server.server.address() as AddressInfo).port}/health`)
  return { status: res.statusCode, type: res.headers['content-type'], body: await res.body.json() as any }
}

t.test('/health passes once Discord took a message and a round completed', async (t) => {
  const target = await SwitchableTarget.start(t)
  const h = await startHarness(t, { targets: [{ name: 'api-1', type: 'http', url: target.url, timeout: '500ms' }] })
  await h.round()
  await h.deliver()
  const health = await getHealth(t, h)
  t.equal(health.status, 200)
  t.match(health.type, /^application\/health\+json/)
  t.equal(health.body.status, 'pass')
  t.equal(health.body.lastRoundAt, new Date(h.clock.now()).toISOString())
  t.equal(health.body.discord.reachable, true)
  t.equal(health.body.checks['discord:webhook'][0].status, 'pass')
})

t.test('/health warns while Discord rate-limits a message (429) and passes once it is delivered', async (t) => {
  const target = await SwitchableTarget.start(t)
  const clock = new FakeClock()
  const discord = await FakeDiscord.start(t, clock)
  discord.respondWith({ status: 429, body: { message: 'You are being rate limited.', retry_after: 5, global: false } })
  const h = await startHarness(t, { targets: [{ name: 'api-1', type: 'http', url: target.url, timeout: '500ms' }] }, { clock, discord })
  await h.round()
  await discord.whenRequests(1)
  const limited = await getHealth(t, h)
  t.equal(limited.status, 200)
  t.equal(limited.body.status, 'warn')
  t.equal(limited.body.discord.reachable, true, 'Discord answered')
  t.match(limited.body.checks['discord:webhook'][0], { status: 'warn', output: /429/ })
  await h.deliver()
  const delivered = await getHealth(t, h)
  t.equal(delivered.body.status, 'pass')
  t.equal(delivered.body.checks['discord:webhook'][0].status, 'pass')
})

t.test('a 404 from Discord disables the webhook and /health says so with 503', async (t) => {
  const target = await SwitchableTarget.start(t)
  const clock = new FakeClock()
  const discord = await FakeDiscord.start(t, clock)
  discord.respondWith({ status: 404, body: { message: 'Unknown Webhook', code: 10015 } })
  const h = await startHarness(t, { targets: [{ name: 'api-1', type: 'http', url: target.url, timeout: '500ms' }] }, { clock, discord })
  await h.round()
  await h.deliver()
  target.mode = 'fail'
  await h.rounds(3)
  await h.deliver()
  t.equal(h.discord.requests.length, 1, 'nothing more is posted to a dead webhook')
  const health = await getHealth(t, h)
  t.equal(health.status, 503)
  t.equal(health.body.status, 'fail')
  t.equal(health.body.discord.disabled, true)
  t.match(health.body.checks['discord:webhook'][0].output, 'webhook disabled: HTTP 404')
  t.equal(health.body.discord.queued, 2, 'the started message and the DOWN are kept')
})

t.test('a 401 disables the webhook too', async (t) => {
  const target = await SwitchableTarget.start(t)
  const clock = new FakeClock()
  const discord = await FakeDiscord.start(t, clock)
  discord.respondWith({ status: 401, body: { message: '401: Unauthorized', code: 0 } })
  const h = await startHarness(t, { targets: [{ name: 'api-1', type: 'http', url: target.url, timeout: '500ms' }] }, { clock, discord })
  await h.deliver()
  t.equal(h.watchdog.sender.status().disabled, true)
})

t.test('/health fails when no round completed for three intervals', async (t) => {
  const target = await SwitchableTarget.start(t)
  const h = await startHarness(t, { targets: [{ name: 'api-1', type: 'http', url: target.url, timeout: '500ms' }] })
  await h.round()
  await h.deliver()
  await h.clock.advance(60_000)
  const health = await getHealth(t, h)
  t.equal(health.status, 503)
  t.equal(health.body.checks['watchdog:rounds'][0].status, 'fail')
  t.equal(health.body.checks['watchdog:rounds'][0].observedValue, 60)
})

t.test('the heartbeat URL is pinged after every completed round', async (t) => {
  const target = await SwitchableTarget.start(t)
  const heartbeat = await FakeDiscord.start(t, { now: () => 0, setTimeout: () => 0, clearTimeout: () => {} })
  const h = await startHarness(t, { heartbeat_url: heartbeat.url, targets: [{ name: 'api-1', type: 'http', url: target.url, timeout: '500ms' }] })
  await h.rounds(3)
  await heartbeat.whenRequests(3)
  t.equal(heartbeat.requests.length, 3)
  t.equal(heartbeat.requests[0]!.method, 'GET')
})
