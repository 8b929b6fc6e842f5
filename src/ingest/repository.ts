import type { Pool } from 'pg'
import { textArray } from '../db/array-literal.js'
import { StatementNames } from '../db/pglite.js'
import { float8Array, int4Array, int8Array, timestamptzArray } from '../db/binary-array.js'
import { isoUtc } from '../db/sql.js'
import type { Reading } from './reading.js'
import { everyPairOnce, summaryDeltas, type SummaryDelta } from './summary-delta.js'

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

const APPEND_DELTA = `INSERT INTO sensor_summary_deltas
    (sensor_ids, variables, reading_counts, first_seen, last_seen, latest_values, latest_units)`

// A delta whose entries (one per pair and minute) may hold several readings also carries their
// min, max and sum and the value at first_seen, for the rollups (migration 1733100000000). Left
// NULL, as by the one-reading-per-entry statement below, each entry is its one reading.
const APPEND_DELTA_WITH_STATS = `INSERT INTO sensor_summary_deltas
    (sensor_ids, variables, reading_counts, first_seen, last_seen, latest_values, latest_units,
     min_values, max_values, sum_values, first_values)`

// The common case: no key of the flush is stored yet. A plain INSERT costs PostgreSQL about half
// of ON CONFLICT DO NOTHING with RETURNING, and since it either inserts every row or fails with
// unique_violation, what the flush adds to the summary can be worked out beforehand
// (summaryDeltas) and appended as one row, which commits or fails with the readings.
const INSERT_ALL_SQL = `
WITH inserted AS (
  INSERT INTO readings (sensor_id, ts, variable, value, unit)
  SELECT * FROM ${UNNEST_READINGS}
)
${APPEND_DELTA_WITH_STATS}
VALUES ($6::int4[], $7::text[], $8::int8[], $9::timestamptz[], $10::timestamptz[], $11::float8[], $12::text[],
  $13::float8[], $14::float8[], $15::float8[], $16::float8[])`

// The same when no (sensor, variable) pair has two readings in the flush (typical of many small
// requests): the delta is the readings themselves, built from the parameters already sent, which
// spares PostgreSQL parsing seven more arrays (most of what the delta costs such a flush).
const INSERT_ALL_ONE_PER_PAIR_SQL = `
WITH inserted AS (
  INSERT INTO readings (sensor_id, ts, variable, value, unit)
  SELECT * FROM ${UNNEST_READINGS}
)
${APPEND_DELTA}
VALUES ($1::int4[], $3::text[], array_fill(1::int8, ARRAY[cardinality($1::int4[])]), $2::timestamptz[], $2::timestamptz[], $4::float8[], $5::text[])`

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
), pairs AS (
  -- Only rows this statement inserted count, so a duplicate or a conflict changes nothing. One
  -- entry per pair and minute (UTC), as summaryDeltas() makes them.
  SELECT sensor_id, variable, count(*) AS n, min(ts) AS first_ts, max(ts) AS ts,
    (array_agg(value ORDER BY ts DESC))[1] AS value, (array_agg(unit ORDER BY ts DESC))[1] AS unit,
    min(value) AS min_value, max(value) AS max_value, sum(value) AS sum_value, (array_agg(value ORDER BY ts))[1] AS first_value
  FROM inserted
  GROUP BY sensor_id, variable, date_bin(interval '1 minute', ts, timestamptz 'epoch')
), delta AS (
  ${APPEND_DELTA_WITH_STATS}
  SELECT array_agg(sensor_id), array_agg(variable), array_agg(n), array_agg(first_ts), array_agg(ts), array_agg(value), array_agg(unit),
    array_agg(min_value), array_agg(max_value), array_agg(sum_value), array_agg(first_value)
  FROM pairs
  HAVING count(*) > 0
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

/** The eleven columns of a summary delta row, as INSERT_ALL_SQL takes them ($6 to $16). */
function summaryColumns (deltas: readonly SummaryDelta[]): Array<Buffer | string> {
  const n = deltas.length
  const sensorIds = new Array<number>(n); const variables = new Array<string>(n); const counts = new Array<number>(n)
  const firsts = new Array<Reading>(n); const lasts = new Array<Reading>(n)
  const values = new Array<number>(n); const units = new Array<string>(n)
  const mins = new Array<number>(n); const maxes = new Array<number>(n); const sums = new Array<number>(n); const firstValues = new Array<number>(n)
  for (let i = 0; i < n; i++) {
    const d = deltas[i]!
    sensorIds[i] = d.sensorId; variables[i] = d.variable; counts[i] = d.count
    firsts[i] = d.first; lasts[i] = d.last; values[i] = d.last.value; units[i] = d.last.unit
    mins[i] = d.min; maxes[i] = d.max; sums[i] = d.sum; firstValues[i] = d.first.value
  }
  return [int4Array(sensorIds), textArray(variables), int8Array(counts), timestamptzArray(firsts), timestamptzArray(lasts), float8Array(values), textArray(units),
    float8Array(mins), float8Array(maxes), float8Array(sums), float8Array(firstValues)]
}

export class ReadingsRepository {
  private readonly names = new StatementNames()

  constructor (private readonly pool: Pool) {}

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
      await client.query(everyPairOnce(readings)
        ? { name: await this.names.of('insert-all-readings-one-per-pair', client), text: INSERT_ALL_ONE_PER_PAIR_SQL, values: readingColumns(readings) }
        : { name: await this.names.of('insert-all-readings', client), text: INSERT_ALL_SQL, values: [...readingColumns(readings), ...summaryColumns(summaryDeltas(readings))] })
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
      name: await this.names.of('insert-new-readings', this.pool), text: INSERT_NEW_SQL, values: readingColumns(readings)
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
