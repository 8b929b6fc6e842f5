import { readdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import t from 'tap'
import { StateStore } from '../../watchdog/state-store.js'
import { FakeClock } from './helpers/fake-clock.js'
import { FakeDiscord } from './helpers/fake-discord.js'
import { silentLogger, startHarness } from './helpers/harness.js'
import { SwitchableTarget } from './helpers/switchable-target.js'

const config = (url: string) => ({ targets: [{ name: 'api-1', type: 'http', url, timeout: '500ms' }] })
const titles = (discord: FakeDiscord) => discord.incidentEmbeds.map((e: any) => e.title)

t.test('killed and restarted during an outage: no second DOWN, and the RESOLVED counts from the first failure', async (t) => {
  const target = await SwitchableTarget.start(t, 'fail')
  const h = await startHarness(t, config(target.url))
  const firstFailureAt = h.clock.now()
  await h.rounds(3)
  await h.deliver()
  t.same(titles(h.discord), ['🔴 DOWN: api-1'])

  await h.restartAfterKill()
  await h.clock.advance(120_000)
  await h.rounds(5)
  await h.deliver()
  t.same(titles(h.discord), ['🔴 DOWN: api-1'], 'no duplicate DOWN')
  const started = h.discord.delivered.at(-1).embeds[0]
  t.equal(started.title, '🔵 Watchdog started')
  t.match(started.description, 'Open incidents carried over: **api-1** DOWN since')

  target.mode = 'ok'
  await h.rounds(2)
  await h.deliver()
  t.equal(titles(h.discord).length, 2)
  const resolved = h.discord.incidentEmbeds[1]
  t.equal(resolved.title, `🟢 RESOLVED: api-1 after ${Math.round((h.clock.now() - firstFailureAt) / 60_000)}m ${Math.round((h.clock.now() - firstFailureAt) / 1000) % 60}s`)
  t.equal(resolved.fields.find((f: any) => f.name === 'Down from').value, `<t:${Math.floor(firstFailureAt / 1000)}:R> (${new Date(firstFailureAt).toISOString()})`)
})

t.test('a recovery that happened while the watchdog was down is still RESOLVED after the restart', async (t) => {
  const target = await SwitchableTarget.start(t, 'fail')
  const h = await startHarness(t, config(target.url))
  await h.rounds(3)
  await h.deliver()
  await h.restartAfterKill()
  target.mode = 'ok'
  await h.clock.advance(3_600_000)
  await h.rounds(2)
  await h.deliver()
  t.same(titles(h.discord), ['🔴 DOWN: api-1', '🟢 RESOLVED: api-1 after 1h'])
})

t.test('a DOWN Discord had not accepted before the kill is sent by the next run, once', async (t) => {
  const target = await SwitchableTarget.start(t, 'fail')
  const clock = new FakeClock()
  const discord = await FakeDiscord.start(t, clock)
  const h = await startHarness(t, config(target.url), { clock, discord })
  await h.deliver()
  discord.respondWith({ status: 503 })
  await h.rounds(3)
  await discord.whenRequests(2)
  t.same(titles(discord), [], 'not accepted yet')
  await h.restartAfterKill()
  await h.deliver()
  t.same(titles(discord), ['🔴 DOWN: api-1'])
  await h.rounds(3)
  await h.deliver()
  t.same(titles(discord), ['🔴 DOWN: api-1'])
})

t.test('the state file is replaced atomically: always complete JSON, no temporary file left', async (t) => {
  const target = await SwitchableTarget.start(t, 'fail')
  const h = await startHarness(t, config(target.url))
  await h.rounds(3)
  await h.deliver()
  await h.watchdog.store.idle()
  const state = JSON.parse(await readFile(h.config.stateFile, 'utf8'))
  t.equal(state.version, 1)
  t.equal(state.services['api-1'].status, 'down')
  t.same(state.unsent, [])
  t.same((await readdir(dirname(h.config.stateFile))).filter((f) => f.includes('.tmp')), [])
})

t.test('a missing folder for the state file is created', async (t) => {
  const nested = join(t.testdir(), 'deeper', 'still', 'state.json')
  const store = new StateStore(nested, silentLogger)
  await store.save({ version: 1, savedAt: 0, targets: {}, services: {}, unsent: [] })
  t.equal((await store.load())?.version, 1)
})

t.test('an unreadable state file is set aside and the watchdog starts fresh', async (t) => {
  const target = await SwitchableTarget.start(t, 'fail')
  const h = await startHarness(t, config(target.url))
  await h.watchdog.store.idle()
  await writeFile(h.config.stateFile, '{"version":1,"targ')
  await h.restartAfterKill()
  const files = await readdir(dirname(h.config.stateFile))
  t.equal(files.filter((f) => f.startsWith('state.json.unreadable-')).length, 1)
  await h.rounds(3)
  await h.deliver()
  t.same(titles(h.discord), ['🔴 DOWN: api-1'])
})
