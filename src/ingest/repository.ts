import type { Pool } from 'pg'
import type { Reading } from './reading.js'

/** A reading as stored, timestamps in UTC with full microsecond precision. */
export interface StoredReading {
  sensor_id: number
  timestamp: string
  variable: string
  value: number
  unit: string
}

// unnest() turns five arrays into rows: one statement and one round trip per flush, whatever its size.
// ORDER BY gives every flush the same lock order, so concurrent flushes cannot deadlock on each other.
const INSERT_SQL = `
WITH input AS (
  SELECT * FROM unnest($1::int4[], $2::timestamptz[], $3::text[], $4::float8[], $5::text[])
    WITH ORDINALITY AS i(sensor_id, ts, variable, value, unit, ord)
), inserted AS (
  INSERT INTO readings (sensor_id, ts, variable, value, unit)
  SELECT sensor_id, ts, variable, value, unit FROM input ORDER BY sensor_id, ts, variable
  ON CONFLICT DO NOTHING
  RETURNING sensor_id, ts, variable, value, unit
), summarised AS (
  -- Only rows this statement inserted count, so a duplicate or a conflict changes nothing. The
  -- aggregate consumes every insert before the first upsert, and the upserts go in key order:
  -- concurrent flushes lock summary rows in one order and cannot deadlock.
  INSERT INTO sensor_variable_summary AS s
    (sensor_id, variable, reading_count, first_seen, last_seen, latest_value, latest_unit)
  SELECT sensor_id, variable, count(*), min(ts), max(ts),
         (array_agg(value ORDER BY ts DESC))[1], (array_agg(unit ORDER BY ts DESC))[1]
  FROM inserted GROUP BY sensor_id, variable ORDER BY sensor_id, variable
  ON CONFLICT (sensor_id, variable) DO UPDATE SET
    reading_count = s.reading_count + excluded.reading_count,
    first_seen = least(s.first_seen, excluded.first_seen),
    last_seen = greatest(s.last_seen, excluded.last_seen),
    -- A late reading older than the stored latest one leaves the latest value alone.
    latest_value = CASE WHEN excluded.last_seen > s.last_seen THEN excluded.latest_value ELSE s.latest_value END,
    latest_unit = CASE WHEN excluded.last_seen > s.last_seen THEN excluded.latest_unit ELSE s.latest_unit END
)
SELECT input.ord::int4 AS ord FROM input JOIN inserted USING (sensor_id, ts, variable)`

const STORED_SQL = `
SELECT k.ord::int4 AS ord, r.sensor_id,
       to_char(r.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS timestamp,
       r.variable, r.value, r.unit
FROM unnest($1::int4[], $2::timestamptz[], $3::text[]) WITH ORDINALITY AS k(sensor_id, ts, variable, ord)
JOIN readings r ON r.sensor_id = k.sensor_id AND r.ts = k.ts AND r.variable = k.variable`

export class ReadingsRepository {
  constructor (private readonly pool: Pool) {}

  /**
   * Inserts readings whose keys are unique within the call; existing keys are left alone.
   * Resolves with the positions (0-based) of the readings that were inserted.
   */
  async insertNew (readings: readonly Reading[]): Promise<Set<number>> {
    const n = readings.length
    const sensorIds = new Array<number>(n); const ts = new Array<string>(n); const variables = new Array<string>(n)
    const values = new Array<number>(n); const units = new Array<string>(n)
    for (let i = 0; i < n; i++) {
      const r = readings[i]!
      sensorIds[i] = r.sensorId; ts[i] = r.ts; variables[i] = r.variable; values[i] = r.value; units[i] = r.unit
    }
    const { rows } = await this.pool.query<{ ord: number }>(INSERT_SQL, [sensorIds, ts, variables, values, units])
    return new Set(rows.map((row) => row.ord - 1))
  }

  /** The stored reading for each given key, by position (0-based); a missing key is absent. */
  async findStored (keys: readonly Reading[]): Promise<Map<number, StoredReading>> {
    const { rows } = await this.pool.query<StoredReading & { ord: number }>(STORED_SQL, [
      keys.map((k) => k.sensorId), keys.map((k) => k.ts), keys.map((k) => k.variable)
    ])
    return new Map(rows.map(({ ord, ...stored }) => [ord - 1, stored]))
  }
}
