import type { Pool } from 'pg'
import { isoUtc } from '../db/sql.js'

export interface AggregateBucket {
  /** ISO 8601 UTC with microseconds: the bucket's start, aligned on the epoch. */
  start: string
  count: number
  min: number
  max: number
  avg: number
  /** The value at the bucket's earliest and latest timestamp within the range. */
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
  /** [from, to): ISO text PostgreSQL parses exactly. */
  from: string
  to: string
  bucketSeconds: number
}

export interface IngestQuery {
  from: string
  to: string
  bucketSeconds: number
}

const BUCKET = (column: string, seconds: string) => `date_bin(${seconds} * interval '1 second', ${column}, timestamptz 'epoch')`

// A range of the primary key (sensor_id, ts, variable): sensor_id fixed, ts bounded on both
// sides, so on a table partitioned by ts only the partitions in range are read.
const AGGREGATE_SQL = `
SELECT ${isoUtc('bucket')} AS start, count(*)::float8 AS count, min(value) AS min, max(value) AS max,
  avg(value) AS avg,
  (array_agg(value ORDER BY ts))[1] AS first, (array_agg(value ORDER BY ts DESC))[1] AS last
FROM (
  SELECT ${BUCKET('ts', '$5::int4')} AS bucket, ts, value
  FROM readings
  WHERE sensor_id = $1 AND variable = $2 AND ts >= $3::timestamptz AND ts < $4::timestamptz
) r
GROUP BY bucket
ORDER BY bucket`

// Every bucket from from's to to's, counting readings by arrival (received_at).
const INGEST_SQL = `
WITH counted AS (
  SELECT ${BUCKET('received_at', '$3::int4')} AS bucket, count(*) AS n
  FROM readings
  WHERE received_at >= ${BUCKET('$1::timestamptz', '$3::int4')} AND received_at < $2::timestamptz
  GROUP BY 1
)
SELECT ${isoUtc('g')} AS start, coalesce(counted.n, 0)::float8 AS count
FROM generate_series(${BUCKET('$1::timestamptz', '$3::int4')}, $2::timestamptz - interval '1 microsecond', $3::int4 * interval '1 second') g
LEFT JOIN counted ON counted.bucket = g
ORDER BY g`

/** Aggregated reads of readings. */
export class AggregateRepository {
  constructor (private readonly pool: Pool) {}

  async aggregate (q: AggregateQuery): Promise<AggregateBucket[]> {
    const { rows } = await this.pool.query<AggregateBucket>(AGGREGATE_SQL, [q.sensorId, q.variable, q.from, q.to, q.bucketSeconds])
    return rows
  }

  async ingest (q: IngestQuery): Promise<IngestBucket[]> {
    const { rows } = await this.pool.query<IngestBucket>(INGEST_SQL, [q.from, q.to, q.bucketSeconds])
    return rows
  }
}
