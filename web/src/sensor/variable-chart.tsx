import { useMemo, useRef } from 'preact/hooks'
import type uPlot from 'uplot'
import { api, type Aggregate } from '../api.js'
import { serverNow } from '../clock.js'
import { formatValue } from '../format.js'
import { axis, Chart, CHART_COLORS } from '../ui/chart.js'
import { QueryError } from '../ui/query-error.js'
import { useLiveQuery } from '../use-live-query.js'
import { aggregateKey, takeInitial } from '../initial-data.js'
import { CHART_RANGES_MS, CHART_RIGHT_EDGE_MS, type ChartRange } from '../../../src/dashboard/sensor-page-contract.js'

export const RANGES: Array<{ value: ChartRange, label: string }> = [
  { value: '1h', label: '1 h' },
  { value: '24h', label: '24 h' },
  { value: '7d', label: '7 d' },
  { value: '30d', label: '30 d' }
]

/**
 * The aligned series uPlot draws: time, min, max, avg. Empty buckets are not sent; a null after
 * each gap keeps the lines from bridging it.
 */
export function seriesOf (aggregate: Aggregate): uPlot.AlignedData {
  const x: number[] = []
  const min: Array<number | null> = []
  const max: Array<number | null> = []
  const avg: Array<number | null> = []
  let previous: number | undefined
  for (const bucket of aggregate.buckets) {
    const start = Date.parse(bucket.start) / 1000
    if (previous !== undefined && start - previous > aggregate.bucket_seconds) {
      x.push(previous + aggregate.bucket_seconds)
      min.push(null)
      max.push(null)
      avg.push(null)
    }
    x.push(start)
    min.push(bucket.min)
    max.push(bucket.max)
    avg.push(bucket.avg)
    previous = start
  }
  return [x, min, max, avg]
}

interface Props {
  sensorId: number
  variable: string
  unit: string
  range: ChartRange
  version: number
}

/** One variable over the chosen range: the min–max band of each bucket and its average (GET /readings/aggregate). */
export function VariableChart ({ sensorId, variable, unit, range, version }: Props) {
  const query = useLiveQuery((signal) => {
    const to = serverNow() + CHART_RIGHT_EDGE_MS
    return api.aggregate(sensorId, variable, to - CHART_RANGES_MS[range], to, signal)
  }, `${sensorId}:${variable}:${range}`, version, () => takeInitial(aggregateKey(sensorId, variable, range)))

  const options = useMemo((): Omit<uPlot.Options, 'width' | 'height'> => ({
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    axes: [axis(), axis({ size: 60, values: (_u, splits) => splits.map((v) => formatValue(v)) })],
    series: [
      {},
      { label: 'min', stroke: CHART_COLORS.band, width: 1 },
      { label: 'max', stroke: CHART_COLORS.band, width: 1 },
      { label: 'average', stroke: CHART_COLORS.line, width: 2 }
    ],
    bands: [{ series: [2, 1], fill: CHART_COLORS.band }]
  }), [])
  const data = useMemo(() => query.data === undefined ? undefined : seriesOf(query.data), [query.data])
  // User Timing: when uPlot first drew this range's buckets (npm run bench reads it).
  const marked = useRef(new Set<ChartRange>())
  const markDrawn = () => {
    if (marked.current.has(range)) return
    marked.current.add(range)
    performance.mark(`dashboard:chart:${variable}:${range}`)
  }
  const title = unit === '' ? variable : `${variable} (${unit})`

  return (
    <section class='card' aria-label={`${variable} chart`} data-testid={`chart-card-${variable}`}>
      <div class='card-head'>
        <h3>{title}</h3>
        <span class='muted legend'><span class='swatch swatch-line' aria-hidden='true' />average <span class='swatch swatch-band' aria-hidden='true' />min–max</span>
      </div>
      {query.error !== undefined && <QueryError error={query.error} what='the chart' />}
      {data !== undefined && data[0].length === 0 && <p class='muted'>No reading in this range.</p>}
      {data !== undefined && data[0].length > 0 && (
        <Chart options={options} data={data} height={200} label={`${title}: average with min–max band`} testId={`chart-${variable}`} onDraw={markDrawn} />
      )}
      {data === undefined && query.error === undefined && <p class='muted'>Loading…</p>}
    </section>
  )
}
