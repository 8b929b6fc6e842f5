import type { Pool, QueryResultRow } from 'pg'
import { StatementNames } from '../db/pglite.js'
import { isoUtc } from '../db/sql.js'

export interface SensorSummary {
  sensor_id: number
  first_seen: string
  last_seen: string
  reading_count: number
  /** Seconds between readings (see README); null until some variable has two readings. */
  mean_interval_s: number | null
}

export interface VariableSummary {
  variable: string
  reading_count: number
  first_seen: string
  last_seen: string
  latest: { timestamp: string, value: number, unit: string }
}

export interface SensorListItem extends SensorSummary {
  variables: string[]
}

export interface SensorDetail extends SensorSummary {
  variables: VariableSummary[]
}

export interface SilentSensor {
  sensor_id: number
  last_seen: string
}

export interface SilentFleet {
  silent: number
  total: number
  sensors: SilentSensor[]
}

/**
 * Deltas not yet folded into the summary when a read was taken: the newest of them (`through`,
 * a delta id); on a read that was given a horizon, also what they hold of the readings stored
 * before it, and when the oldest of them was stored.
 */
export interface PendingDeltas {
  through: string
  as_of?: string
  readings?: number
}

/** A summary read, and the deltas that were pending in its snapshot (none: the summary was exact). */
export interface SummaryRead<T> {
  value: T
  pending: PendingDeltas | undefined
}

// In the same snapshot as the read it is part of. The first read of a request asks for the newest
// pending delta only (one index probe, whatever the backlog)...
const PENDING_FIRST = '(SELECT json_build_object(\'through\', id::text) FROM sensor_summary_deltas ORDER BY id DESC LIMIT 1)'
// ...and the read again after a fold, for what is still pending of those it saw (up to its
// horizon, the parameter `h`), which it answers with when some are.
const PENDING_THROUGH = (h: string) => `(
  SELECT json_build_object('through', max(id)::text, 'as_of', ${isoUtc('min(created_at)')}, 'readings', sum(n_readings))
  FROM sensor_summary_deltas WHERE id <= ${h}::int8 HAVING count(*) > 0)`

/**
 * A read of the summary with what was pending in its snapshot, as one statement: one row per row
 * of `query` (in `order`), or a single row of NULLs but \`pending\` when it found none.
 */
const withPending = (query: string, pending: string, order = '') => `
SELECT found.*, ${pending} AS pending
FROM (SELECT) one LEFT JOIN LATERAL (${query}) found ON true ${order}`

// One sensor's totals, aggregated over its rows in sensor_variable_summary. The mean interval
// divides the sensor's time span by the readings of its most frequent variable (less one): the
// number of distinct reading times whenever the other variables are read at those same times.
const SENSOR_TOTALS = `
  sensor_id,
  ${isoUtc('min(first_seen)')} AS first_seen,
  ${isoUtc('max(last_seen)')} AS last_seen,
  sum(reading_count)::float8 AS reading_count,
  (extract(epoch FROM max(last_seen) - min(first_seen)) / nullif(max(reading_count) - 1, 0))::float8 AS mean_interval_s`

const LIST_SQL = `
SELECT ${SENSOR_TOTALS}, array_agg(variable ORDER BY variable) AS variables
FROM sensor_variable_summary
WHERE sensor_id > $1
GROUP BY sensor_id
ORDER BY sensor_id
LIMIT $2`

const DETAIL_SQL = `
SELECT ${SENSOR_TOTALS},
  json_agg(json_build_object(
    'variable', variable,
    'reading_count', reading_count,
    'first_seen', ${isoUtc('first_seen')},
    'last_seen', ${isoUtc('last_seen')},
    'latest', json_build_object('timestamp', ${isoUtc('last_seen')}, 'value', latest_value, 'unit', latest_unit)
  ) ORDER BY variable) AS variables
FROM sensor_variable_summary
WHERE sensor_id = $1
GROUP BY sensor_id`

// per_sensor is materialised once and read three times: one pass over the summary, none over readings.
const SILENT_SQL = `
WITH per_sensor AS MATERIALIZED (
  SELECT sensor_id, max(last_seen) AS last_seen FROM sensor_variable_summary GROUP BY sensor_id
)
SELECT
  (SELECT count(*) FROM per_sensor)::int4 AS total,
  (SELECT count(*) FROM per_sensor WHERE last_seen < $1)::int4 AS silent,
  coalesce((
    SELECT json_agg(json_build_object('sensor_id', sensor_id, 'last_seen', ${isoUtc('last_seen')}) ORDER BY last_seen, sensor_id)
    FROM (SELECT sensor_id, last_seen FROM per_sensor WHERE last_seen < $1 ORDER BY last_seen, sensor_id LIMIT $2) oldest
  ), '[]') AS sensors`

/** Fleet questions answered from sensor_variable_summary alone. */
export class SensorsRepository {
  private readonly names = new StatementNames()

  constructor (private readonly pool: Pool) {}

  /**
   * Sensors with an id above `afterSensorId`, by id, at most `limit`. Every read takes `horizon`:
   * absent on a request's first read; the `through` of the first read's pending deltas on the
   * read again after a fold.
   */
  async list (afterSensorId: number, limit: number, horizon?: string): Promise<SummaryRead<SensorListItem[]>> {
    const rows = await this.read<SensorListItem>('sensors-list', LIST_SQL, [afterSensorId, limit], horizon, 'ORDER BY found.sensor_id')
    return { value: rows.filter(found).map(withoutPending), pending: pendingIn(rows) }
  }

  async find (sensorId: number, horizon?: string): Promise<SummaryRead<SensorDetail | undefined>> {
    const rows = await this.read<SensorDetail>('sensor-detail', DETAIL_SQL, [sensorId], horizon)
    return { value: found(rows[0]!) ? withoutPending(rows[0]!) : undefined, pending: pendingIn(rows) }
  }

  /** Sensors whose newest reading is older than `before`, longest silent first, at most `limit` of them. */
  async silent (before: Date, limit: number, horizon?: string): Promise<SummaryRead<SilentFleet>> {
    const rows = await this.read<SilentFleet>('sensors-silent', SILENT_SQL, [before, limit], horizon)
    return { value: withoutPending(rows[0]!), pending: pendingIn(rows) }
  }

  private read<R extends QueryResultRow> (name: string, query: string, values: unknown[], horizon: string | undefined, order = ''): Promise<Array<R & Pending>> {
    return readSummary<R>(this.pool, this.names, name, query, values, horizon, order)
  }
}

/** `query` on the summary, with what was pending in its snapshot (see withPending); `horizon` as in SensorsRepository.list. */
export async function readSummary<R extends QueryResultRow> (pool: Pool, names: StatementNames, name: string, query: string, values: unknown[], horizon: string | undefined, order = ''): Promise<Array<R & Pending>> {
  const text = horizon === undefined
    ? withPending(query, PENDING_FIRST, order)
    : withPending(query, PENDING_THROUGH(`$${values.length + 1}`), order)
  const params = horizon === undefined ? values : [...values, horizon]
  const statement = `${name}${horizon === undefined ? '' : '-again'}`
  const { rows } = await pool.query<R & Pending>({ name: await names.of(statement, pool), text, values: params })
  return rows
}

export interface Pending {
  pending: PendingDeltas | null
}

/** A row of the wrapped query, not the row of NULLs standing for none. */
const found = (row: { sensor_id?: number | null } & Pending): boolean => row.sensor_id !== null

export function pendingIn (rows: readonly Pending[]): PendingDeltas | undefined {
  return rows[0]?.pending ?? undefined
}

export function withoutPending<T> ({ pending: _, ...row }: T & Pending): T {
  return row as T
}
