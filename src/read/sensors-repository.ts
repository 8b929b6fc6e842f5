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
 * A summary read, and whether deltas not yet folded into the summary were pending when it was
 * taken (or it found nothing, which a pending delta could change): then it may miss readings.
 */
export interface SummaryRead<T> {
  value: T
  pending: boolean
}

// In the same snapshot as the read it is part of: no pending delta means the summary was exact.
const PENDING = 'EXISTS (SELECT FROM sensor_summary_deltas) AS summary_pending'

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
SELECT ${SENSOR_TOTALS}, array_agg(variable ORDER BY variable) AS variables, ${PENDING}
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
  ) ORDER BY variable) AS variables,
  ${PENDING}
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
  ), '[]') AS sensors,
  ${PENDING}`

/** Fleet questions answered from sensor_variable_summary alone. */
export class SensorsRepository {
  private readonly names = new StatementNames()

  constructor (private readonly pool: Pool) {}

  /** Sensors with an id above `afterSensorId`, by id, at most `limit`. */
  async list (afterSensorId: number, limit: number): Promise<SummaryRead<SensorListItem[]>> {
    const rows = await this.query<SensorListItem & Pending>('sensors-list', LIST_SQL, [afterSensorId, limit])
    return { value: rows.map(withoutPending), pending: pendingIn(rows) }
  }

  async find (sensorId: number): Promise<SummaryRead<SensorDetail | undefined>> {
    const rows = await this.query<SensorDetail & Pending>('sensor-detail', DETAIL_SQL, [sensorId])
    return { value: rows.length === 0 ? undefined : withoutPending(rows[0]!), pending: pendingIn(rows) }
  }

  /** Sensors whose newest reading is older than `before`, longest silent first, at most `limit` of them. */
  async silent (before: Date, limit: number): Promise<SummaryRead<SilentFleet>> {
    const rows = await this.query<SilentFleet & Pending>('sensors-silent', SILENT_SQL, [before, limit])
    return { value: withoutPending(rows[0]!), pending: pendingIn(rows) }
  }

  private async query<R extends QueryResultRow> (name: string, text: string, values: unknown[]): Promise<R[]> {
    const { rows } = await this.pool.query<R>({ name: await this.names.of(name, this.pool), text, values })
    return rows
  }
}

interface Pending {
  summary_pending: boolean
}

/** No row (which a pending delta could change) counts as pending. */
function pendingIn (rows: readonly Pending[]): boolean {
  return rows.length === 0 || rows[0]!.summary_pending
}

function withoutPending<T> ({ summary_pending: _, ...row }: T & Pending): T {
  return row as T
}
