import t from 'tap'
import pg from 'pg'
import { parseChangePayload, SUMMARY_CHANGED_CHANNEL } from '../../src/dashboard/summary-changes.js'
import { freshDatabase } from '../helpers/database.js'
import { testPool } from '../helpers/build.js'
import { until } from '../helpers/wait.js'

t.test('a payload of sensor ids is read as those ids; anything else means reread them all', async (t) => {
  t.same(parseChangePayload('1,22,333'), [1, 22, 333])
  t.equal(parseChangePayload(''), 'all')
  t.equal(parseChangePayload(undefined), 'all')
  t.equal(parseChangePayload('1,x'), 'all')
})

const { url, source } = await freshDatabase(t)
const noNotifications = source === 'pglite' && 'embedded PGlite\'s socket delivers no notifications'

t.test('a summary change NOTIFYs the changed sensor ids on commit, 600 at most per notification', { skip: noNotifications }, async (t) => {
  const listener = new pg.Client({ connectionString: url, application_name: 'iot-sensors-service/test/live' })
  await listener.connect()
  t.teardown(() => listener.end())
  const payloads: string[] = []
  listener.on('notification', (message) => { if (message.channel === SUMMARY_CHANGED_CHANNEL) payloads.push(message.payload ?? '') })
  await listener.query(`LISTEN ${SUMMARY_CHANGED_CHANNEL}`)

  const pool = testPool(t, url)
  // 1,300 sensors inserted (two variables each), then 3 of them updated.
  await pool.query(`INSERT INTO sensor_variable_summary SELECT s, v, 1, now(), now(), 1, 'C'
    FROM generate_series(1, 1300) s, unnest(array['humidity', 'temperature']) v`)
  await until(() => payloads.length === 3, 5000, 'three notifications')
  const ids = payloads.flatMap((p) => p.split(',').map(Number))
  t.same(payloads.map((p) => p.split(',').length), [600, 600, 100])
  t.same(ids, Array.from({ length: 1300 }, (_, i) => i + 1), 'each changed sensor once')

  payloads.length = 0
  await pool.query('UPDATE sensor_variable_summary SET reading_count = 2 WHERE sensor_id IN (5, 7, 9)')
  await until(() => payloads.length === 1, 5000, 'the update\'s notification')
  t.same(payloads, ['5,7,9'])
})

t.test('while no live feed listens, a change notifies nobody', { skip: noNotifications }, async (t) => {
  const other = new pg.Client({ connectionString: url, application_name: 'someone-else' })
  await other.connect()
  t.teardown(() => other.end())
  const payloads: string[] = []
  other.on('notification', (message) => payloads.push(message.payload ?? ''))
  await other.query(`LISTEN ${SUMMARY_CHANGED_CHANNEL}`)
  const pool = testPool(t, url)
  const liveSessions = async () => (await pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'iot-sensors-service/%/live'")).rows[0]!.n
  await until(async () => await liveSessions() === 0, 5000, 'the earlier listeners gone')
  await pool.query('INSERT INTO sensor_variable_summary VALUES (3000, \'x\', 1, now(), now(), 1, \'C\')')
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.same(payloads, [])
})

t.test('a rolled-back change notifies nobody', { skip: noNotifications }, async (t) => {
  const listener = new pg.Client({ connectionString: url, application_name: 'iot-sensors-service/test/live' })
  await listener.connect()
  t.teardown(() => listener.end())
  const payloads: string[] = []
  listener.on('notification', (message) => payloads.push(message.payload ?? ''))
  await listener.query(`LISTEN ${SUMMARY_CHANGED_CHANNEL}`)
  const pool = testPool(t, url)
  const client = await pool.connect()
  await client.query('BEGIN')
  await client.query('INSERT INTO sensor_variable_summary VALUES (1, \'x\', 1, now(), now(), 1, \'C\')')
  await client.query('ROLLBACK')
  client.release()
  await pool.query('INSERT INTO sensor_variable_summary VALUES (2, \'x\', 1, now(), now(), 1, \'C\')')
  await until(() => payloads.length === 1, 5000, 'the committed change\'s notification')
  t.same(payloads, ['2'])
})
