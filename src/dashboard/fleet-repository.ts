import type { Pool } from 'pg'
import type { FleetSensor } from './feed-types.js'

const COLUMNS = `
  sensor_id,
  (extract(epoch FROM min(first_seen)) * 1000)::float8 AS first_seen_ms,
  (extract(epoch FROM max(last_seen)) * 1000)::float8 AS last_seen_ms,
  sum(reading_count)::float8 AS reading_count,
  array_agg(variable ORDER BY variable) AS variables`

const ALL_SQL = `SELECT ${COLUMNS} FROM sensor_variable_summary GROUP BY sensor_id`
const SOME_SQL = `SELECT ${COLUMNS} FROM sensor_variable_summary WHERE sensor_id = ANY($1::int4[]) GROUP BY sensor_id`

/** The per-sensor summary, read for the live feed (sensor_variable_summary only, never readings). */
export class FleetRepository {
  constructor (private readonly pool: Pool) {}

  async all (): Promise<FleetSensor[]> {
    return (await this.pool.query<FleetSensor>(ALL_SQL)).rows
  }

  async some (sensorIds: readonly number[]): Promise<FleetSensor[]> {
    return (await this.pool.query<FleetSensor>(SOME_SQL, [sensorIds])).rows
  }
}
