import type { Pool } from 'pg'
import { StatementNames } from '../db/pglite.js'
import { isoUtc } from '../db/sql.js'
import { pendingIn, readSummary, withoutPending, type SummaryRead } from './sensors-repository.js'

/** Inclusive id ranges; undefined: every sensor. */
export type SensorRanges = Array<[number, number]> | undefined

/** One variable's latest reading per sensor, as parallel arrays (one entry per sensor, by id). */
export interface LatestColumns {
  sensor_ids: number[]
  values: number[]
  units: string[]
  timestamps: string[]
}

/** The newest reading time per sensor (or per sensor and variable), as parallel arrays. */
export interface LastSeenColumns {
  sensor_ids: number[]
  variables?: string[]
  last_seen: string[]
}

// A sensor filter as two parallel arrays of bounds; NULL: every sensor.
const inRanges = (lows: string, highs: string) =>
  `(${lows}::int4[] IS NULL OR EXISTS (SELECT 1 FROM unnest(${lows}::int4[], ${highs}::int4[]) r(lo, hi) WHERE sensor_id BETWEEN r.lo AND r.hi))`

// The page's rows folded into one row of JSON arrays, so 10,000 sensors are one row to parse.
const LATEST_SQL = `
SELECT
  coalesce(json_agg(sensor_id ORDER BY sensor_id), '[]') AS sensor_ids,
  coalesce(json_agg(latest_value ORDER BY sensor_id), '[]') AS values,
  coalesce(json_agg(latest_unit ORDER BY sensor_id), '[]') AS units,
  coalesce(json_agg(${isoUtc('last_seen')} ORDER BY sensor_id), '[]') AS timestamps
FROM (
  SELECT sensor_id, latest_value, latest_unit, last_seen FROM sensor_variable_summary
  WHERE variable = $1 AND sensor_id > $2 AND ${inRanges('$4', '$5')}
  ORDER BY sensor_id LIMIT $3
) page`

const LAST_SEEN_SQL = `
SELECT
  coalesce(json_agg(sensor_id ORDER BY sensor_id), '[]') AS sensor_ids,
  coalesce(json_agg(${isoUtc('last_seen')} ORDER BY sensor_id), '[]') AS last_seen
FROM (
  SELECT sensor_id, max(last_seen) AS last_seen FROM sensor_variable_summary
  WHERE sensor_id > $1 AND ${inRanges('$3', '$4')}
  GROUP BY sensor_id ORDER BY sensor_id LIMIT $2
) page`

const LAST_SEEN_PER_VARIABLE_SQL = `
SELECT
  coalesce(json_agg(sensor_id ORDER BY sensor_id, variable), '[]') AS sensor_ids,
  coalesce(json_agg(variable ORDER BY sensor_id, variable), '[]') AS variables,
  coalesce(json_agg(${isoUtc('last_seen')} ORDER BY sensor_id, variable), '[]') AS last_seen
FROM (
  SELECT sensor_id, variable, last_seen FROM sensor_variable_summary
  WHERE (sensor_id, variable) > ($1, $2) AND ${inRanges('$4', '$5')}
  ORDER BY sensor_id, variable LIMIT $3
) page`

/** Whole-fleet columns for the watchdog, from sensor_variable_summary alone (never `readings`). */
export class FleetRepository {
  private readonly names = new StatementNames()

  constructor (private readonly pool: Pool) {}

  /** Sensors with an id above `afterSensorId` that have `variable`, by id, at most `limit`. */
  latest (variable: string, afterSensorId: number, limit: number, sensors: SensorRanges, horizon?: string): Promise<SummaryRead<LatestColumns>> {
    return this.read<LatestColumns>('fleet-latest', LATEST_SQL, [variable, afterSensorId, limit, ...bounds(sensors)], horizon)
  }

  /** Per sensor, after `afterSensorId`. */
  lastSeen (afterSensorId: number, limit: number, sensors: SensorRanges, horizon?: string): Promise<SummaryRead<LastSeenColumns>> {
    return this.read<LastSeenColumns>('fleet-last-seen', LAST_SEEN_SQL, [afterSensorId, limit, ...bounds(sensors)], horizon)
  }

  /** Per (sensor, variable), after the pair `after`. */
  lastSeenPerVariable (after: { sensor_id: number, variable: string }, limit: number, sensors: SensorRanges, horizon?: string): Promise<SummaryRead<LastSeenColumns>> {
    return this.read<LastSeenColumns>('fleet-last-seen-variables', LAST_SEEN_PER_VARIABLE_SQL, [after.sensor_id, after.variable, limit, ...bounds(sensors)], horizon)
  }

  private async read<T extends object> (name: string, query: string, values: unknown[], horizon: string | undefined): Promise<SummaryRead<T>> {
    const rows = await readSummary<T & Record<string, unknown>>(this.pool, this.names, name, query, values, horizon)
    return { value: withoutPending(rows[0]!) as T, pending: pendingIn(rows) }
  }
}

function bounds (sensors: SensorRanges): [number[] | null, number[] | null] {
  return sensors === undefined ? [null, null] : [sensors.map(([lo]) => lo), sensors.map(([, hi]) => hi)]
}
