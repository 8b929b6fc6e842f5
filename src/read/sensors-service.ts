import { encodeCursor } from './cursor.js'
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

export class SensorsService {
  constructor (private readonly repository: SensorsRepository, private readonly now: () => number = Date.now) {}

  /** One page of sensors by id; next_cursor is null on the last page. */
  async list (limit: number, after?: SensorCursor): Promise<SensorPage> {
    // One row more than asked tells whether another page follows.
    const rows = await this.repository.list(after?.sensor_id ?? -1, limit + 1)
    const sensors = rows.slice(0, limit)
    const last = sensors.at(-1)
    return {
      sensors,
      next_cursor: rows.length > limit && last !== undefined ? encodeCursor({ sensor_id: last.sensor_id } satisfies SensorCursor) : null
    }
  }

  find (sensorId: number): Promise<SensorDetail | undefined> {
    return this.repository.find(sensorId)
  }

  /** Sensors with no reading in the last `minutes` (by reading timestamp), at most `limit` listed. */
  async silent (minutes: number, limit: number): Promise<SilentReport> {
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
