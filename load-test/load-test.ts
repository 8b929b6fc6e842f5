import type { LoadTestOptions } from './args.js'
import { percentilesMs } from './latency.js'
import { buildSummary, type Summary } from './report.js'
import { randomSensorBase } from './readings.js'
import { runLoad, type RunHooks } from './run.js'
import { compareCounts, fetchStoredCounts, ReadApiError, type Verification } from './verify.js'

/** The run could not start: nothing was sent. */
export class NotStartedError extends Error {
  override name = 'NotStartedError'
}

const SENSOR_BASE_ATTEMPTS = 3

const sensorIds = (base: number, count: number) => Array.from({ length: count }, (_, i) => base + i)

/**
 * A whole load test: picks sensor ids no earlier run used (checked through the read API, which
 * also proves verification will be possible), sends the readings, then verifies what was stored.
 */
export async function loadTest (options: LoadTestOptions, hooks: RunHooks & { sensorBase?: number, command?: string } = {}): Promise<Summary> {
  const readApi = { url: options.url, token: options.token }
  const sensorBase = await freeSensorBase(options, readApi, hooks.sensorBase)

  if (hooks.signal?.aborted === true) throw new NotStartedError('interrupted before the first request')
  const run = await runLoad(options, sensorBase, hooks)

  let verification: Verification | { error: string }
  try {
    const stored = await fetchStoredCounts(sensorIds(sensorBase, options.sensors), readApi)
    verification = compareCounts(run.ledger.tallyBySensor(options.sensors, options.batch), stored)
  } catch (err) {
    if (!(err instanceof ReadApiError)) throw err
    verification = { error: err.message }
  }

  return buildSummary({
    options,
    sensorBase,
    startedAt: run.startedAt,
    elapsedS: run.elapsedS,
    counts: run.ledger.counts,
    uniqueReadingsSent: run.ledger.uniqueReadingsSent,
    latencyMs: percentilesMs(run.latency.fromSchedule),
    serviceTimeMs: percentilesMs(run.latency.serviceTime),
    timelineRows: run.timeline.rows,
    outages: run.outages.outages,
    serverSamples: run.serverSamples,
    command: hooks.command,
    verification
  })
}

async function freeSensorBase (options: LoadTestOptions, readApi: Parameters<typeof fetchStoredCounts>[1], given: number | undefined): Promise<number> {
  for (let attempt = 0; attempt < SENSOR_BASE_ATTEMPTS; attempt++) {
    const base = given ?? randomSensorBase(options.sensors)
    let stored: number[]
    try {
      stored = await fetchStoredCounts(sensorIds(base, options.sensors), readApi)
    } catch (err) {
      if (!(err instanceof ReadApiError)) throw err
      throw new NotStartedError(`the read API cannot verify this run: ${err.message}`)
    }
    if (stored.every((n) => n === 0)) return base
    if (given !== undefined) break
  }
  throw new NotStartedError('could not find sensor ids without readings for this run')
}
