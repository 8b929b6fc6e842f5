import type { Pool } from 'pg'
import { textArray } from '../db/array-literal.js'
import { isPglite } from '../db/pglite.js'
import { float8Array, int4Array, int8Array, timestamptzArray } from '../db/binary-array.js'
import { isoUtc } from '../db/sql.js'
import type { Reading } from './reading.js'
import { summaryDeltas, type SummaryDelta } from './summary-delta.js'

/** A reading as stored, timestamps in UTC with full microsecond precision. */
export interface StoredReading {
  sensor_id: number
  timestamp: string
  variable: string
  value: number
  unit: string
}

/** The five columns of `readings` as rows, from the arrays readingColumns() builds ($1 to $5). */
export const UNNEST_READINGS = 'unnest($1::int4[], $2::timestamptz[], $3::text[], $4::float8[], $5::text[])'

// Both statements below lock summary rows in (sensor_id, variable) order, after the readings:
// concurrent flushes take their locks in one order and cannot deadlock.
const UPSERT_SUMMARY = `
  ON CONFLICT (sensor_id, variable) DO UPDATE SET
    reading_count = s.reading_count + excluded.reading_count,
    first_seen = least(s.first_seen, excluded.first_seen),
    last_seen = greatest(s.last_seen, excluded.last_seen),
    -- A late reading older than the stored latest one leaves the latest value alone.
    latest_value = CASE WHEN excluded.last_seen > s.last_seen THEN excluded.latest_value ELSE s.latest_value END,
    latest_unit = CASE WHEN excluded.last_seen > s.last_seen THEN excluded.latest_unit ELSE s.latest_unit END`

// The common case: no key of the flush is stored yet. A plain INSERT costs PostgreSQL about half
// of ON CONFLICT DO NOTHING with RETURNING, and since it either inserts every row or fails with
// unique_violation, the summary rows can be worked out beforehand (summaryDeltas). The count in
// the WHERE clause makes every reading go in before the first summary row is locked.
const INSERT_ALL_SQL = `
WITH inserted AS (
  INSERT INTO readings (sensor_id, ts, variable, value, unit)
  SELECT * FROM ${UNNEST_READINGS}
  RETURNING 1
)
INSERT INTO sensor_variable_summary AS s
  (sensor_id, variable, reading_count, first_seen, last_seen, latest_value, latest_unit)
SELECT * FROM unnest($6::int4[], $7::text[], $8::int8[], $9::timestamptz[], $10::timestamptz[], $11::float8[], $12::text[])
WHERE (SELECT count(*) FROM inserted) = cardinality($1::int4[])
ORDER BY 1, 2
${UPSERT_SUMMARY}`

// Some keys may be stored already. unnest() turns five arrays into rows: one statement and one
// round trip per flush, whatever its size. The caller passes the rows in key order, so every
// flush takes its locks in the same order and concurrent flushes cannot deadlock.
// The answer is one row: how many rows this statement inserted, and its transaction id, which is
// the xmin of exactly those rows, for the flush to tell them from older ones.
const INSERT_NEW_SQL = `
WITH inserted AS (
  INSERT INTO readings (sensor_id, ts, variable, value, unit)
  SELECT * FROM ${UNNEST_READINGS}
  ON CONFLICT DO NOTHING
  RETURNING sensor_id, ts, variable, value, unit
), summarised AS (
  -- Only rows this statement inserted count, so a duplicate or a conflict changes nothing. One
  -- sort by (sensor_id, variable, ts DESC) yields each pair's newest reading with its count; it
  -- consumes every insert before the first upsert.
  INSERT INTO sensor_variable_summary AS s
    (sensor_id, variable, reading_count, first_seen, last_seen, latest_value, latest_unit)
  SELECT DISTINCT ON (sensor_id, variable) sensor_id, variable, count(*) OVER pair, min(ts) OVER pair, ts, value, unit
  FROM inserted
  WINDOW pair AS (PARTITION BY sensor_id, variable)
  ORDER BY sensor_id, variable, ts DESC
  ${UPSERT_SUMMARY}
)
SELECT (SELECT count(*) FROM inserted)::int AS inserted,
       (pg_current_xact_id()::text::int8 % 4294967296)::text AS xid`

const STORED_SQL = `
SELECT k.ord::int4 AS ord, r.xmin::text = $4 AS mine, r.sensor_id,
       ${isoUtc('r.ts')} AS timestamp,
       r.variable, r.value, r.unit
FROM unnest($1::int4[], $2::timestamptz[], $3::text[]) WITH ORDINALITY AS k(sensor_id, ts, variable, ord)
JOIN readings r ON r.sensor_id = k.sensor_id AND r.ts = k.ts AND r.variable = k.variable`

const UNIQUE_VIOLATION = '23505'

const ignore = () => {}

/**
 * The five columns of `readings`, as the arrays UNNEST_READINGS takes: numbers and instants in
 * binary (PostgreSQL reads them without parsing text), text as array literals.
 */
export function readingColumns (readings: readonly Reading[]): Array<Buffer | string> {
  const n = readings.length
  const sensorIds = new Array<number>(n); const variables = new Array<string>(n)
  const values = new Array<number>(n); const units = new Array<string>(n)
  for (let i = 0; i < n; i++) {
    const r = readings[i]!
    sensorIds[i] = r.sensorId; variables[i] = r.variable; values[i] = r.value; units[i] = r.unit
  }
  return [int4Array(sensorIds), timestamptzArray(readings), textArray(variables), float8Array(values), textArray(units)]
}

/** The seven summary columns of each delta, as INSERT_ALL_SQL takes them ($6 to $12). */
function summaryColumns (deltas: readonly SummaryDelta[]): Array<Buffer | string> {
  const n = deltas.length
  const sensorIds = new Array<number>(n); const variables = new Array<string>(n); const counts = new Array<number>(n)
  const firsts = new Array<Reading>(n); const lasts = new Array<Reading>(n)
  const values = new Array<number>(n); const units = new Array<string>(n)
  for (let i = 0; i < n; i++) {
    const d = deltas[i]!
    sensorIds[i] = d.sensorId; variables[i] = d.variable; counts[i] = d.count
    firsts[i] = d.first; lasts[i] = d.last; values[i] = d.last.value; units[i] = d.last.unit
  }
  return [int4Array(sensorIds), textArray(variables), int8Array(counts), timestamptzArray(firsts), timestamptzArray(lasts), float8Array(values), textArray(units)]
}

export class ReadingsRepository {
  /**
   * Embedded PGlite serves every connection from one session, where two clients' statements of
   * the same name collide; there, statements go unnamed (planned on each flush).
   */
  private sharedSession: boolean | undefined

  constructor (private readonly pool: Pool) {}

  /** The name to prepare a statement under, or undefined where names cannot be per connection. */
  private statementName (name: string): string | undefined {
    return this.sharedSession === false ? name : undefined
  }

  /**
   * Inserts readings whose keys are unique within the call and sorted by key, if none of them is
   * stored yet: resolves true; if one is, stores nothing and resolves false.
   */
  async insertAll (readings: readonly Reading[]): Promise<boolean> {
    // pool.query() would drop the connection after any error: an expected unique_violation must
    // not cost a reconnect, so this statement runs on a client of its own.
    const client = await this.pool.connect()
    // A lost connection also rejects the query; without a listener its 'error' event would crash the process.
    client.on('error', ignore)
    let failure: Error | undefined
    try {
      this.sharedSession ??= await isPglite(client)
      await client.query({
        name: this.statementName('insert-all-readings'),
        text: INSERT_ALL_SQL,
        values: [...readingColumns(readings), ...summaryColumns(summaryDeltas(readings))]
      })
      return true
    } catch (err) {
      if ((err as { code?: unknown }).code === UNIQUE_VIOLATION) return false
      failure = err as Error
      throw err
    } finally {
      client.removeListener('error', ignore)
      // Released with the error, the pool closes the connection instead of reusing it.
      client.release(failure)
    }
  }

  /**
   * Inserts readings whose keys are unique within the call and sorted by key; existing keys are
   * left alone. Resolves with how many were inserted and the inserting transaction's id.
   */
  async insertNew (readings: readonly Reading[]): Promise<{ inserted: number, xid: string }> {
    const { rows } = await this.pool.query<{ inserted: number, xid: string }>({
      name: this.statementName('insert-new-readings'), text: INSERT_NEW_SQL, values: readingColumns(readings)
    })
    return rows[0]!
  }

  /**
   * The stored reading for each given key, by position (0-based), and whether transaction `xid`
   * inserted it (`mine`); a missing key is absent.
   */
  async findStored (keys: readonly Reading[], xid: string): Promise<Map<number, { mine: boolean, stored: StoredReading }>> {
    const { rows } = await this.pool.query<StoredReading & { ord: number, mine: boolean }>(STORED_SQL, [
      int4Array(keys.map((k) => k.sensorId)), timestamptzArray(keys), textArray(keys.map((k) => k.variable)), xid
    ])
    return new Map(rows.map(({ ord, mine, ...stored }) => [ord - 1, { mine, stored }]))
  }
}
