import type { EmbeddedFleetCounts } from '../../src/dashboard/fleet-page-contract.js'
import { INITIAL_DATA_ID, type EmbeddedSensorPage } from '../../src/dashboard/sensor-page-contract.js'
import type { Aggregate, Reading, SensorDetail } from './api.js'
import { syncClock } from './clock.js'

export type SensorPageData = EmbeddedSensorPage<SensorDetail, { readings: Reading[] }, Aggregate>

// The data the server sent within the page (a JSON data block), by the query each part answers:
// each is taken once, by that query's first load; any later load fetches.
const parts = new Map<string, unknown>()

export const sensorKey = (sensorId: number) => `sensor:${sensorId}`
export const newestKey = (sensorId: number) => `newest:${sensorId}`
export const aggregateKey = (sensorId: number, variable: string, range: string) => `aggregate:${sensorId}:${variable}:${range}`
export const fleetCountsKey = (silentMinutes: number) => `fleet-counts:${silentMinutes}`

function readBlock (): void {
  const text = document.getElementById(INITIAL_DATA_ID)?.textContent
  if (text === undefined || text === null || text === '') return
  let data: SensorPageData | EmbeddedFleetCounts
  try {
    data = JSON.parse(text) as SensorPageData | EmbeddedFleetCounts
  } catch {
    return // a page cut short: fetched as without it
  }
  syncClock(data.now)
  if ('kind' in data) {
    parts.set(fleetCountsKey(data.silent_minutes), data)
    return
  }
  parts.set(sensorKey(data.sensor_id), data.sensor)
  parts.set(newestKey(data.sensor_id), data.newest_readings)
  for (const aggregate of data.aggregates) parts.set(aggregateKey(data.sensor_id, aggregate.variable, data.range), aggregate)
}
readBlock()

/** The embedded answer for the query `key`, once; undefined if the page holds none (or it was taken). */
export function takeInitial<T> (key: string): T | undefined {
  const part = parts.get(key) as T | undefined
  parts.delete(key)
  return part
}
