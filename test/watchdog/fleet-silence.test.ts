import t from 'tap'
import { freshDatabase } from '../helpers/database.js'
import { fleetEmbeds, range, startFleetApi, startFleetWatchdog, titles } from './helpers/fleet.js'

const MINUTE = 60_000
const db = await freshDatabase(t)

t.test('one sensor silent then back: one SILENT, then one BACK with how long it was silent', async (t) => {
  const api = await startFleetApi(t, db.url)
  const h = await startFleetWatchdog(t, api)
  const start = h.clock.now()
  await api.report([1, 2, 3])
  await h.round()
  for (let i = 0; i < 24; i++) {
    await api.report([1, 2])
    await h.round()
  }
  await h.deliver()
  t.same(titles(fleetEmbeds(h)), ['🔴 SILENT: 1 sensor (33.3% of 3)'])
  t.match(fleetEmbeds(h)[0].description, /`3` \(10m( \d+s)?\)/)

  await api.report([1, 2, 3])
  await h.round()
  await h.deliver()
  const back = fleetEmbeds(h)[1]
  t.equal(back.title, '🟢 BACK: 1 sensor')
  t.match(back.description, `\`3\` (${Math.round((h.clock.now() - 30_000 - start) / MINUTE)}m`)
  await h.rounds(2)
  await h.deliver()
  t.equal(fleetEmbeds(h).length, 2, 'nothing more')
})

t.test('a SILENT goes out within interval + coalesce_window of the moment silence.after elapsed', async (t) => {
  const api = await startFleetApi(t, db.url)
  const h = await startFleetWatchdog(t, api)
  // The reading lands between two evaluations, so silence elapses between two as well.
  await h.round()
  await h.clock.advance(7_000)
  const lastReading = h.clock.now()
  await api.report([7])
  const silentAt = lastReading + 10 * MINUTE
  while (h.discord.delivered.filter((m) => m.embeds.some((e: any) => e.title.startsWith('🔴 SILENT'))).length === 0 && h.clock.now() < silentAt + 5 * MINUTE) {
    await api.report([8, 9])
    await h.round()
    await h.deliver()
  }
  const request = h.discord.requests.find((r) => r.body.embeds?.some((e: any) => e.title.startsWith('🔴 SILENT')))
  t.ok(request, 'a SILENT was sent')
  t.ok(request!.at >= silentAt, 'not before silence.after elapsed')
  t.ok(request!.at <= silentAt + 30_000 + 5_000, `at most interval + coalesce_window late (${(request!.at - silentAt) / 1000} s)`)
})

t.test('a reading that lands exactly when the sensor is declared silent closes the incident', async (t) => {
  const api = await startFleetApi(t, db.url)
  const h = await startFleetWatchdog(t, api)
  await api.report([5, 6, 7])
  for (let i = 0; i < 22; i++) {
    await api.report([6, 7])
    await h.round()
  }
  await h.deliver()
  t.same(titles(fleetEmbeds(h)), ['🔴 SILENT: 1 sensor (33.3% of 3)'])
  const declaredAt = h.clock.now()
  await api.report([5, 6, 7], { at: declaredAt })
  await h.round()
  await h.deliver()
  t.same(titles(fleetEmbeds(h)), ['🔴 SILENT: 1 sensor (33.3% of 3)', '🟢 BACK: 1 sensor'])
  t.same(Object.keys(h.watchdog.snapshot().fleet!.silent), [], 'no incident left open')
})

t.test('300 of 1,000 sensors silent in one round: one message with the count, the share and the ids, longest silent first', async (t) => {
  const api = await startFleetApi(t, db.url)
  const h = await startFleetWatchdog(t, api)
  const fleet = range(1, 1000)
  await h.round()
  // Within one interval: the 300 go silent in the same evaluation, 1..150 the longest.
  await h.clock.advance(5_000)
  await api.report(range(1, 150))
  await h.clock.advance(20_000)
  await api.report(fleet.filter((id) => id > 150))
  for (let i = 0; i < 22; i++) {
    await api.report(fleet.filter((id) => id > 300))
    await h.round()
  }
  await h.deliver()
  const embeds = fleetEmbeds(h)
  t.same(titles(embeds), ['🔴 SILENT: 300 sensors (30% of 1000)'])
  t.equal(h.discord.delivered.filter((m) => m.embeds.some((e: any) => e.footer?.text.startsWith('fleet:'))).length, 1, 'one message')
  const description: string = embeds[0].description
  t.match(description, /\+\d+ more$/, 'cut with "+N more"')
  const listed = [...description.matchAll(/`(\d+)`/g)].map((m) => Number(m[1]))
  const more = Number(/\+(\d+) more$/.exec(description)![1])
  t.equal(listed.length + more, 300, 'every sensor counted')
  t.same(listed.slice(0, 3), [1, 2, 3], 'the longest silent (1..150) first')
  t.ok(listed.every((id, i) => i === 0 || (listed[i - 1]! <= 150 && id <= 150) || id > 150), 'then the others')
})

t.test('100% of the fleet silent: one FLEET message and no per-sensor alarms; when it ends one RESOLVED and one message for the sensors still silent', async (t) => {
  const api = await startFleetApi(t, db.url)
  const h = await startFleetWatchdog(t, api)
  await api.report(range(1, 50))
  await h.rounds(25)
  await h.deliver()
  t.same(titles(fleetEmbeds(h)), ['🔴 FLEET BLACKOUT: 50 of 50 sensors silent'])
  t.equal(h.discord.delivered.at(-1).content.includes('FLEET BLACKOUT'), true)
  await h.rounds(10)
  await h.deliver()
  t.equal(fleetEmbeds(h).length, 1, 'no per-sensor messages while it lasts')

  await api.report(range(1, 45))
  await h.round()
  await h.deliver()
  const after = titles(fleetEmbeds(h)).slice(1)
  t.equal(after.length, 2)
  t.match(after[0], /^🟢 RESOLVED: FLEET blackout after \d+m/)
  t.equal(after[1], '🔴 SILENT: 5 sensors (10% of 50)')
  t.match(fleetEmbeds(h)[2].description, /^After the fleet blackout\./)
})

t.test('a sensor never seen is never silent, and an empty fleet raises nothing', async (t) => {
  const api = await startFleetApi(t, db.url)
  const h = await startFleetWatchdog(t, api)
  await h.rounds(30)
  await h.deliver()
  t.same(titles(fleetEmbeds(h)), [])
  t.equal(h.watchdog.lastFleet?.sensors, 0)
})
