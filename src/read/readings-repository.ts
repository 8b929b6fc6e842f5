import type { Pool } from 'pg'
import type { StoredReading } from '../ingest/repository.js'
import { isoUtc } from '../db/sql.js'

/** Where a page of readings ends: its last reading's timestamp and variable. */
export interface ReadingPosition {
  /** ISO 8601 UTC with six fractional digits, exactly as returned. */
  ts: string
  variable: string
}

export interface ReadingsFilter {
  sensorId: number
  variable?: string
  /** Inclusive lower bound, text PostgreSQL parses exactly. */
  from?: string
  /** Exclusive upper bound. */
  to?: string
  /** Only readings after this position in newest-first order. */
  after?: ReadingPosition
}

/** One sensor's readings, newest first, by the primary key (sensor_id, ts, variable). */
export class ReadingsQueryRepository {
  constructor (private readonly pool: Pool) {}

  async newestFirst (filter: ReadingsFilter, limit: number): Promise<StoredReading[]> {
    const params: unknown[] = [filter.sensorId]
    const param = (value: unknown): string => {
      params.push(value)
      return `$${params.length}`
    }
    // Only the conditions asked for, so every plan is a backward range scan of the primary key.
    const where = ['sensor_id = $1']
    if (filter.variable !== undefined) where.push(`variable = ${param(filter.variable)}`)
    if (filter.from !== undefined) where.push(`ts >= ${param(filter.from)}::timestamptz`)
    if (filter.to !== undefined) where.push(`ts < ${param(filter.to)}::timestamptz`)
    if (filter.after !== undefined) {
      where.push(`(ts, variable) < (${param(filter.after.ts)}::timestamptz, ${param(filter.after.variable)}::text)`)
    }
    const sql = `
      SELECT sensor_id, ${isoUtc('ts')} AS timestamp, variable, value, unit
      FROM readings
      WHERE ${where.join(' AND ')}
      ORDER BY ts DESC, variable DESC
      LIMIT ${param(limit)}`
    const { rows } = await this.pool.query<StoredReading>(sql, params)
    return rows
  }
}
