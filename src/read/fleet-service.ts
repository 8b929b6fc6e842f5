import { encodeCursor } from './cursor.js'
import { summaryAsItStands, type Staleness } from './folded-read.js'
import type { FleetRepository, LastSeenColumns, LatestColumns, SensorRanges, ValueRange } from './fleet-repository.js'

/** Every fleet answer carries the server's clock when the request began, so callers judge silence by it. */
interface FleetPage {
  now: string
  next_cursor: string | null
}

export type LatestPage = FleetPage & { variable: string } & LatestColumns & Partial<Staleness>
export type LastSeenPage = FleetPage & { per_variable: boolean, silent_for?: number } & Omit<LastSeenColumns, 'sensors_silent'> & { sensors_silent?: number } & Partial<Staleness>

export interface SensorCursor { sensor_id: number }
export interface PairCursor { sensor_id: number, variable: string }

export class FleetService {
  constructor (
    private readonly repository: FleetRepository,
    private readonly options: { onStale?: () => void, now?: () => number } = {}
  ) {}

  /** The latest reading of `variable` of every sensor that has one (within `sensors`), by sensor id. */
  async latest (variable: string, limit: number, sensors: SensorRanges, range: ValueRange, after?: SensorCursor): Promise<LatestPage> {
    const now = this.now()
    const { value, stale } = await summaryAsItStands((h) => this.repository.latest(variable, after?.sensor_id ?? -1, limit + 1, sensors, range, h), this.options.onStale)
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
  async lastSeen (perVariable: boolean, limit: number, sensors: SensorRanges, silentForS: number | undefined, after?: PairCursor | SensorCursor): Promise<LastSeenPage> {
    const nowMs = (this.options.now ?? Date.now)()
    const now = iso(nowMs)
    const before = silentForS === undefined ? undefined : new Date(nowMs - silentForS * 1000)
    const { value, stale } = await summaryAsItStands((h) => perVariable
      ? this.repository.lastSeenPerVariable({ sensor_id: after?.sensor_id ?? -1, variable: (after as PairCursor | undefined)?.variable ?? '' }, limit + 1, sensors, before, h)
      : this.repository.lastSeen(after?.sensor_id ?? -1, limit + 1, sensors, before, h), this.options.onStale)
    const more = value.sensor_ids.length > limit
    const page = cut(value, limit)
    const last = page.sensor_ids.length - 1
    const { sensors_silent: silent, ...rest } = page
    return {
      now,
      per_variable: perVariable,
      ...(silentForS === undefined ? {} : { silent_for: silentForS, sensors_silent: silent }),
      ...rest,
      next_cursor: !more ? null : encodeCursor(perVariable ? { sensor_id: page.sensor_ids[last]!, variable: page.variables![last]! } : { sensor_id: page.sensor_ids[last]! }),
      ...stale
    }
  }

  private now (): string {
    return iso((this.options.now ?? Date.now)())
  }
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '000Z')

/** Every column cut to its first `limit` entries (the query read one more, to tell whether a page follows). */
function cut<T extends object> (columns: T, limit: number): T {
  return Object.fromEntries(Object.entries(columns).map(([key, column]) => [key, Array.isArray(column) ? column.slice(0, limit) : column])) as T
}
