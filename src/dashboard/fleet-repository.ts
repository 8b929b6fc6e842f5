import type { Pool } from 'pg'
import type { FleetSensor } from './feed-types.js'

const COLUMNS = `
  sensor_id,
  (extract(epoch FROM min(first_seen)) * 1000)::float8 AS first_seen_ms,
  (extract(epoch FROM max(last_seen)) * 1000)::float8 AS last_seen_ms,
  sum(reading_count)::float8 AS reading_count,
  array_agg(variable ORDER BY variable) AS variables`

const ALL_SQL = `SELECT ${COLUMNS} FROM sensor_variable_summary GROUP BY sensor_id`
// A sensor's last reading is its latest over its variables, as the feed's last_seen_ms.
const COUNTS_SQL = `
SELECT count(*)::int AS sensors, count(*) FILTER (WHERE last_seen < to_timestamp($1::float8 / 1000))::int AS silent
FROM (SELECT max(last_seen) AS last_seen FROM sensor_variable_summary GROUP BY sensor_id) per_sensor`
const SOME_SQL = `SELECT ${COLUMNS} FROM sensor_variable_summary WHERE sensor_id = ANY($1::int4[]) GROUP BY sensor_id`

/** The per-sensor summary, read for the live feed (sensor_variable_summary only, never readings). */
export class FleetRepository {
  constructor (private readonly pool: Pool) {}

  /** The newest summary delta not folded yet (undefined: none is pending). */
  async pendingThrough (): Promise<bigint | undefined> {
    const { rows } = await this.pool.query<{ through: string | null }>('SELECT max(id)::text AS through FROM sensor_summary_deltas')
    return rows[0]!.through === null ? undefined : BigInt(rows[0]!.through)
  }

  /** Sensors with a reading counted, and those last seen before `silentBeforeMs` (epoch ms). */
  async counts (silentBeforeMs: number): Promise<{ sensors: number, silent: number }> {
    return (await this.pool.query<{ sensors: number, silent: number }>(COUNTS_SQL, [silentBeforeMs])).rows[0]!
  }

  async all (): Promise<FleetSensor[]> {
    return (await this.pool.query<FleetSensor>(ALL_SQL)).rows
  }

  async some (sensorIds: readonly number[]): Promise<FleetSensor[]> {
    return (await this.pool.query<FleetSensor>(SOME_SQL, [sensorIds])).rows
  }
}
