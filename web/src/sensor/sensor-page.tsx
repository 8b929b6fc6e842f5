import { useState } from 'preact/hooks'
import { api, ApiProblem, type SensorDetail } from '../api.js'
import { serverNow } from '../clock.js'
import { formatAgo, formatCount, formatDateTime, formatDuration, formatValue } from '../format.js'
import { fleetHref, keepInUrl } from '../route.js'
import { chartRangeOf, DEFAULT_CHART_RANGE, type ChartRange } from '../../../src/dashboard/sensor-page-contract.js'
import { sensorKey, takeInitial } from '../initial-data.js'
import type { FleetSensor } from '../live.js'
import { useFeed } from '../use-feed.js'
import { useLiveQuery } from '../use-live-query.js'
import { Header, OfflineBanner, StateMessage } from '../ui/layout.js'
import { QueryError } from '../ui/query-error.js'
import { Segmented } from '../ui/segmented.js'
import { useTicker } from '../ui/use-ticker.js'
import { NewestReadings } from './newest-readings.js'
import { RANGES, VariableChart } from './variable-chart.js'

/** A sensor is shown as silent after this long without a reading (the fleet page's default window). */
const SILENT_AFTER_MS = 10 * 60_000

/** The chart range from the address (?range=30d), so a link or a bookmark keeps it. */
function rangeFromUrl (): ChartRange {
  return chartRangeOf(new URLSearchParams(location.search).get('range'))
}

/**
 * Whether the page shows every reading the feed has of the sensor. The feed may lag behind the
 * page: its snapshot can predate the fold that the page's own read waited for.
 */
function showsAllOf (shown: SensorDetail, followed: FleetSensor | undefined): boolean {
  return followed === undefined || (followed.reading_count <= shown.reading_count &&
    followed.variables.every((variable) => shown.variables.some((v) => v.variable === variable)))
}

/** One sensor: latest value of each variable, its lifespan, charts and newest readings, all kept live. */
export function SensorPage ({ sensorId }: { sensorId: number }) {
  // A feed event reloads nothing if the page (embedded data or fetched) shows all the feed has of
  // the sensor: the charts and readings were read after it, so hold all it counts. So the first
  // snapshot, and the change the fold of this page's own read announces, cost no second read.
  const feed = useFeed(sensorId, (sensors) => {
    if (sensor !== undefined) return showsAllOf(sensor, sensors.get(sensorId))
    if (unknown) return !sensors.has(sensorId)
    return detail.error === undefined ? undefined : false
  })
  const [range, setRange] = useState<ChartRange>(rangeFromUrl)
  useTicker(5000)
  const detail = useLiveQuery((signal) => api.sensor(sensorId, signal), String(sensorId), feed.version, () => takeInitial(sensorKey(sensorId)))
  document.title = `Sensor ${sensorId} · Sensor fleet`

  const sensor = detail.data
  const unknown = detail.error instanceof ApiProblem && detail.error.status === 404
  const now = serverNow()
  const lastSeen = sensor === undefined ? undefined : Date.parse(sensor.last_seen)
  const silent = lastSeen !== undefined && lastSeen < now - SILENT_AFTER_MS

  return (
    <>
      <Header status={feed.status}>
        <a class='back' href={fleetHref}>← Fleet</a>
      </Header>
      <main>
        {feed.status === 'offline' && <OfflineBanner retryInMs={feed.retryInMs} />}
        <div class='toolbar'>
          <h1>Sensor {sensorId}</h1>
          {sensor !== undefined && (
            <span class={silent ? 'badge badge-silent' : 'badge badge-ok'} data-testid='sensor-status'>{silent ? 'Silent' : 'Reporting'}</span>
          )}
        </div>
        {unknown && <StateMessage testId='unknown-sensor'>No reading of sensor {sensorId} is stored yet. This page shows it as soon as one arrives.</StateMessage>}
        {detail.error !== undefined && !unknown && sensor === undefined && <QueryError error={detail.error} what='this sensor' />}
        {sensor === undefined && detail.error === undefined && <StateMessage testId='loading'>Loading sensor {sensorId}…</StateMessage>}
        {sensor !== undefined && (
          <>
            <section class='counts' aria-label='Latest values'>
              {sensor.variables.map((v) => (
                <div class='count' key={v.variable}>
                  <span class='count-label'>{v.variable}</span>
                  <span class='count-value'>
                    <span data-testid={`latest-${v.variable}`}>{formatValue(v.latest.value)}</span>
                    {v.latest.unit !== '' && <span class='unit'> {v.latest.unit}</span>}
                  </span>
                  <span class='count-note' title={formatDateTime(Date.parse(v.latest.timestamp))}>{formatAgo(Date.parse(v.latest.timestamp), now)}</span>
                </div>
              ))}
            </section>
            <section class='card' aria-label='Lifespan'>
              <dl class='facts'>
                <div><dt>First seen</dt><dd data-testid='first-seen'>{formatDateTime(Date.parse(sensor.first_seen))}</dd></div>
                <div><dt>Last seen</dt><dd data-testid='last-seen'>{formatDateTime(lastSeen!)} ({formatAgo(lastSeen!, now)})</dd></div>
                <div><dt>Reporting for</dt><dd>{formatDuration(lastSeen! - Date.parse(sensor.first_seen))}</dd></div>
                <div><dt>Readings</dt><dd data-testid='reading-count'>{formatCount(sensor.reading_count)}</dd></div>
                <div><dt>Mean interval</dt><dd>{sensor.mean_interval_s === null ? '–' : formatDuration(sensor.mean_interval_s * 1000)}</dd></div>
              </dl>
            </section>
            <div class='toolbar'>
              <h2>History</h2>
              <Segmented label='Chart range' options={RANGES} value={range} onChange={(next) => { setRange(next); keepInUrl('range', next === DEFAULT_CHART_RANGE ? undefined : next) }} testId='chart-range' />
            </div>
            {sensor.variables.map((v) => (
              <VariableChart key={v.variable} sensorId={sensorId} variable={v.variable} unit={v.latest.unit} range={range} version={feed.version} />
            ))}
            <NewestReadings sensorId={sensorId} version={feed.version} />
          </>
        )}
        {detail.error !== undefined && sensor !== undefined && <QueryError error={detail.error} what='the latest values' />}
      </main>
    </>
  )
}
