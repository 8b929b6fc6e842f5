import t, { type Test } from 'tap'
import type { Pool, QueryConfig } from 'pg'
import { AggregateRepository } from '../../src/read/aggregate-repository.js'
import { parseTimestamp } from '../../src/ingest/timestamp.js'
import { freshDatabase } from '../helpers/database.js'
import { testPool } from '../helpers/build.js'

type PlanNode = { 'Node Type': string, 'Relation Name'?: string, 'Index Cond'?: string, 'Recheck Cond'?: string, Plans?: PlanNode[] }

interface Scan {
  /** "Index Scan on reading_rollups_minute", ... */
  scan: string
  relation: string
  /** Its index condition (a bitmap scan's: what it rechecks). */
  cond: string
}

function scans (node: PlanNode): Scan[] {
  const own = node['Relation Name'] === undefined
    ? []
    : [{ scan: `${node['Node Type']} on ${node['Relation Name']}`, relation: node['Relation Name'], cond: node['Index Cond'] ?? node['Recheck Cond'] ?? '' }]
  return [...own, ...(node.Plans ?? []).flatMap(scans)]
}

/** A pool that plans each query (EXPLAIN, with the repository's own SQL and parameters) before running it. */
function explaining (pool: Pool, plans: Scan[][]): Pool {
  return {
    async query (query: string | QueryConfig, params?: unknown[]) {
      const { text, values } = typeof query === 'string' ? { text: query, values: params } : query
      if (!/\bFROM\b/i.test(text)) return pool.query(text, values)
      const { rows } = await pool.query(`EXPLAIN (FORMAT JSON) ${text}`, values)
      plans.push(scans(rows[0]['QUERY PLAN'][0].Plan))
      return pool.query(text, values)
    }
  } as unknown as Pool
}

const at = (iso: string) => {
  const parsed = parseTimestamp(iso)
  if (!parsed.ok) throw new Error(iso)
  return parsed.value
}

// 200 sensors x 2 variables, a reading every 30 s for 6 hours (288,000), rolled up, and 30 days of
// ingest minutes, analysed, so the planner picks what it would pick in production rather than a
// seq scan of a tiny table.
async function seeded (t: Test) {
  const db = await freshDatabase(t)
  const pool = testPool(t, db.url)
  await pool.query(`
    INSERT INTO readings (sensor_id, ts, variable, value, unit)
    SELECT s, timestamptz '2024-05-01T00:00:00Z' + i * interval '30 s', v, i, 'u'
    FROM generate_series(1, 200) s, generate_series(0, 6 * 120 - 1) i, unnest(ARRAY['humidity', 'temperature']) v`)
  await pool.query('SELECT rebuild_reading_rollups()')
  await pool.query(`
    INSERT INTO ingest_rollups_minute
    SELECT date_bin(interval '1 minute', now(), timestamptz 'epoch') - i * interval '1 minute', 1000 FROM generate_series(1, 30 * 1440) i ON CONFLICT DO NOTHING`)
  await pool.query('ANALYZE')
  return pool
}

const ranges: Array<[string, string, number]> = [
  ['2024-05-01T00:00:00Z', '2024-05-01T06:00:00Z', 300],
  ['2024-05-01T00:00:30Z', '2024-05-01T05:59:30.5Z', 3600],
  ['2024-05-01T01:10:20Z', '2024-05-01T01:10:50Z', 60],
  ['2024-04-01T00:00:00Z', '2024-05-01T06:00:00Z', 86400]
]

t.test('aggregates read rollups and the key of readings for bounded ts ranges, never a scan of all readings', async (t) => {
  const pool = await seeded(t)
  const plans: Scan[][] = []
  const repository = new AggregateRepository(explaining(pool, plans))
  for (const [from, to, bucketSeconds] of ranges) {
    const buckets = await repository.aggregate({ sensorId: 17, variable: 'temperature', from: at(from), to: at(to), bucketSeconds })
    t.ok(buckets.length > 0, `${from}..${to} answers`)
  }
  t.equal(plans.length, ranges.length)
  for (const plan of plans) {
    const text = plan.map((s) => `${s.scan} (${s.cond})`).join(', ')
    t.notOk(plan.some((s) => s.scan.startsWith('Seq Scan') && s.relation !== 'sensor_summary_deltas'), `no seq scan but of the pending deltas: ${text}`)
    for (const s of plan.filter((s) => s.relation === 'readings')) {
      t.match(s.scan, /^(Index|Index Only|Bitmap Heap) Scan/, text)
      t.match(s.cond, /sensor_id = /, 'one sensor')
      t.match(s.cond, /ts >= /, 'ts bounded below')
      t.match(s.cond, /ts < /, 'ts bounded above')
    }
    for (const s of plan.filter((s) => s.relation.startsWith('reading_rollups_'))) {
      t.match(s.scan, /^Index (Only )?Scan/, text)
      t.match(s.cond, /bucket >= .*bucket < /s, 'a bounded range of buckets')
    }
  }
  t.ok(plans.some((plan) => plan.some((s) => s.relation === 'reading_rollups_minute')), 'whole minutes from the minute rollup')
  t.ok(plans.some((plan) => plan.some((s) => s.relation === 'reading_rollups_hour')), 'whole hours from the hour rollup')
})

t.test('ingest stats read a bounded range of the per-minute rollup', async (t) => {
  const pool = await seeded(t)
  const plans: Scan[][] = []
  const repository = new AggregateRepository(explaining(pool, plans))
  const now = Date.now()
  await repository.ingest({ from: { epochMs: now - 86400_000, microsInMs: 0 }, to: { epochMs: now, microsInMs: 0 }, bucketSeconds: 60 })
  const plan = plans[0]!
  const text = plan.map((s) => `${s.scan} (${s.cond})`).join(', ')
  t.notOk(plan.some((s) => s.relation === 'readings'), `no readings: ${text}`)
  t.ok(plan.some((s) => s.relation === 'ingest_rollups_minute'), text)
  for (const s of plan.filter((s) => s.relation === 'ingest_rollups_minute')) {
    t.match(s.scan, /Index/, text)
    t.match(s.cond, /bucket >= .*bucket < /s, 'a bounded range of minutes')
  }
})

// What partitioning readings by ts (issue 15, part A) will meet: the raw edges prune to the
// partitions holding them.
t.test('on readings partitioned by ts, the raw edges read only the partitions in range', async (t) => {
  const db = await freshDatabase(t)
  const pool = testPool(t, db.url)
  await pool.query(`
    ALTER TABLE readings RENAME TO readings_unpartitioned;
    CREATE TABLE readings (LIKE readings_unpartitioned INCLUDING DEFAULTS, PRIMARY KEY (sensor_id, ts, variable)) PARTITION BY RANGE (ts);
    CREATE TABLE readings_20240430 PARTITION OF readings FOR VALUES FROM ('2024-04-30T00:00:00Z') TO ('2024-05-01T00:00:00Z');
    CREATE TABLE readings_20240501 PARTITION OF readings FOR VALUES FROM ('2024-05-01T00:00:00Z') TO ('2024-05-02T00:00:00Z');
    CREATE TABLE readings_20240502 PARTITION OF readings FOR VALUES FROM ('2024-05-02T00:00:00Z') TO ('2024-05-03T00:00:00Z');
    INSERT INTO readings (sensor_id, ts, variable, value, unit)
    SELECT s, timestamptz '2024-04-30T00:00:00Z' + i * interval '60 s', 'temperature', i, 'u'
    FROM generate_series(1, 50) s, generate_series(0, 3 * 1440 - 1) i;
    ANALYZE readings`)
  const plans: Scan[][] = []
  const repository = new AggregateRepository(explaining(pool, plans))
  await repository.aggregate({ sensorId: 7, variable: 'temperature', from: at('2024-05-01T10:00:30Z'), to: at('2024-05-01T11:59:30Z'), bucketSeconds: 300 })
  const partitions = plans[0]!.filter((s) => s.relation.startsWith('readings_')).map((s) => s.relation)
  t.ok(partitions.length > 0, 'reads the edges')
  t.same([...new Set(partitions)], ['readings_20240501'], `only the partition in range: ${partitions.join(', ')}`)
})
