import t from 'tap'
import { startHarness } from './helpers/harness.js'
import { SwitchableTarget } from './helpers/switchable-target.js'

const oneTarget = (url: string, extra: Record<string, unknown> = {}) => ({
  targets: [{ name: 'api-1', type: 'http', url, interval: '10s', timeout: '500ms', ...extra }]
})

t.test('two failures in a row send nothing', async (t) => {
  const target = await SwitchableTarget.start(t)
  const h = await startHarness(t, oneTarget(target.url))
  await h.round()
  target.mode = 'fail'
  await h.rounds(2)
  await h.deliver()
  t.same(h.discord.incidentEmbeds, [])
})

t.test('the third failure in a row sends one DOWN naming the target, its URL, the error and since when', async (t) => {
  const target = await SwitchableTarget.start(t)
  target.failureText = 'database pool exhausted'
  const h = await startHarness(t, oneTarget(target.url))
  await h.round()
  target.mode = 'fail'
  await h.rounds(3)
  const firstFailureAt = h.clock.now() - 20_000
  await h.deliver()
  await h.rounds(3)
  await h.deliver()
  t.equal(h.discord.incidentEmbeds.length, 1)
  const down = h.discord.incidentEmbeds[0]
  t.equal(down.title, '🔴 DOWN: api-1')
  t.equal(down.color, 0xd92d20)
  const fields = Object.fromEntries(down.fields.map((f: any) => [f.name, f.value]))
  t.match(fields['api-1: DOWN'], target.url)
  t.match(fields['api-1: DOWN'], 'HTTP 500: database pool exhausted')
  t.equal(fields.Since, `<t:${Math.floor(firstFailureAt / 1000)}:R> (${new Date(firstFailureAt).toISOString()})`)
  t.equal(fields['Failed checks'], '3')
})

t.test('recovery sends one RESOLVED with the outage duration after two successes', async (t) => {
  const target = await SwitchableTarget.start(t, 'fail')
  const h = await startHarness(t, oneTarget(target.url))
  await h.rounds(3)
  target.mode = 'ok'
  await h.round()
  await h.deliver()
  t.equal(h.discord.incidentEmbeds.length, 1, 'one success is not a recovery')
  await h.rounds(3)
  await h.deliver()
  const embeds = h.discord.incidentEmbeds
  t.equal(embeds.length, 2)
  // Failing from the first check (t0) to the second success (t0 + 40 s).
  t.equal(embeds[1].title, '🟢 RESOLVED: api-1 after 40s')
  t.equal(embeds[1].color, 0x12b76a)
  t.equal(embeds[1].fields.find((f: any) => f.name === 'Lasted').value, '40s')
})

t.test('the RESOLVED carries the outage\'s failed checks, not the count the recovery reset', async (t) => {
  const target = await SwitchableTarget.start(t, 'fail')
  const h = await startHarness(t, oneTarget(target.url))
  await h.rounds(5)
  target.mode = 'ok'
  await h.rounds(2)
  await h.deliver()
  const [down, resolved] = h.discord.incidentEmbeds
  t.equal(down.fields.find((f: any) => f.name === 'Failed checks').value, '3', 'the DOWN went out at the third')
  t.match(resolved.title, /^🟢 RESOLVED/)
  t.equal(resolved.fields.find((f: any) => f.name === 'Failed checks').value, '5')
})

t.test('a hung target counts as failed at its timeout', async (t) => {
  const target = await SwitchableTarget.start(t, 'hang')
  const h = await startHarness(t, oneTarget(target.url, { timeout: '200ms' }))
  await h.rounds(3)
  await h.deliver()
  t.equal(h.discord.incidentEmbeds.length, 1)
  t.match(h.discord.incidentEmbeds[0].fields[0].value, 'timeout: no answer within 200 ms')
})

t.test('a refused connection is a failure with the connection error', async (t) => {
  const target = await SwitchableTarget.start(t)
  const h = await startHarness(t, oneTarget(target.url.replace(/:\d+\//, ':1/')))
  await h.rounds(3)
  await h.deliver()
  t.match(h.discord.incidentEmbeds[0].fields[0].value, 'ECONNREFUSED')
})

t.test('reminders follow the back-off while down, each with the running duration', async (t) => {
  const target = await SwitchableTarget.start(t, 'fail')
  const h = await startHarness(t, oneTarget(target.url, { reminder: { first: '1m', factor: 2, max: '4m' } }))
  const start = h.clock.now()
  // 3 checks to open (t=20 s), then 10 minutes of checks.
  await h.rounds(3 + 60)
  await h.deliver()
  const reminders = h.discord.incidentEmbeds.filter((e: any) => e.title.startsWith('🔴 STILL DOWN'))
  // DOWN at 20 s; reminders 1 m, 2 m, 4 m, 4 m later: at 1m20s, 3m20s, 7m20s (and 11m20s, after the run).
  t.same(reminders.map((e: any) => e.title), ['🔴 STILL DOWN: api-1 (1m 20s)', '🔴 STILL DOWN: api-1 (3m 20s)', '🔴 STILL DOWN: api-1 (7m 20s)'])
  t.equal(h.clock.now() - start, 620_000)
  t.equal(h.discord.incidentEmbeds.filter((e: any) => e.title.startsWith('🔴 DOWN')).length, 1)
})

t.test('health+json "warn" is DEGRADED, amber, without a role ping', async (t) => {
  const target = await SwitchableTarget.start(t, 'warn')
  const h = await startHarness(t, { ...oneTarget(target.url), discord: { role_id: '42' } })
  await h.rounds(3)
  await h.deliver()
  const message = h.discord.delivered.find((m: any) => m.embeds.some((e: any) => e.title.startsWith('🟠 DEGRADED')))
  t.ok(message)
  t.equal(message.embeds[0].color, 0xf79009)
  t.notMatch(message.content, '<@&42>')
  t.same(message.allowed_mentions, { parse: [] })
})

t.test('a DOWN pings the configured role and allows only that mention', async (t) => {
  const target = await SwitchableTarget.start(t, 'fail')
  const h = await startHarness(t, { ...oneTarget(target.url), discord: { role_id: '42' } })
  await h.rounds(3)
  await h.deliver()
  const down = h.discord.delivered.find((m: any) => m.embeds.some((e: any) => e.title.startsWith('🔴 DOWN')))
  t.match(down.content, /^<@&42> /)
  t.same(down.allowed_mentions, { parse: [], roles: ['42'] })
})

t.test('a service of three replicas: one down is DEGRADED, all down is DOWN, all back is RESOLVED', async (t) => {
  const replicas = await Promise.all([1, 2, 3].map(() => SwitchableTarget.start(t)))
  const h = await startHarness(t, {
    targets: replicas.map((r, i) => ({ name: `api-${i + 1}`, type: 'http', url: r.url, service: 'api', timeout: '500ms' }))
  })
  await h.round()
  replicas[1]!.mode = 'fail'
  await h.rounds(3)
  await h.deliver()
  t.same(h.discord.incidentEmbeds.map((e: any) => e.title), ['🟠 DEGRADED: api'])
  t.match(h.discord.incidentEmbeds[0].description, '1 of 3 targets')
  t.ok(h.discord.incidentEmbeds[0].fields.some((f: any) => f.name === 'api-2: DOWN'))
  replicas[0]!.mode = 'fail'
  replicas[2]!.mode = 'fail'
  await h.rounds(3)
  await h.deliver()
  t.equal(h.discord.incidentEmbeds.at(-1).title, '🔴 DOWN: api')
  for (const r of replicas) r.mode = 'ok'
  await h.rounds(2)
  await h.deliver()
  t.same(h.discord.incidentEmbeds.map((e: any) => e.title), ['🟠 DEGRADED: api', '🔴 DOWN: api', '🟢 RESOLVED: api after 1m 10s'])
})

t.test('incidents opening in the same few seconds go out as one message', async (t) => {
  const a = await SwitchableTarget.start(t, 'fail')
  const b = await SwitchableTarget.start(t, 'fail')
  const h = await startHarness(t, {
    discord: { coalesce_window: '5s' },
    targets: [{ name: 'a', type: 'http', url: a.url, timeout: '500ms' }, { name: 'b', type: 'http', url: b.url, timeout: '500ms' }]
  })
  await h.rounds(3)
  await h.deliver()
  const downs = h.discord.delivered.filter((m: any) => m.embeds.some((e: any) => e.title.startsWith('🔴 DOWN')))
  t.equal(downs.length, 1)
  t.same(downs[0].embeds.map((e: any) => e.title).sort(), ['🔴 DOWN: a', '🔴 DOWN: b'])
})

t.test('an answer slower than latency_limit is degraded, not down', async (t) => {
  const target = await SwitchableTarget.start(t, 'slow')
  target.slowMs = 300
  const h = await startHarness(t, oneTarget(target.url, { latency_limit: '50ms', timeout: '2s' }))
  await h.rounds(3)
  await h.deliver()
  t.same(h.discord.incidentEmbeds.map((e: any) => e.title), ['🟠 DEGRADED: api-1'])
  t.match(h.discord.incidentEmbeds[0].fields[0].value, /slow: answered in \d+ ms, limit 50 ms/)
})

t.test('expected_status decides what a passing answer is', async (t) => {
  const target = await SwitchableTarget.start(t, 'fail')
  const h = await startHarness(t, oneTarget(target.url, { expected_status: [500] }))
  await h.rounds(3)
  target.mode = 'ok'
  await h.rounds(3)
  await h.deliver()
  t.same(h.discord.incidentEmbeds.map((e: any) => e.title), ['🔴 DOWN: api-1'])
  t.match(h.discord.incidentEmbeds[0].fields[0].value, 'HTTP 200')
})
