import t from 'tap'
import { freshDatabase } from '../helpers/database.js'
import { fleetEmbeds, startFleetApi, startFleetWatchdog, titles } from './helpers/fleet.js'

const db = await freshDatabase(t)

const overheating = { name: 'overheating', variable: 'temperature', above: 80, for: '2m', clear_below: 75, sensors: ['1-2', 5] }

t.test('a rule fires once it held for `for`, stays firing inside the hysteresis band, and resolves past clear_below', async (t) => {
  const api = await startFleetApi(t, db.url)
  const h = await startFleetWatchdog(t, api, { rules: [overheating] })
  const step = async (values: Record<number, number>) => {
    for (const [id, value] of Object.entries(values)) await api.report([Number(id)], { value })
    await h.round()
    await h.deliver()
  }
  // Sensor 1 holds above 80; sensor 2 oscillates around 80 (never 2 minutes in a row); sensor 3 is not in the rule.
  for (let i = 0; i < 4; i++) await step({ 1: 85, 2: i % 2 === 0 ? 81 : 79, 3: 99 })
  t.same(titles(fleetEmbeds(h)), [], 'pending: not held for 2m yet')
  await step({ 1: 86, 2: 81, 3: 99 })
  t.same(titles(fleetEmbeds(h)), ['🔴 FIRING: overheating on 1 sensor (temperature > 80)'])
  t.match(fleetEmbeds(h)[0].description, '`1` 86 C')
  t.equal(h.discord.delivered.at(-1).allowed_mentions.parse.length, 0)

  // Oscillating around the threshold while firing: inside the band, nothing new.
  for (const value of [79, 81, 76, 82, 77, 80]) await step({ 1: value, 2: 79, 3: 99 })
  t.equal(fleetEmbeds(h).length, 1, 'no message while it oscillates between 75 and 80')
  await step({ 1: 74, 2: 79, 3: 99 })
  t.same(titles(fleetEmbeds(h)), ['🔴 FIRING: overheating on 1 sensor (temperature > 80)', '🟢 RESOLVED: overheating on 1 sensor'])
  t.match(fleetEmbeds(h)[1].description, /`1` 74 C \(\d+m/)
})

t.test('sensors firing in the same evaluation share one message', async (t) => {
  const api = await startFleetApi(t, db.url)
  const h = await startFleetWatchdog(t, api, { rules: [{ name: 'freezing', variable: 'temperature', below: 0, clear_above: 2 }] })
  await api.report([10, 11, 12], { value: -5 })
  await api.report([13], { value: 5 })
  await h.round()
  await h.deliver()
  t.same(titles(fleetEmbeds(h)), ['🔴 FIRING: freezing on 3 sensors (temperature < 0)'])
  t.equal(h.discord.delivered.filter((m) => m.embeds.some((e: any) => e.footer?.text.startsWith('fleet:'))).length, 1, 'one message')
})

t.test('a rule that keeps firing and resolving is damped: one FLAPPING, then quiet until it is stable', async (t) => {
  const api = await startFleetApi(t, db.url)
  const h = await startFleetWatchdog(t, api, { rules: [{ name: 'hot', variable: 'temperature', above: 80 }], flapping: { window: 10, threshold: 4, stable_checks: 4 } })
  for (let i = 0; i < 12; i++) {
    await api.report([1], { value: i % 2 === 0 ? 90 : 70 })
    await h.round()
  }
  await h.deliver()
  const seen = titles(fleetEmbeds(h))
  t.same(seen.slice(-1), ['🟠 FLAPPING: hot on 1 sensor'])
  t.ok(seen.length <= 5, `damped: ${seen.join(' | ')}`)
  for (let i = 0; i < 6; i++) {
    await api.report([1], { value: 90 })
    await h.round()
  }
  await h.deliver()
  t.same(titles(fleetEmbeds(h)).slice(seen.length), ['🔴 FIRING: hot on 1 sensor (temperature > 80)'], 'stable again: its state, once')
})

t.test('a firing rule sends reminders on the reminder schedule', async (t) => {
  const api = await startFleetApi(t, db.url)
  const h = await startFleetWatchdog(t, api, { rules: [{ name: 'hot', variable: 'temperature', above: 80 }], reminder: { first: '5m', factor: 2 } })
  await api.report([1, 2], { value: 90 })
  for (let i = 0; i < 22; i++) {
    await api.report([1, 2], { value: 90 })
    await h.round()
  }
  await h.deliver()
  t.same(titles(fleetEmbeds(h)), ['🔴 FIRING: hot on 2 sensors (temperature > 80)', '🔴 STILL FIRING: hot on 2 sensors (temperature > 80)'])
})
