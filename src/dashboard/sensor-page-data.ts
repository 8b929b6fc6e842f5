import type { Pool } from 'pg'
import { parseTimestamp, type ParsedTimestamp } from '../ingest/timestamp.js'
import { AggregateRepository } from '../read/aggregate-repository.js'
import { AggregateService, type AggregateAnswer } from '../read/aggregate-service.js'
import { ReadingsQueryRepository } from '../read/readings-repository.js'
import { ReadingsService, type ReadingPage } from '../read/readings-service.js'
import { SensorsRepository, type SensorDetail } from '../read/sensors-repository.js'
import { SensorsService, type Staleness } from '../read/sensors-service.js'
import type { SummaryFolder } from '../summary/folder.js'
import { CHART_RANGES_MS, CHART_RIGHT_EDGE_MS, NEWEST_READINGS_SHOWN, type ChartRange, type EmbeddedSensorPage } from './sensor-page-contract.js'

export type SensorPageData = EmbeddedSensorPage<SensorDetail & Partial<Staleness>, ReadingPage, AggregateAnswer>

const instant = (epochMs: number): ParsedTimestamp => {
  const parsed = parseTimestamp(epochMs)
  if (!parsed.ok) throw new Error(`no instant at ${epochMs}: ${parsed.message}`)
  return parsed.value
}

/**
 * What a sensor page's first render fetches, read with the services behind those API routes, so
 * the page can be sent with it (sensor-page-contract.ts).
 */
export class SensorPageReader {
  private readonly sensors: SensorsService
  private readonly readings: ReadingsService
  private readonly aggregates: AggregateService

  constructor (pool: Pool, summary: Pick<SummaryFolder, 'foldPast'>, private readonly options: {
    /** As the read routes: how long the sensor's read waits for a fold, and what is told of a stale answer. */
    waitMs: number
    onStale?: () => void
    now?: () => number
  }) {
    this.sensors = new SensorsService(new SensorsRepository(pool), summary, options)
    this.readings = new ReadingsService(new ReadingsQueryRepository(pool))
    this.aggregates = new AggregateService(new AggregateRepository(pool))
  }

  /** The page's data, or undefined for a sensor with no reading counted (the page then says so itself). */
  async read (sensorId: number, range: ChartRange): Promise<SensorPageData | undefined> {
    const now = (this.options.now ?? Date.now)()
    // The sensor first: readings and charts read after it hold at least what it counts, so the
    // live feed's first snapshot, when it matches the sensor, tells the page nothing is missing.
    const { sensor, stale } = await this.sensors.find(sensorId)
    if (sensor === undefined) return undefined
    const to = now + CHART_RIGHT_EDGE_MS
    const from = to - CHART_RANGES_MS[range]
    const [newest, aggregates] = await Promise.all([
      this.readings.page({ sensorId }, NEWEST_READINGS_SHOWN),
      Promise.all(sensor.variables.map((v) =>
        this.aggregates.aggregate(sensorId, v.variable, { from: instant(from), to: instant(to), bucket: 'auto' })))
    ])
    return {
      now,
      sensor_id: sensorId,
      range,
      sensor: { ...sensor, ...stale },
      newest_readings: newest,
      aggregates
    }
  }
}
