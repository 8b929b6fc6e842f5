import type { Pool } from 'pg'
import { isoUtc } from '../db/sql.js'
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
// The caller passes the rows in key order, so every flush takes its locks in the same order and
// concurrent flushes cannot deadlock (sorting in JavaScript spares the database a sort per flush).
// The answer is one row: how many rows this statement inserted, and its transaction id, which is
// the xmin of exactly those rows, for the rare flush that must tell them from older ones.
const INSERT_SQL = `
WITH inserted AS (
  INSERT INTO readings (sensor_id, ts, variable, value, unit)
  SELECT * FROM unnest($1::int4[], $2::timestamptz[], $3::text[], $4::float8[], $5::text[])
  ON CONFLICT DO NOTHING
  RETURNING sensor_id, ts, variable, value, unit
), summarised AS (
  -- Only rows this statement inserted count, so a duplicate or a conflict changes nothing. One
  -- sort by (sensor_id, variable, ts DESC) yields each pair's newest reading with its count; it
  -- consumes every insert before the first upsert, and the upserts go in key order: concurrent
  -- flushes lock summary rows in one order and cannot deadlock.
  INSERT INTO sensor_variable_summary AS s
    (sensor_id, variable, reading_count, first_seen, last_seen, latest_value, latest_unit)
  SELECT DISTINCT ON (sensor_id, variable) sensor_id, variable, count(*) OVER pair, min(ts) OVER pair, ts, value, unit
  FROM inserted
  WINDOW pair AS (PARTITION BY sensor_id, variable)
  ORDER BY sensor_id, variable, ts DESC
  ON CONFLICT (sensor_id, variable) DO UPDATE SET
    reading_count = s.reading_count + excluded.reading_count,
    first_seen = least(s.first_seen, excluded.first_seen),
    last_seen = greatest(s.last_seen, excluded.last_seen),
    -- A late reading older than the stored latest one leaves the latest value alone.
    latest_value = CASE WHEN excluded.last_seen > s.last_seen THEN excluded.latest_value ELSE s.latest_value END,
    latest_unit = CASE WHEN excluded.last_seen > s.last_seen THEN excluded.latest_unit ELSE s.latest_unit END
)
SELECT (SELECT count(*) FROM inserted)::int AS inserted,
       (pg_current_xact_id()::text::int8 % 4294967296)::text AS xid`

const STORED_SQL = `
SELECT k.ord::int4 AS ord, r.xmin::text = $4 AS mine, r.sensor_id,
       ${isoUtc('r.ts')} AS timestamp,
       r.variable, r.value, r.unit
FROM unnest($1::int4[], $2::timestamptz[], $3::text[]) WITH ORDINALITY AS k(sensor_id, ts, variable, ord)
JOIN readings r ON r.sensor_id = k.sensor_id AND r.ts = k.ts AND r.variable = k.variable`

export class ReadingsRepository {
  constructor (private readonly pool: Pool) {}

  /**
   * Inserts readings whose keys are unique within the call and sorted by key; existing keys are
   * left alone. Resolves with how many were inserted and the inserting transaction's id.
   */
  async insertNew (readings: readonly Reading[]): Promise<{ inserted: number, xid: string }> {
    const n = readings.length
    const sensorIds = new Array<number>(n); const ts = new Array<string>(n); const variables = new Array<string>(n)
    const values = new Array<number>(n); const units = new Array<string>(n)
    for (let i = 0; i < n; i++) {
      const r = readings[i]!
      sensorIds[i] = r.sensorId; ts[i] = r.ts; variables[i] = r.variable; values[i] = r.value; units[i] = r.unit
    }
    const { rows } = await this.pool.query<{ inserted: number, xid: string }>(INSERT_SQL, [sensorIds, ts, variables, values, units])
    return rows[0]!
  }

  /**
   * The stored reading for each given key, by position (0-based), and whether transaction `xid`
   * inserted it (`mine`); a missing key is absent.
   */
  async findStored (keys: readonly Reading[], xid: string): Promise<Map<number, { mine: boolean, stored: StoredReading }>> {
    const { rows } = await this.pool.query<StoredReading & { ord: number, mine: boolean }>(STORED_SQL, [
      keys.map((k) => k.sensorId), keys.map((k) => k.ts), keys.map((k) => k.variable), xid
    ])
    return new Map(rows.map(({ ord, mine, ...stored }) => [ord - 1, { mine, stored }]))
  }
}
