import type { Pool } from 'pg'
import { StatementNames } from '../db/pglite.js'
import { isoUtc } from '../db/sql.js'
import { pendingIn, readSummary, withoutPending, type SummaryRead } from './sensors-repository.js'

/** Inclusive id ranges; undefined: every sensor. */
export type SensorRanges = Array<[number, number]> | undefined

/** Keeps only latest values within these bounds (inclusive). */
export interface ValueRange { min?: number, max?: number }

/** One variable's latest reading per sensor, as parallel arrays (one entry per sensor, by id). */
export interface LatestColumns {
  sensor_ids: number[]
  values: number[]
  units: string[]
  timestamps: string[]
}

/** The newest reading time per sensor (or per sensor and variable), as parallel arrays. */
export interface LastSeenColumns {
  /** Sensors with a reading (within `sensors`): the fleet. */
  sensors_total: number
  /** Sensors with no reading of any variable since `before` (0 without one). */
  sensors_silent: number
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
    AND ($6::float8 IS NULL OR latest_value >= $6) AND ($7::float8 IS NULL OR latest_value <= $7)
  ORDER BY sensor_id LIMIT $3
) page`

// The fleet's counts come with every page: one pass over the summary, materialised once.
const PER_SENSOR = (lows: string, highs: string) => `per_sensor AS MATERIALIZED (
  SELECT sensor_id, max(last_seen) AS last_seen FROM sensor_variable_summary WHERE ${inRanges(lows, highs)} GROUP BY sensor_id
)`
const COUNTS = (before: string) => `
  (SELECT count(*) FROM per_sensor)::int4 AS sensors_total,
  (SELECT count(*) FROM per_sensor WHERE last_seen <= ${before}::timestamptz)::int4 AS sensors_silent`

// Entries are in order in the page, and aggregates over an ordered subquery keep its order:
// three sorts of 50,000 entries cost more than the scan.
const LAST_SEEN_SQL = `
WITH ${PER_SENSOR('$3', '$4')}
SELECT ${COUNTS('$5')},
  coalesce(json_agg(sensor_id), '[]') AS sensor_ids,
  coalesce(json_agg(${isoUtc('last_seen')}), '[]') AS last_seen
FROM (
  SELECT sensor_id, last_seen FROM per_sensor
  WHERE sensor_id > $1 AND ($5::timestamptz IS NULL OR last_seen <= $5)
  ORDER BY sensor_id LIMIT $2
) page`

const LAST_SEEN_PER_VARIABLE_SQL = `
WITH ${PER_SENSOR('$4', '$5')}
SELECT ${COUNTS('$6')},
  coalesce(json_agg(sensor_id), '[]') AS sensor_ids,
  coalesce(json_agg(variable), '[]') AS variables,
  coalesce(json_agg(${isoUtc('last_seen')}), '[]') AS last_seen
FROM (
  SELECT sensor_id, variable, last_seen FROM sensor_variable_summary
  WHERE (sensor_id, variable) > ($1, $2) AND ${inRanges('$4', '$5')} AND ($6::timestamptz IS NULL OR last_seen <= $6)
  ORDER BY sensor_id, variable LIMIT $3
) page`

/** Whole-fleet columns for the watchdog, from sensor_variable_summary alone (never `readings`). */
export class FleetRepository {
  private readonly names = new StatementNames()

  constructor (private readonly pool: Pool) {}

  /** Sensors with an id above `afterSensorId` that have `variable`, by id, at most `limit`. */
  latest (variable: string, afterSensorId: number, limit: number, sensors: SensorRanges, range: ValueRange = {}, horizon?: string): Promise<SummaryRead<LatestColumns>> {
    return this.read<LatestColumns>('fleet-latest', LATEST_SQL, [variable, afterSensorId, limit, ...bounds(sensors), range.min ?? null, range.max ?? null], horizon)
  }

  /** Per sensor, after `afterSensorId`; with `before`, only those with no reading since. */
  lastSeen (afterSensorId: number, limit: number, sensors: SensorRanges, before?: Date, horizon?: string): Promise<SummaryRead<LastSeenColumns>> {
    return this.read<LastSeenColumns>('fleet-last-seen', LAST_SEEN_SQL, [afterSensorId, limit, ...bounds(sensors), before ?? null], horizon)
  }

  /** Per (sensor, variable), after the pair `after`; with `before`, only those with no reading since. */
  lastSeenPerVariable (after: { sensor_id: number, variable: string }, limit: number, sensors: SensorRanges, before?: Date, horizon?: string): Promise<SummaryRead<LastSeenColumns>> {
    return this.read<LastSeenColumns>('fleet-last-seen-variables', LAST_SEEN_PER_VARIABLE_SQL, [after.sensor_id, after.variable, limit, ...bounds(sensors), before ?? null], horizon)
  }

  private async read<T extends object> (name: string, query: string, values: unknown[], horizon: string | undefined): Promise<SummaryRead<T>> {
    const rows = await readSummary<T & Record<string, unknown>>(this.pool, this.names, name, query, values, horizon)
    return { value: withoutPending(rows[0]!) as T, pending: pendingIn(rows) }
  }
}

function bounds (sensors: SensorRanges): [number[] | null, number[] | null] {
  return sensors === undefined ? [null, null] : [sensors.map(([lo]) => lo), sensors.map(([, hi]) => hi)]
}
