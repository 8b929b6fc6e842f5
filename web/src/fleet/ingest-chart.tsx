import { useMemo, useState } from 'preact/hooks'
import uPlot from 'uplot'
import { api } from '../api.js'
import { serverNow } from '../clock.js'
import { formatCount } from '../format.js'
import { axis, Chart, CHART_COLORS } from '../ui/chart.js'
import { QueryError } from '../ui/query-error.js'
import { Segmented } from '../ui/segmented.js'
import { useLiveQuery } from '../use-live-query.js'

const RANGES = [
  { value: '1h', label: 'Last hour', ms: 3_600_000, bucket: '1m' },
  { value: '24h', label: 'Last 24 h', ms: 86_400_000, bucket: '15m' }
] as const
type Range = typeof RANGES[number]['value']

/** Readings stored per minute, fleet-wide (GET /stats/ingest), refreshed with every change of the fleet. */
export function IngestChart ({ version }: { version: number }) {
  const [rangeName, setRange] = useState<Range>('1h')
  const range = RANGES.find((r) => r.value === rangeName)!
  const query = useLiveQuery((signal) => {
    const to = serverNow()
    return api.ingest(to - range.ms, to, range.bucket, signal)
  }, rangeName, version)

  const options = useMemo((): Omit<uPlot.Options, 'width' | 'height'> => ({
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
    axes: [axis(), axis({ size: 56, values: (_u, splits) => splits.map((v) => formatCount(v)) })],
    series: [{}, { label: 'readings per minute', fill: CHART_COLORS.bar, stroke: CHART_COLORS.bar, width: 0, paths: uPlot.paths.bars!({ size: [0.85, 40] }) }]
  }), [])

  const data = useMemo((): uPlot.AlignedData => {
    const buckets = query.data?.buckets ?? []
    const perMinute = (query.data?.bucket_seconds ?? 60) / 60
    return [buckets.map((b) => Date.parse(b.start) / 1000), buckets.map((b) => b.count / perMinute)]
  }, [query.data])
  const stored = query.data?.buckets.reduce((sum, b) => sum + b.count, 0)

  return (
    <section class='card' aria-labelledby='ingest-heading'>
      <div class='card-head'>
        <h2 id='ingest-heading'>Readings stored per minute</h2>
        <Segmented label='Range' options={RANGES} value={rangeName} onChange={setRange} testId='ingest-range' />
      </div>
      {query.error !== undefined && <QueryError error={query.error} what='ingest statistics' />}
      {query.data !== undefined && (
        <>
          <p class='muted' data-testid='ingest-total'>{formatCount(stored ?? 0)} stored in the {range.label.toLowerCase()}</p>
          <Chart options={options} data={data} height={180} label={`Readings stored per minute, ${range.label.toLowerCase()}`} testId='ingest-chart' />
        </>
      )}
      {query.data === undefined && query.error === undefined && <p class='muted'>Loading…</p>}
    </section>
  )
}
