import { encodeCursor } from './cursor.js'
import { foldedRead } from './folded-read.js'
import type { SummaryFolder } from '../summary/folder.js'
import type { Staleness } from './folded-read.js'
import type { SensorDetail, SensorListItem, SensorsRepository, SilentSensor, SummaryRead } from './sensors-repository.js'

export type { Staleness } from './folded-read.js'

export type SensorPage = {
  sensors: SensorListItem[]
  next_cursor: string | null
} & Partial<Staleness>

/** One sensor, or none counted yet; `stale` when the answer could not wait for the summary. */
export interface SensorFound {
  sensor: SensorDetail | undefined
  stale?: Staleness
}

export type SilentReport = {
  minutes: number
  silent: number
  total: number
  /** silent / total, 0 for an empty fleet. */
  share: number
  sensors: SilentSensor[]
} & Partial<Staleness>

/** The position a /sensors cursor holds: the last sensor id of the page. */
export interface SensorCursor {
  sensor_id: number
}

const SILENT_CACHE_ENTRIES = 32

export class SensorsService {
  // The silent-sensor answer aggregates the whole summary; dashboards and probes ask it often.
  private readonly silentAnswers = new Map<string, { expiresAt: number, answer: Promise<SilentReport> }>()

  constructor (
    private readonly repository: SensorsRepository,
    /** Folds pending deltas when a read met some, so answers count every reading committed before them. */
    private readonly summary: Pick<SummaryFolder, 'foldPast'>,
    private readonly options: {
      /** How long a read waits for that fold before it answers with what the summary holds (see Staleness). */
      waitMs: number
      /** How long a silent-sensor answer is reused; requests meanwhile share it (0: never). */
      silentCacheMs?: number
      /** Told of every answer marked with Staleness. */
      onStale?: () => void
      now?: () => number
    }
  ) {}

  private get silentCacheMs (): number {
    return this.options.silentCacheMs ?? 0
  }

  private now (): number {
    return (this.options.now ?? Date.now)()
  }

  /** One page of sensors by id; next_cursor is null on the last page. */
  async list (limit: number, after?: SensorCursor): Promise<SensorPage> {
    // One row more than asked tells whether another page follows.
    const { value: rows, stale } = await this.folded((horizon) => this.repository.list(after?.sensor_id ?? -1, limit + 1, horizon))
    const sensors = rows.slice(0, limit)
    const last = sensors.at(-1)
    return {
      sensors,
      next_cursor: rows.length > limit && last !== undefined ? encodeCursor({ sensor_id: last.sensor_id } satisfies SensorCursor) : null,
      ...stale
    }
  }

  async find (sensorId: number): Promise<SensorFound> {
    const { value: sensor, stale } = await this.folded((horizon) => this.repository.find(sensorId, horizon))
    return stale === undefined ? { sensor } : { sensor, stale }
  }

  /**
   * Sensors with no reading in the last `minutes` (by reading timestamp), at most `limit` listed.
   * Within silentCacheMs, the same question gets the same answer (computed once).
   */
  silent (minutes: number, limit: number): Promise<SilentReport> {
    if (this.silentCacheMs === 0) return this.computeSilent(minutes, limit)
    const now = this.now()
    const key = `${minutes}:${limit}`
    const cached = this.silentAnswers.get(key)
    if (cached !== undefined && cached.expiresAt > now) return cached.answer
    for (const [k, entry] of this.silentAnswers) if (entry.expiresAt <= now) this.silentAnswers.delete(k)
    if (this.silentAnswers.size >= SILENT_CACHE_ENTRIES) this.silentAnswers.delete(this.silentAnswers.keys().next().value!)
    const answer = this.computeSilent(minutes, limit)
    this.silentAnswers.set(key, { expiresAt: now + this.silentCacheMs, answer })
    // A failure is not kept: the next request asks the database again.
    answer.catch(() => this.silentAnswers.delete(key))
    return answer
  }

  private folded<T> (read: (horizon?: string) => Promise<SummaryRead<T>>): Promise<{ value: T, stale?: Staleness }> {
    return foldedRead(read, this.summary, this.options)
  }

  private async computeSilent (minutes: number, limit: number): Promise<SilentReport> {
    const before = new Date(this.now() - minutes * 60_000)
    const { value: fleet, stale } = await this.folded((horizon) => this.repository.silent(before, limit, horizon))
    return {
      minutes,
      silent: fleet.silent,
      total: fleet.total,
      share: fleet.total === 0 ? 0 : fleet.silent / fleet.total,
      sensors: fleet.sensors,
      ...stale
    }
  }
}
