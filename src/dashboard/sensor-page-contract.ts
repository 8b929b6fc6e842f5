// What a sensor page's first render reads, shared by the server (which may embed it in the page,
// src/dashboard/page-routes.ts) and the page (web/src/sensor/): both must ask for the same data.

/** The chart ranges a sensor page offers (?range=), as milliseconds back from the right edge. */
export const CHART_RANGES_MS = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000
} as const
export type ChartRange = keyof typeof CHART_RANGES_MS

/** The range a sensor page opens on without ?range=, or with one it does not offer. */
export const DEFAULT_CHART_RANGE: ChartRange = '24h'

/** A chart's right edge is this far past the server's clock, so the newest reading (timestamps may run a little ahead) is in range. */
export const CHART_RIGHT_EDGE_MS = 60_000

/** How many of the newest readings a sensor page lists. */
export const NEWEST_READINGS_SHOWN = 20

/** The id of the JSON data block (`<script type="application/json">`) the data is embedded in. */
export const INITIAL_DATA_ID = 'initial-data'

export function chartRangeOf (value: unknown): ChartRange {
  return typeof value === 'string' && Object.hasOwn(CHART_RANGES_MS, value) ? value as ChartRange : DEFAULT_CHART_RANGE
}

/** The data block: each part exactly as the API route named in its comment answers it. */
export interface EmbeddedSensorPage<Sensor = unknown, Readings = unknown, Aggregate = unknown> {
  /** The server's clock when the data was read (epoch ms). */
  now: number
  sensor_id: number
  range: ChartRange
  /** GET /sensors/{id} */
  sensor: Sensor
  /** GET /readings?sensor_id={id}&limit=NEWEST_READINGS_SHOWN */
  newest_readings: Readings
  /** GET /readings/aggregate?bucket=auto for each of the sensor's variables, over `range` up to now + CHART_RIGHT_EDGE_MS. */
  aggregates: Aggregate[]
}
