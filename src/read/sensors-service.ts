import { encodeCursor } from './cursor.js'
import type { SummaryFolder } from '../summary/folder.js'
import type { SensorDetail, SensorListItem, SensorsRepository, SilentSensor } from './sensors-repository.js'

export interface SensorPage {
  sensors: SensorListItem[]
  next_cursor: string | null
}

export interface SilentReport {
  minutes: number
  silent: number
  total: number
  /** silent / total, 0 for an empty fleet. */
  share: number
  sensors: SilentSensor[]
}

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
    /** Every answer first folds pending deltas, so it counts every reading committed before it. */
    private readonly summary: Pick<SummaryFolder, 'foldShared'>,
    /** How long a silent-sensor answer is reused; requests meanwhile share it (0: never). */
    private readonly silentCacheMs = 0,
    private readonly now: () => number = Date.now
  ) {}

  /** One page of sensors by id; next_cursor is null on the last page. */
  async list (limit: number, after?: SensorCursor): Promise<SensorPage> {
    await this.summary.foldShared()
    // One row more than asked tells whether another page follows.
    const rows = await this.repository.list(after?.sensor_id ?? -1, limit + 1)
    const sensors = rows.slice(0, limit)
    const last = sensors.at(-1)
    return {
      sensors,
      next_cursor: rows.length > limit && last !== undefined ? encodeCursor({ sensor_id: last.sensor_id } satisfies SensorCursor) : null
    }
  }

  async find (sensorId: number): Promise<SensorDetail | undefined> {
    await this.summary.foldShared()
    return this.repository.find(sensorId)
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

  private async computeSilent (minutes: number, limit: number): Promise<SilentReport> {
    await this.summary.foldShared()
    const fleet = await this.repository.silent(new Date(this.now() - minutes * 60_000), limit)
    return {
      minutes,
      silent: fleet.silent,
      total: fleet.total,
      share: fleet.total === 0 ? 0 : fleet.silent / fleet.total,
      sensors: fleet.sensors
    }
  }
}
