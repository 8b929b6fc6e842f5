import t from 'tap'
import pg from 'pg'
import pino from 'pino'
import { FleetFeed, type FeedEvent } from '../../src/dashboard/fleet-feed.js'
import { FleetRepository } from '../../src/dashboard/fleet-repository.js'
import type { SummaryChange, SummaryChanges } from '../../src/dashboard/summary-changes.js'
import { testPool } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'
import { until } from '../helpers/wait.js'

/** A change source the test drives by hand, counting its starts and stops. */
class HandChanges implements SummaryChanges {
  starts = 0
  stops = 0
  private onChange: ((change: SummaryChange) => void) | undefined
  async start (onChange: (change: SummaryChange) => void) {
    this.starts++
    this.onChange = onChange
  }

  async stop () {
    this.stops++
    this.onChange = undefined
  }

  tell (change: SummaryChange) {
    this.onChange?.(change)
  }
}

const { url } = await freshDatabase(t)
const pool = testPool(t, url)
const repository = new FleetRepository(pool)
const log = pino({ level: 'silent' })
const summaryRow = (sensorId: number, count: number) => pool.query(
  `INSERT INTO sensor_variable_summary VALUES ($1, 'temperature', $2, now() - interval '1 hour', now(), 1, 'C')
   ON CONFLICT (sensor_id, variable) DO UPDATE SET reading_count = excluded.reading_count`, [sensorId, count])

function subscriber (sensorId?: number) {
  const events: FeedEvent[] = []
  return { events, sensorId, send: (e: FeedEvent) => events.push(e), close: () => {} }
}
const idsIn = (event: FeedEvent) => (JSON.parse(event.data) as { sensors: Array<{ sensor_id: number }> }).sensors.map((s) => s.sensor_id).sort()

/** Empties the summary table, then gives each sensor one temperature row of one reading. */
async function fleetOf (...sensorIds: number[]) {
  await pool.query('TRUNCATE sensor_variable_summary')
  for (const sensorId of sensorIds) await summaryRow(sensorId, 1)
}

/** A feed over this file's database whose changes the test tells by hand; closed on teardown. */
function handFedFeed (t: { teardown(fn: () => unknown): void }, lingerMs?: number) {
  const changes = new HandChanges()
  const feed = new FleetFeed(repository, async () => changes, log, lingerMs)
  t.teardown(() => feed.close())
  return { changes, feed }
}

t.test('changes named by id are read and sent to the pages that follow them', async (t) => {
  await fleetOf(1, 2)
  const { changes, feed } = handFedFeed(t)
  const fleet = subscriber()
  const one = subscriber(2)
  await feed.subscribe(fleet)
  await feed.subscribe(one)
  t.same(idsIn(fleet.events[0]!), [1, 2])
  t.same(idsIn(one.events[0]!), [2])

  await summaryRow(1, 5)
  changes.tell([1])
  await until(() => fleet.events.length === 2, 5000, 'the change')
  t.same(idsIn(fleet.events[1]!), [1])
  t.equal(one.events.length, 1, 'the page following sensor 2 hears nothing of sensor 1')

  changes.tell([2])
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(fleet.events.length, 2, 'a notification for a sensor that did not change sends nothing')
})

t.test('a full reread sends only the sensors that differ', async (t) => {
  await fleetOf(1, 2)
  const { changes, feed } = handFedFeed(t)
  const fleet = subscriber()
  await feed.subscribe(fleet)
  await summaryRow(2, 7)
  await summaryRow(3, 1)
  changes.tell('all')
  await until(() => fleet.events.length === 2, 5000, 'the reread')
  t.same(idsIn(fleet.events[1]!), [2, 3])
})

t.test('without linger, the last page leaving stops listening; with it, listening goes on for the next page', async (t) => {
  const { changes, feed } = handFedFeed(t)
  const leave = await feed.subscribe(subscriber())
  leave()
  await until(() => changes.stops === 1, 1000, 'the stop')
  await feed.subscribe(subscriber())
  t.equal(changes.starts, 2, 'the next page starts it again')

  const { changes: lingering, feed: kept } = handFedFeed(t, 60_000)
  const first = await kept.subscribe(subscriber())
  first()
  await new Promise((resolve) => setTimeout(resolve, 50))
  await kept.subscribe(subscriber())
  t.same([lingering.starts, lingering.stops], [1, 0], 'one start, no stop')
})

t.test('a fleet that cannot be read fails the subscription and leaves nothing listening', async (t) => {
  const changes = new HandChanges()
  // Nothing listens on port 1: every query fails to connect.
  const nowhere = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 1000 })
  t.teardown(() => nowhere.end())
  const feed = new FleetFeed(new FleetRepository(nowhere), async () => changes, log)
  await t.rejects(feed.subscribe(subscriber()), { code: 'ECONNREFUSED' })
  t.same([changes.starts, changes.stops], [1, 1])
  t.equal(feed.subscriberCount, 0)
})
