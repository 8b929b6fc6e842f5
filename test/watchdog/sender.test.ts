import t from 'tap'
import { WebhookSender } from '../../watchdog/discord/sender.js'
import type { Notification } from '../../watchdog/notification.js'
import { FakeClock, settle } from './helpers/fake-clock.js'
import { FakeDiscord } from './helpers/fake-discord.js'
import { deliver, silentLogger } from './helpers/harness.js'

interface Teardown { teardown(fn: () => unknown): void }

function newSender (t: Teardown, clock: FakeClock, discord: FakeDiscord, options: Partial<ConstructorParameters<typeof WebhookSender>[0]> = {}) {
  const sender = new WebhookSender({ webhookUrl: discord.url, clock, logger: silentLogger, coalesceMs: 0, requestTimeoutMs: 5000, maxBackoffMs: 60_000, ...options })
  t.teardown(() => sender.stop())
  return sender
}

const down = (clock: FakeClock, service: string, extra: Partial<Notification> = {}): Notification => ({
  key: `${service}#1`,
  kind: 'down',
  service,
  createdAt: clock.now(),
  ping: true,
  since: clock.now() - 20_000,
  failedChecks: 3,
  targets: [{ name: service, url: `http://${service}:3000/ready`, state: 'down', error: 'HTTP 503', failedChecks: 3 }],
  ...extra
})

t.test('posts JSON to the v10 URL with ?wait=true and no mention parsing', async (t) => {
  const clock = new FakeClock()
  const discord = await FakeDiscord.start(t, clock)
  const sender = newSender(t, clock, discord)
  sender.enqueue(down(clock, 'postgres'))
  await deliver(clock, sender)
  t.equal(discord.requests.length, 1)
  const request = discord.requests[0]!
  t.equal(request.method, 'POST')
  t.equal(request.path, '/api/v10/webhooks/123456789/fake-token_1?wait=true')
  t.match(request.headers['content-type'], 'application/json')
  t.same(request.body.allowed_mentions, { parse: [] })
  t.equal(request.body.embeds[0].title, '🔴 DOWN: postgres')
})

t.test('a 204 answer also counts as delivered', async (t) => {
  const clock = new FakeClock()
  const discord = await FakeDiscord.start(t, clock)
  discord.respondWith({ status: 204 })
  const sender = newSender(t, clock, discord)
  sender.enqueue(down(clock, 'postgres'))
  await deliver(clock, sender)
  t.equal(discord.requests.length, 1)
  t.equal(sender.status().queued, 0)
  t.equal(sender.status().sent, 1)
})

t.test('a 429 is honoured: nothing is sent before retry_after, then the message is delivered exactly once', async (t) => {
  const clock = new FakeClock()
  const discord = await FakeDiscord.start(t, clock)
  discord.respondWith({ status: 429, body: { message: 'You are being rate limited.', retry_after: 3.5, global: false } })
  const sender = newSender(t, clock, discord)
  sender.enqueue(down(clock, 'postgres'))
  await discord.whenRequests(1)
  await clock.whenTimerPending()
  const rateLimitedAt = discord.requests[0]!.at
  await clock.advance(3499)
  await settle()
  t.equal(discord.requests.length, 1, 'nothing sent before retry_after')
  t.equal(clock.nextTimerAt(), rateLimitedAt + 3500, 'still waiting for retry_after')
  await deliver(clock, sender)
  t.equal(discord.requests.length, 2)
  t.equal(discord.requests[1]!.at - rateLimitedAt, 3500)
  t.equal(discord.delivered.length, 1)
  t.equal(sender.status().rateLimited, 1)
})

t.test('a 429 with only a Retry-After header is honoured too', async (t) => {
  const clock = new FakeClock()
  const discord = await FakeDiscord.start(t, clock)
  discord.respondWith({ status: 429, body: 'slow down', headers: { 'retry-after': '7' } })
  const sender = newSender(t, clock, discord)
  sender.enqueue(down(clock, 'postgres'))
  await deliver(clock, sender)
  t.equal(discord.requests[1]!.at - discord.requests[0]!.at, 7000)
  t.equal(discord.delivered.length, 1)
})

t.test('a burst of 12 incidents against 5 requests per 2 s is delivered without a single 429', async (t) => {
  const clock = new FakeClock()
  const discord = await FakeDiscord.start(t, clock)
  discord.rateLimit = { limit: 5, windowMs: 2000 }
  const sender = newSender(t, clock, discord)
  for (let i = 1; i <= 12; i++) sender.enqueue(down(clock, `svc-${i}`))
  await deliver(clock, sender)
  t.equal(discord.tooManyRequests, 0)
  t.same(discord.delivered.map((m) => m.embeds[0].title), Array.from({ length: 12 }, (_, i) => `🔴 DOWN: svc-${i + 1}`))
})

t.test('5xx and network errors are retried with exponential back-off until delivered', async (t) => {
  const clock = new FakeClock()
  const discord = await FakeDiscord.start(t, clock)
  discord.respondWith({ status: 502 }, { status: 503 }, { status: 500 })
  const sender = newSender(t, clock, discord)
  sender.enqueue(down(clock, 'postgres'))
  await deliver(clock, sender)
  const at = discord.requests.map((r) => r.at - discord.requests[0]!.at)
  t.same(at, [0, 1000, 3000, 7000])
  t.equal(discord.delivered.length, 1)
})

t.test('a network error is retried like a 5xx', async (t) => {
  const clock = new FakeClock()
  const discord = await FakeDiscord.start(t, clock)
  const sender = new WebhookSender({ webhookUrl: discord.url.replace(/:\d+\//, ':1/'), clock, logger: silentLogger, coalesceMs: 0, requestTimeoutMs: 5000, maxBackoffMs: 60_000 })
  t.teardown(() => sender.stop())
  sender.enqueue(down(clock, 'postgres'))
  await clock.whenTimerPending()
  t.equal(sender.status().reachable, false)
  t.match(sender.status().lastError, 'ECONNREFUSED')
  t.equal(sender.status().queued, 1, 'kept for the next attempt')
})

t.test('a 404 disables the webhook, keeps the message and stops sending', async (t) => {
  const clock = new FakeClock()
  const discord = await FakeDiscord.start(t, clock)
  discord.respondWith({ status: 404, body: { message: 'Unknown Webhook', code: 10015 } })
  const sender = newSender(t, clock, discord)
  sender.enqueue(down(clock, 'postgres'))
  await deliver(clock, sender)
  sender.enqueue(down(clock, 'api'))
  await deliver(clock, sender)
  await clock.advance(600_000)
  t.equal(discord.requests.length, 1)
  const status = sender.status()
  t.equal(status.disabled, true)
  t.match(status.disabledReason, 'HTTP 404')
  t.equal(status.queued, 2)
})

t.test('a newer state of an incident replaces its older message still waiting in the queue', async (t) => {
  const clock = new FakeClock()
  const discord = await FakeDiscord.start(t, clock)
  discord.respondWith({ status: 429, body: { retry_after: 30 } })
  const sender = newSender(t, clock, discord)
  sender.enqueue(down(clock, 'other', { key: 'other#1' }))
  await discord.whenRequests(1)
  await clock.whenTimerPending()
  sender.enqueue(down(clock, 'postgres'))
  sender.enqueue(down(clock, 'postgres', { kind: 'resolved', ping: false, durationMs: 25_000 }))
  await deliver(clock, sender)
  const titles = discord.delivered.map((m) => m.embeds[0].title)
  t.same(titles, ['🔴 DOWN: other', '🟢 RESOLVED: postgres after 25s'])
})

t.test('a reminder replacing a queued DOWN keeps it a DOWN with its ping', async (t) => {
  const clock = new FakeClock()
  const discord = await FakeDiscord.start(t, clock)
  const sender = newSender(t, clock, discord, { coalesceMs: 5000, render: { roleId: '77' } })
  sender.enqueue(down(clock, 'postgres'))
  sender.enqueue(down(clock, 'postgres', { kind: 'reminder', ping: false, durationMs: 900_000, failedChecks: 90 }))
  await deliver(clock, sender)
  t.equal(discord.delivered.length, 1)
  t.equal(discord.delivered[0].embeds[0].title, '🔴 DOWN: postgres')
  t.match(discord.delivered[0].content, '<@&77>')
})
