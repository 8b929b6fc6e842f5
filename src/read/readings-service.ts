import type { StoredReading } from '../ingest/repository.js'
import { encodeCursor } from './cursor.js'
import type { ReadingPosition, ReadingsFilter, ReadingsQueryRepository } from './readings-repository.js'

export interface ReadingPage {
  readings: StoredReading[]
  next_cursor: string | null
}

export class ReadingsService {
  constructor (private readonly repository: ReadingsQueryRepository) {}

  /** One page, newest first; next_cursor (the last reading's position) is null on the last page. */
  async page (filter: ReadingsFilter, limit: number): Promise<ReadingPage> {
    // One row more than asked tells whether another page follows.
    const rows = await this.repository.newestFirst(filter, limit + 1)
    const readings = rows.slice(0, limit)
    const last = readings.at(-1)
    return {
      readings,
      next_cursor: rows.length > limit && last !== undefined
        ? encodeCursor({ ts: last.timestamp, variable: last.variable } satisfies ReadingPosition)
        : null
    }
  }
}
