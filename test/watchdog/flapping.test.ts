import t from 'tap'
import { startHarness } from './helpers/harness.js'
import { SwitchableTarget } from './helpers/switchable-target.js'

const config = (url: string) => ({
  targets: [{ name: 'api-1', type: 'http', url, timeout: '500ms', flapping: { window: 20, threshold: 5, stable_checks: 10 } }]
})

/** down 3 checks, up 2 checks, repeated: each cycle alone would be a DOWN and a RESOLVED. */
async function flap (h: Awaited<ReturnType<typeof startHarness>>, target: SwitchableTarget, cycles: number) {
  for (let i = 0; i < cycles; i++) {
    target.mode = 'fail'
    await h.rounds(3)
    target.mode = 'ok'
    await h.rounds(2)
  }
}

t.test('a target flipping between up and down is reported once as flapping, then once when stable up', async (t) => {
  const target = await SwitchableTarget.start(t)
  const h = await startHarness(t, config(target.url))
  await h.round()
  await flap(h, target, 6)
  await h.deliver()
  const titles = () => h.discord.incidentEmbeds.map((e: any) => e.title)
  // Two ordinary DOWN/RESOLVED pairs; from the third failure streak within 20 checks on, one FLAPPING message.
  t.same(titles(), ['🔴 DOWN: api-1', '🟢 RESOLVED: api-1 after 40s', '🔴 DOWN: api-1', '🟢 RESOLVED: api-1 after 40s', '🟠 FLAPPING: api-1'])
  target.mode = 'ok'
  await h.rounds(12)
  await h.deliver()
  t.equal(titles().length, 6)
  t.match(titles()[5], /^🟢 RESOLVED: api-1 after /)
  t.match(h.discord.incidentEmbeds[5].description, 'It was flapping and is now stable: up.')
})

t.test('a flapping target that settles down is reported as DOWN once stable', async (t) => {
  const target = await SwitchableTarget.start(t)
  const h = await startHarness(t, config(target.url))
  await h.round()
  await flap(h, target, 6)
  target.mode = 'fail'
  await h.rounds(12)
  await h.deliver()
  const embeds = h.discord.incidentEmbeds
  t.same(embeds.slice(4).map((e: any) => e.title), ['🟠 FLAPPING: api-1', '🔴 DOWN: api-1'])
  t.match(embeds.at(-1).description, 'It was flapping and is now stable: down.')
})

t.test('a check result alternating every round is flapping even though no threshold is ever reached', async (t) => {
  const target = await SwitchableTarget.start(t)
  const h = await startHarness(t, config(target.url))
  for (let i = 0; i < 8; i++) {
    target.mode = i % 2 === 0 ? 'fail' : 'ok'
    await h.round()
  }
  await h.deliver()
  t.same(h.discord.incidentEmbeds.map((e: any) => e.title), ['🟠 FLAPPING: api-1'])
})
