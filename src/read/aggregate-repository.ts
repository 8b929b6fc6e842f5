import type { Pool } from 'pg'
import { StatementNames } from '../db/pglite.js'
import { isoUtc } from '../db/sql.js'
import { isoUtcFromParts, type ParsedTimestamp } from '../ingest/timestamp.js'

export type Instant = Pick<ParsedTimestamp, 'epochMs' | 'microsInMs'>

export interface AggregateBucket {
  /** ISO 8601 UTC with microseconds: the bucket's start, aligned on the epoch. */
  start: string
  count: number
  min: number
  max: number
  avg: number
  /** The values at the bucket's earliest and latest timestamp within the range. */
  first: number
  last: number
}

export interface IngestBucket {
  start: string
  count: number
}

export interface AggregateQuery {
  sensorId: number
  variable: string
  /** [from, to) */
  from: Instant
  to: Instant
  bucketSeconds: number
}

export interface IngestQuery {
  from: Instant
  to: Instant
  bucketSeconds: number
}

/** [from, to), empty when from = to. */
type Span = readonly [Instant, Instant]

/** Where each part of a range is read from: raw readings at the edges, rollups for whole minutes and hours. */
export interface AggregatePlan {
  raw: [Span, Span]
  minutes: [Span, Span]
  hours: Span
}

const MINUTE_MS = 60_000
const HOUR_MS = 3600_000

const micros = (t: Instant): number => t.epochMs * 1000 + t.microsInMs
const before = (a: Instant, b: Instant): boolean => micros(a) < micros(b)
const floorTo = (t: Instant, unitMs: number): Instant => ({ epochMs: Math.floor(t.epochMs / unitMs) * unitMs, microsInMs: 0 })
const ceilTo = (t: Instant, unitMs: number): Instant => {
  const floor = floorTo(t, unitMs)
  return floor.epochMs === t.epochMs && t.microsInMs === 0 ? floor : { epochMs: floor.epochMs + unitMs, microsInMs: 0 }
}

/**
 * Splits [from, to) into whole hours (when buckets are hours or wider, so an hour never straddles
 * two buckets), whole minutes around them, and the partial minutes at either end, read raw.
 */
export function planAggregate (from: Instant, to: Instant, bucketSeconds: number): AggregatePlan {
  const none: Span = [to, to]
  const minuteFrom = ceilTo(from, MINUTE_MS)
  const minuteTo = floorTo(to, MINUTE_MS)
  if (!before(minuteFrom, minuteTo)) return { raw: [[from, to], none], minutes: [none, none], hours: none }
  const raw: [Span, Span] = [[from, minuteFrom], [minuteTo, to]]
  const hourFrom = ceilTo(minuteFrom, HOUR_MS)
  const hourTo = floorTo(minuteTo, HOUR_MS)
  if (bucketSeconds < 3600 || !before(hourFrom, hourTo)) return { raw, minutes: [[minuteFrom, minuteTo], none], hours: none }
  return { raw, minutes: [[minuteFrom, hourFrom], [hourTo, minuteTo]], hours: [hourFrom, hourTo] }
}

const BUCKET = (column: string, seconds: string) => `date_bin(${seconds} * interval '1 second', ${column}, timestamptz 'epoch')`
const ROLLUP = (table: string, from: string, to: string) => `
  SELECT first_ts, first_value, last_ts, last_value, reading_count, min_value, max_value, sum_value
  FROM ${table}
  WHERE sensor_id = $1 AND variable = $2 AND bucket >= ${from}::timestamptz AND bucket < ${to}::timestamptz`
const RAW = (from: string, to: string) => `
  SELECT ts, value, ts, value, 1::int8, value, value, value
  FROM readings
  WHERE sensor_id = $1 AND variable = $2 AND ts >= ${from}::timestamptz AND ts < ${to}::timestamptz`

// One statement, so one snapshot: a fold deletes deltas and adds them to the rollups in one
// commit, so each reading is counted once, from the rollups or from its pending delta. Every part
// is a range of a primary key with both ends bounded: (sensor_id, ts, variable) of readings, only
// for the partial minutes at the ends (on a table partitioned by ts, only the partitions in
// range); (sensor_id, variable, bucket) of the rollups. Pending deltas are the few flushes of
// about the last second that no fold has taken yet (the whole table is read, its arrays only
// for rows holding the sensor).
const AGGREGATE_SQL = `
WITH parts (first_ts, first_value, last_ts, last_value, n, min_value, max_value, sum_value) AS (
  ${RAW('$3', '$4')}
  UNION ALL ${RAW('$5', '$6')}
  UNION ALL ${ROLLUP('reading_rollups_minute', '$7', '$8')}
  UNION ALL ${ROLLUP('reading_rollups_minute', '$9', '$10')}
  UNION ALL ${ROLLUP('reading_rollups_hour', '$11', '$12')}
  UNION ALL
  SELECT first_ts, coalesce(first_value, last_value), last_ts, last_value, n,
    coalesce(min_value, last_value), coalesce(max_value, last_value), coalesce(sum_value, last_value * n)
  FROM (
    SELECT unnest(sensor_ids) AS sensor_id, unnest(variables) AS variable, unnest(reading_counts) AS n,
      unnest(first_seen) AS first_ts, unnest(last_seen) AS last_ts, unnest(latest_values) AS last_value,
      unnest(min_values) AS min_value, unnest(max_values) AS max_value, unnest(sum_values) AS sum_value, unnest(first_values) AS first_value
    FROM sensor_summary_deltas
    WHERE sensor_ids @> ARRAY[$1::int4]
  ) pending
  WHERE sensor_id = $1 AND variable = $2 AND (
    (first_ts >= $7::timestamptz AND first_ts < $8::timestamptz) OR
    (first_ts >= $9::timestamptz AND first_ts < $10::timestamptz) OR
    (first_ts >= $11::timestamptz AND first_ts < $12::timestamptz))
)
SELECT ${isoUtc('bucket')} AS start, sum(n)::float8 AS count, min(min_value) AS min, max(max_value) AS max,
  sum(sum_value) / sum(n) AS avg,
  (array_agg(first_value ORDER BY first_ts))[1] AS first, (array_agg(last_value ORDER BY last_ts DESC))[1] AS last
FROM (SELECT ${BUCKET('first_ts', '$13::int4')} AS bucket, * FROM parts) p
GROUP BY bucket
ORDER BY bucket`

// Every bucket from from's to to's, each whole: minutes of arrival from the rollup, plus the
// pending deltas (their created_at is their readings' received_at), in one snapshot.
const INGEST_SQL = `
WITH bounds AS (
  SELECT ${BUCKET('$1::timestamptz', '$3::int4')} AS lo,
    ${BUCKET("$2::timestamptz - interval '1 microsecond'", '$3::int4')} + $3::int4 * interval '1 second' AS hi
), minutes (bucket, n) AS (
  SELECT bucket, reading_count FROM ingest_rollups_minute
  WHERE bucket >= (SELECT lo FROM bounds) AND bucket < (SELECT hi FROM bounds)
  UNION ALL
  SELECT created_at, n_readings FROM sensor_summary_deltas
  WHERE created_at >= (SELECT lo FROM bounds) AND created_at < (SELECT hi FROM bounds)
), counted AS (
  SELECT ${BUCKET('bucket', '$3::int4')} AS bucket, sum(n) AS n FROM minutes GROUP BY 1
)
SELECT ${isoUtc('g')} AS start, coalesce(counted.n, 0)::float8 AS count
FROM generate_series((SELECT lo FROM bounds), $2::timestamptz - interval '1 microsecond', $3::int4 * interval '1 second') g
LEFT JOIN counted ON counted.bucket = g
ORDER BY g`

const text = (t: Instant): string => isoUtcFromParts(t.epochMs, t.microsInMs)

/** Aggregated reads from the rollups (migration 1733100000000), raw readings at the edges and pending deltas. */
export class AggregateRepository {
  private readonly names = new StatementNames()

  constructor (private readonly pool: Pool) {}

  async aggregate (q: AggregateQuery): Promise<AggregateBucket[]> {
    const plan = planAggregate(q.from, q.to, q.bucketSeconds)
    const spans = [...plan.raw, ...plan.minutes, plan.hours].flatMap(([from, to]) => [text(from), text(to)])
    const { rows } = await this.pool.query<AggregateBucket>({
      name: await this.names.of('readings-aggregate', this.pool),
      text: AGGREGATE_SQL,
      values: [q.sensorId, q.variable, ...spans, q.bucketSeconds]
    })
    return rows
  }

  async ingest (q: IngestQuery): Promise<IngestBucket[]> {
    const { rows } = await this.pool.query<IngestBucket>({
      name: await this.names.of('stats-ingest', this.pool),
      text: INGEST_SQL,
      values: [text(q.from), text(q.to), q.bucketSeconds]
    })
    return rows
  }
}
