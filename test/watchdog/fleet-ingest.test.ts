import t from 'tap'
import { parseWatchdogConfig } from '../../watchdog/config.js'
import type { FleetSnapshot } from '../../watchdog/fleet/reader.js'
import { evaluateFleet, initialFleetState } from '../../watchdog/fleet/state.js'
import { freshDatabase } from '../helpers/database.js'
import { FakeClock } from './helpers/fake-clock.js'
import { startFleetApi, startFleetWatchdog } from './helpers/fleet.js'

const db = await freshDatabase(t)

t.test('the ingest check reads GET /stats/ingest of the real API: readings just stored are no stall', async (t) => {
  // /stats/ingest counts by storage time, on the API's real clock: the fake clock starts there.
  const api = await startFleetApi(t, db.url, new FakeClock(Date.now()))
  const h = await startFleetWatchdog(t, api, { ingest_stall: '2m' })
  await api.report([1, 2, 3])
  await h.round()
  await h.deliver()
  t.equal(h.watchdog.lastFleet?.ingestError, undefined, 'the endpoint answered')
  t.equal(h.watchdog.lastFleet?.ingestStalled, false, 'readings stored within ingest_stall')
  t.equal(h.watchdog.lastFleet?.requests, 2, 'last-seen and stats')
  t.same(h.discord.incidentEmbeds, [])
})

t.test('fleet-wide ingest stopped is one FLEET incident, before any sensor is silent, and no per-sensor message', async (t) => {
  const config = parseWatchdogConfig(JSON.stringify({
    discord: { webhook_url: 'https://discord.com/api/webhooks/1/x' },
    targets: [{ name: 'api', type: 'http', url: 'http://api/ready' }],
    fleet: { api_url: 'http://api', silence: { after: '10m' } }
  })).fleet!
  const state = initialFleetState()
  const now = Date.UTC(2026, 0, 1)
  const snapshot = (stalled: boolean, silent: number): FleetSnapshot => ({
    now,
    fleetSize: 100,
    silentSensors: silent,
    requests: 2,
    latest: new Map(),
    ingestStalled: stalled,
    silent: Array.from({ length: silent }, (_, i) => ({ sensorId: i + 1, lastSeen: now - 11 * 60_000 }))
  })
  const opened = evaluateFleet(state, snapshot(true, 0), { config, now, blocked: false })
  t.same(opened.map((n) => [n.fleet!.event, n.fleet!.reason, n.ping]), [['blackout', 'ingest', true]])
  t.same(evaluateFleet(state, snapshot(true, 3), { config, now: now + 30_000, blocked: false }), [], 'sensors going silent meanwhile: nothing')
  const ended = evaluateFleet(state, snapshot(false, 3), { config, now: now + 60_000, blocked: false })
  t.same(ended.map((n) => n.fleet!.event), ['blackout-resolved', 'silent'])
  t.equal(ended[1]!.fleet!.afterBlackout, true)
})
