import type { SummaryFolder } from '../summary/folder.js'
import { encodeCursor } from './cursor.js'
import { foldedRead, type FoldedReadOptions, type Staleness } from './folded-read.js'
import type { FleetRepository, LastSeenColumns, LatestColumns, SensorRanges } from './fleet-repository.js'

/** Every fleet answer carries the server's clock when the request began, so callers judge silence by it. */
interface FleetPage {
  now: string
  next_cursor: string | null
}

export type LatestPage = FleetPage & { variable: string } & LatestColumns & Partial<Staleness>
export type LastSeenPage = FleetPage & { per_variable: boolean } & LastSeenColumns & Partial<Staleness>

export interface SensorCursor { sensor_id: number }
export interface PairCursor { sensor_id: number, variable: string }

export class FleetService {
  constructor (
    private readonly repository: FleetRepository,
    private readonly summary: Pick<SummaryFolder, 'foldPast'>,
    private readonly options: FoldedReadOptions & { now?: () => number }
  ) {}

  /** The latest reading of `variable` of every sensor that has one (within `sensors`), by sensor id. */
  async latest (variable: string, limit: number, sensors: SensorRanges, after?: SensorCursor): Promise<LatestPage> {
    const now = this.now()
    const { value, stale } = await foldedRead((h) => this.repository.latest(variable, after?.sensor_id ?? -1, limit + 1, sensors, h), this.summary, this.options)
    const more = value.sensor_ids.length > limit
    const page = cut(value, limit)
    return {
      now,
      variable,
      ...page,
      next_cursor: more ? encodeCursor({ sensor_id: page.sensor_ids.at(-1)! } satisfies SensorCursor) : null,
      ...stale
    }
  }

  /** The newest reading time of every sensor (within `sensors`), by id; per variable: of every (sensor, variable). */
  async lastSeen (perVariable: boolean, limit: number, sensors: SensorRanges, after?: PairCursor | SensorCursor): Promise<LastSeenPage> {
    const now = this.now()
    const { value, stale } = await foldedRead((h) => perVariable
      ? this.repository.lastSeenPerVariable({ sensor_id: after?.sensor_id ?? -1, variable: (after as PairCursor | undefined)?.variable ?? '' }, limit + 1, sensors, h)
      : this.repository.lastSeen(after?.sensor_id ?? -1, limit + 1, sensors, h), this.summary, this.options)
    const more = value.sensor_ids.length > limit
    const page = cut(value, limit)
    const last = page.sensor_ids.length - 1
    return {
      now,
      per_variable: perVariable,
      ...page,
      next_cursor: !more ? null : encodeCursor(perVariable ? { sensor_id: page.sensor_ids[last]!, variable: page.variables![last]! } : { sensor_id: page.sensor_ids[last]! }),
      ...stale
    }
  }

  private now (): string {
    return new Date((this.options.now ?? Date.now)()).toISOString().replace('Z', '000Z')
  }
}

/** Every column cut to its first `limit` entries (the query read one more, to tell whether a page follows). */
function cut<T extends object> (columns: T, limit: number): T {
  return Object.fromEntries(Object.entries(columns).map(([key, column]) => [key, Array.isArray(column) ? column.slice(0, limit) : column])) as T
}
