import { encodeCursor } from './cursor.js'
import type { SummaryFolder } from '../summary/folder.js'
import type { SensorDetail, SensorListItem, SensorsRepository, SilentSensor, SummaryRead } from './sensors-repository.js'

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
    /** Folds pending deltas when a read met some, so every answer counts every reading committed before it. */
    private readonly summary: Pick<SummaryFolder, 'foldShared'>,
    /** How long a silent-sensor answer is reused; requests meanwhile share it (0: never). */
    private readonly silentCacheMs = 0,
    private readonly now: () => number = Date.now
  ) {}

  /** One page of sensors by id; next_cursor is null on the last page. */
  async list (limit: number, after?: SensorCursor): Promise<SensorPage> {
    // One row more than asked tells whether another page follows.
    const rows = await this.folded(() => this.repository.list(after?.sensor_id ?? -1, limit + 1))
    const sensors = rows.slice(0, limit)
    const last = sensors.at(-1)
    return {
      sensors,
      next_cursor: rows.length > limit && last !== undefined ? encodeCursor({ sensor_id: last.sensor_id } satisfies SensorCursor) : null
    }
  }

  find (sensorId: number): Promise<SensorDetail | undefined> {
    return this.folded(() => this.repository.find(sensorId))
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

  /**
   * The read's answer if no delta was pending when it was taken; else the answer of the same read
   * after a fold that started after this call, so it counts whatever was committed before.
   */
  private async folded<T> (read: () => Promise<SummaryRead<T>>): Promise<T> {
    const first = await read()
    if (!first.pending) return first.value
    await this.summary.foldShared()
    return (await read()).value
  }

  private async computeSilent (minutes: number, limit: number): Promise<SilentReport> {
    const before = new Date(this.now() - minutes * 60_000)
    const fleet = await this.folded(() => this.repository.silent(before, limit))
    return {
      minutes,
      silent: fleet.silent,
      total: fleet.total,
      share: fleet.total === 0 ? 0 : fleet.silent / fleet.total,
      sensors: fleet.sensors
    }
  }
}
