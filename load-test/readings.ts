import { randomInt } from 'node:crypto'

/** One reading as POST /readings takes it. */
export interface ReadingBody {
  sensor_id: number
  timestamp: string
  variable: string
  value: number
  unit: string
}

/** The variables every simulated sensor reports, with a plausible range and step for a random walk. */
export const VARIABLES = [
  { variable: 'temperature', unit: '°C', min: -10, max: 40, start: 21, step: 0.2, decimals: 2 },
  { variable: 'humidity', unit: '%', min: 5, max: 100, start: 45, step: 0.5, decimals: 1 },
  { variable: 'pressure', unit: 'hPa', min: 950, max: 1050, start: 1013.25, step: 0.3, decimals: 2 },
  { variable: 'co2', unit: 'ppm', min: 400, max: 5000, start: 650, step: 8, decimals: 0 },
  { variable: 'battery', unit: 'V', min: 3.0, max: 4.2, start: 3.9, step: 0.002, decimals: 3 }
] as const

/** Sensor ids are int4: every run takes its own block of ids in the upper half of the range. */
const SENSOR_ID_FLOOR = 1_000_000_000
const SENSOR_ID_CEILING = 2_147_483_647

/** A random first sensor id for a run of `sensors` ids, so runs never share a sensor. */
export function randomSensorBase (sensors: number): number {
  return randomInt(SENSOR_ID_FLOOR, SENSOR_ID_CEILING - sensors + 1)
}

/** One request's readings: a new batch, or an exact resend of an earlier one. */
export interface Batch {
  /** Index of the batch whose readings these are (a resend carries the original's index). */
  index: number
  resend: boolean
  readings: number
  body: string
}

export interface GeneratorOptions {
  sensorBase: number
  sensors: number
  batch: number
  /** Fraction of requests that resend an earlier batch. */
  duplicates: number
  /** Total readings in new batches; the last batch is cut short to fit. Unlimited when absent. */
  maxReadings?: number
  /** Clock in microseconds since the epoch (injectable for tests). */
  nowMicros?: () => number
}

/** Earlier batches a resend picks from: bounded, so a long --max run does not keep every body. */
const RESEND_POOL = 10_000

/**
 * Makes request bodies. Reading k of the run belongs to sensor `sensorBase + k % sensors` and
 * reports `VARIABLES[(k / sensors) % VARIABLES.length]`, so any reading's sensor follows from
 * its index. Timestamps are the current time, strictly increasing per sensor (microseconds), so
 * every new reading has its own (sensor_id, timestamp, variable) key.
 */
export class ReadingGenerator {
  private readonly walk: Float64Array
  private readonly lastMicros: Float64Array
  private readonly resendPool: Batch[] = []
  private readonly nowMicros: () => number
  private readingsMade = 0
  private batchesMade = 0
  private requestsMade = 0
  private resendsMade = 0

  constructor (private readonly options: GeneratorOptions) {
    this.walk = new Float64Array(options.sensors * VARIABLES.length)
    for (let s = 0; s < options.sensors; s++) {
      VARIABLES.forEach((v, i) => { this.walk[s * VARIABLES.length + i] = v.start + (Math.random() - 0.5) * v.step * 20 })
    }
    this.lastMicros = new Float64Array(options.sensors)
    this.nowMicros = options.nowMicros ?? (() => Math.floor((performance.timeOrigin + performance.now()) * 1000))
  }

  /** New batches made so far (their readings are the run's unique readings). */
  get batches (): number {
    return this.batchesMade
  }

  /** Sensor index (0-based) of reading k. */
  sensorOf (k: number): number {
    return k % this.options.sensors
  }

  /** Readings in new batch `index` (only the last one of a --readings run may be short). */
  readingsIn (index: number): number {
    const { batch, maxReadings } = this.options
    return maxReadings === undefined ? batch : Math.max(0, Math.min(batch, maxReadings - index * batch))
  }

  /** The next request's batch; the duplicates fraction of requests resend an earlier one. */
  next (): Batch {
    const request = this.requestsMade++
    // Exactly floor(n × fraction) of the first n requests are resends, spread evenly.
    const resend = Math.floor((request + 1) * this.options.duplicates) > Math.floor(request * this.options.duplicates)
    if (resend && this.resendPool.length > 0) {
      this.resendsMade++
      const earlier = this.resendPool[randomInt(this.resendPool.length)]!
      return { ...earlier, resend: true }
    }
    const batch = this.newBatch()
    if (this.options.duplicates > 0) {
      if (this.resendPool.length < RESEND_POOL) this.resendPool.push(batch)
      else this.resendPool[randomInt(RESEND_POOL)] = batch
    }
    return batch
  }

  private newBatch (): Batch {
    const index = this.batchesMade++
    const count = this.readingsIn(index)
    const readings: ReadingBody[] = []
    for (let j = 0; j < count; j++) readings.push(this.reading(this.readingsMade++))
    const body = JSON.stringify(this.options.batch === 1 ? readings[0] : readings)
    return { index, resend: false, readings: count, body }
  }

  private reading (k: number): ReadingBody {
    const { sensors, sensorBase } = this.options
    const sensor = k % sensors
    const v = Math.floor(k / sensors) % VARIABLES.length
    const spec = VARIABLES[v]!
    const slot = sensor * VARIABLES.length + v
    const value = Math.min(spec.max, Math.max(spec.min, this.walk[slot]! + (Math.random() - 0.5) * 2 * spec.step))
    this.walk[slot] = value
    const micros = Math.max(this.nowMicros(), this.lastMicros[sensor]! + 1)
    this.lastMicros[sensor] = micros
    return {
      sensor_id: sensorBase + sensor,
      timestamp: isoMicros(micros),
      variable: spec.variable,
      value: Number(value.toFixed(spec.decimals)),
      unit: spec.unit
    }
  }
}

/** Microseconds since the epoch → `2026-11-23T16:00:00.123456Z`. */
export function isoMicros (micros: number): string {
  const ms = Math.floor(micros / 1000)
  const extra = String(micros - ms * 1000).padStart(3, '0')
  return new Date(ms).toISOString().replace('Z', `${extra}Z`)
}
