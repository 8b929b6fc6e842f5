import t from 'tap'
import type { Pool, QueryConfig } from 'pg'
import { FleetRepository } from '../../src/read/fleet-repository.js'
import { ReadingsQueryRepository } from '../../src/read/readings-repository.js'
import { SensorsRepository } from '../../src/read/sensors-repository.js'
import { freshDatabase } from '../helpers/database.js'
import { testPool } from '../helpers/build.js'
import { explain, partitionParents, partitionsRead, scans } from '../helpers/explain.js'

/**
 * A pool for the repositories that plans each query (EXPLAIN, with the repository's own SQL and
 * parameters) before running it, collecting the scans it uses; a query of no table (the
 * repository asking which server it talks to) passes through.
 */
function explaining (pool: Pool, plans: string[][], partitions: string[][] = []): Pool {
  return {
    async query (query: string | QueryConfig, params?: unknown[]) {
      const { text, values } = typeof query === 'string' ? { text: query, values: params } : query
      if (!/\bFROM\b/i.test(text)) return pool.query(text, values)
      // A scan of a partition of readings counts as one of readings.
      const [plan, parents] = [await explain(pool, text, values), await partitionParents(pool)]
      plans.push(scans(plan, parents))
      partitions.push(partitionsRead(plan, parents, 'readings'))
      return pool.query(text, values)
    }
  } as unknown as Pool
}

// Realistic statistics: 400 sensors x 2 variables x 50 readings, analysed, so the planner picks
// the plan it would pick in production rather than a seq scan of a tiny table.
t.test('the read queries never scan the readings table sequentially', async (t) => {
  const db = await freshDatabase(t)
  const pool = testPool(t, db.url)
  await pool.query(`
    INSERT INTO readings (sensor_id, ts, variable, value, unit)
    SELECT s, timestamptz '2024-05-01T00:00:00Z' + i * interval '10 s', v, i, 'u'
    FROM generate_series(1, 400) s, generate_series(1, 50) i, unnest(ARRAY['humidity', 'temperature']) v`)
  await pool.query(`
    INSERT INTO sensor_variable_summary
    SELECT sensor_id, variable, count(*), min(ts), max(ts), 0, 'u' FROM readings GROUP BY sensor_id, variable`)
  await pool.query('ANALYZE readings')
  await pool.query('ANALYZE sensor_variable_summary')

  const plans: string[][] = []
  const sensors = new SensorsRepository(explaining(pool, plans))
  await sensors.list(-1, 101)
  await sensors.list(200, 101)
  await sensors.find(17)
  await sensors.silent(new Date('2024-05-01T00:05:00Z'), 100)

  t.equal(plans.length, 4)
  for (const plan of plans) t.same(plan.filter((scan) => scan.endsWith(' on readings')), [], `touches no readings: ${plan.join(', ')}`)

  plans.length = 0
  const fleet = new FleetRepository(explaining(pool, plans))
  await fleet.latest('temperature', -1, 10_001, undefined)
  await fleet.latest('temperature', 100, 10_001, [[1, 500], [731, 731]])
  await fleet.lastSeen(-1, 10_001, undefined)
  await fleet.lastSeenPerVariable({ sensor_id: -1, variable: '' }, 50_001, undefined)
  t.equal(plans.length, 4)
  for (const plan of plans) t.same(plan.filter((scan) => scan.endsWith(' on readings')), [], `fleet read touches no readings: ${plan.join(', ')}`)

  plans.length = 0
  const readings = new ReadingsQueryRepository(explaining(pool, plans))
  await readings.newestFirst({ sensorId: 17 }, 101)
  await readings.newestFirst({ sensorId: 17, variable: 'humidity' }, 101)
  await readings.newestFirst({ sensorId: 17, from: '2024-05-01T00:01:00Z', to: '2024-05-01T00:05:00Z' }, 101)
  await readings.newestFirst({ sensorId: 17, after: { ts: '2024-05-01T00:04:00.000000Z', variable: 'humidity' } }, 101)
  t.equal(plans.length, 4)
  for (const plan of plans) {
    t.notOk(plan.includes('Seq Scan on readings'), plan.join(', '))
    t.ok(plan.some((scan) => /^Index (Only )?Scan on readings$/.test(scan)), `a range of the primary key: ${plan.join(', ')}`)
  }
})

t.test('a read over a time range reads only the partitions of that range', async (t) => {
  const db = await freshDatabase(t)
  const pool = testPool(t, db.url)
  for (const day of ['2024-04-30', '2024-05-01', '2024-05-02']) {
    await pool.query('SELECT create_readings_partition($1, $2)', [`${day}T00:00:00Z`, new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000)])
  }
  await pool.query(`
    INSERT INTO readings (sensor_id, ts, variable, value, unit)
    SELECT s, timestamptz '2024-04-30T00:00:00Z' + i * interval '1 min', 'temperature', i, 'u'
    FROM generate_series(1, 50) s, generate_series(0, 3 * 1440 - 1) i`)
  await pool.query('ANALYZE readings')

  const plans: string[][] = []
  const partitions: string[][] = []
  const readings = new ReadingsQueryRepository(explaining(pool, plans, partitions))
  await readings.newestFirst({ sensorId: 17, from: '2024-05-01T01:00:00Z', to: '2024-05-01T02:00:00Z' }, 101)
  t.same(partitions, [['readings_p20240501_000000']], 'one day of three, pruned when planned')
  t.notOk(plans[0]!.includes('Seq Scan on readings'), plans[0]!.join(', '))
})

t.test('a first read finds pending deltas with one probe of the delta table\'s key, whatever the backlog', async (t) => {
  const db = await freshDatabase(t)
  const pool = testPool(t, db.url)
  await pool.query(`
    INSERT INTO sensor_summary_deltas (sensor_ids, variables, reading_counts, first_seen, last_seen, latest_values, latest_units)
    SELECT ARRAY[i], ARRAY['temperature'], ARRAY[1::int8], ARRAY[now()], ARRAY[now()], ARRAY[1::float8], ARRAY['C']
    FROM generate_series(1, 20000) i`)
  await pool.query('ANALYZE sensor_summary_deltas')
  const plans: string[][] = []
  const sensors = new SensorsRepository(explaining(pool, plans))
  await sensors.list(-1, 101)
  await sensors.find(17)
  await sensors.silent(new Date(), 100)
  await new FleetRepository(explaining(pool, plans)).lastSeen(-1, 10_001, undefined)
  // A read again, after a fold reached its horizon (an early delta here), sums what is left below it.
  await sensors.find(17, '10')
  t.equal(plans.length, 5)
  for (const plan of plans) {
    t.notOk(plan.includes('Seq Scan on sensor_summary_deltas'), plan.join(', '))
    t.ok(plan.some((scan) => /^Index (Only )?Scan on sensor_summary_deltas$/.test(scan)), `by its key: ${plan.join(', ')}`)
  }
})
