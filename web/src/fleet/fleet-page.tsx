import { useEffect, useMemo, useState } from 'preact/hooks'
import { serverNow } from '../clock.js'
import { formatCount, formatShare } from '../format.js'
import { keepInUrl } from '../route.js'
import { DEFAULT_SILENCE_WINDOW_MIN, SILENCE_WINDOWS_MIN, silenceWindowOf, type EmbeddedFleetCounts } from '../../../src/dashboard/fleet-page-contract.js'
import { fleetCountsKey, takeInitial } from '../initial-data.js'
import { useFeed } from '../use-feed.js'
import { Header, OfflineBanner, StateMessage } from '../ui/layout.js'
import { Segmented } from '../ui/segmented.js'
import { useTicker } from '../ui/use-ticker.js'
import { IngestChart } from './ingest-chart.js'
import { SensorTable } from './sensor-table.js'

// The windows the server also counts in (fleet-page-contract.ts): 5 min, 10 min, 1 h, 24 h.
const WINDOWS = SILENCE_WINDOWS_MIN.map((minutes) => ({ value: minutes as number, label: minutes < 60 ? `${minutes} min` : `${minutes / 60} h` }))

/** The silence window from the address (?silent=minutes), so a wall screen's bookmark keeps it. */
function windowFromUrl (): number {
  return silenceWindowOf(new URLSearchParams(location.search).get('silent'))
}

export function FleetPage () {
  const feed = useFeed()
  const [windowMin, setWindowMin] = useState(windowFromUrl)
  // The counts the page came with, shown for their window until the feed has the whole fleet.
  const [embedded] = useState(() => takeInitial<EmbeddedFleetCounts>(fleetCountsKey(windowMin)))
  useTicker(5000)
  const counted = feed.loaded || embedded?.silent_minutes === windowMin
  // User Timing: when the counts first showed (npm run bench reads it, as "first meaningful paint").
  useEffect(() => { if (counted) performance.mark('dashboard:fleet-shown') }, [counted])

  const chooseWindow = (minutes: number) => {
    setWindowMin(minutes)
    keepInUrl('silent', minutes === DEFAULT_SILENCE_WINDOW_MIN ? undefined : String(minutes))
  }

  const now = serverNow()
  const silentBefore = now - windowMin * 60_000
  const fromFeed = useMemo(() => {
    let silent = 0
    for (const sensor of feed.sensors.values()) if (sensor.last_seen_ms < silentBefore) silent++
    return { total: feed.sensors.size, silent }
  }, [feed.version, silentBefore])
  const { total, silent } = feed.loaded || embedded === undefined ? fromFeed : { total: embedded.sensors, silent: embedded.silent }

  return (
    <>
      <Header status={feed.status} />
      <main>
        {feed.status === 'offline' && <OfflineBanner retryInMs={feed.retryInMs} />}
        <div class='toolbar'>
          <h1>Fleet</h1>
          <Segmented label='Silent after' options={WINDOWS} value={windowMin} onChange={chooseWindow} testId='silence-window' />
        </div>
        {counted && (
          <section class='counts' aria-label='Fleet counts'>
            <Count label='Sensors' value={formatCount(total)} testId='sensor-count' />
            <Count label='Reporting' value={formatCount(total - silent)} testId='reporting-count' />
            <Count label={`Silent for ${WINDOWS.find((w) => w.value === windowMin)!.label}`} value={formatCount(silent)} testId='silent-count' alert={silent > 0} />
            <Count label='Silent share' value={formatShare(total === 0 ? 0 : silent / total)} testId='silent-share' alert={silent > 0} />
          </section>
        )}
        {!feed.loaded && feed.status !== 'offline' && <StateMessage testId='loading'>Loading the fleet…</StateMessage>}
        {!feed.loaded && feed.status === 'offline' && <StateMessage testId='unreachable'>The API does not answer, so the fleet cannot be shown yet. This page keeps trying.</StateMessage>}
        {feed.loaded && (
          <>
            {total === 0
              ? <EmptyFleet />
              : (
                <>
                  <IngestChart version={feed.version} />
                  <SensorTable sensors={feed.sensors} version={feed.version} silentBefore={silentBefore} now={now} />
                </>
                )}
          </>
        )}
      </main>
    </>
  )
}

function Count ({ label, value, testId, alert = false }: { label: string, value: string, testId: string, alert?: boolean }) {
  return (
    <div class={alert ? 'count count-alert' : 'count'}>
      <span class='count-label'>{label}</span>
      <span class='count-value' data-testid={testId}>{value}</span>
    </div>
  )
}

function EmptyFleet () {
  const example = `curl -X POST ${location.origin}/readings -H 'content-type: application/json' \\
  -d '{"sensor_id": 1, "timestamp": "${new Date().toISOString()}", "variable": "temperature", "value": 21.5, "unit": "C"}'`
  return (
    <StateMessage testId='empty-fleet'>
      <h2>No sensor has reported yet</h2>
      <p>Readings sent to <code>POST /readings</code> show up here within a couple of seconds, for example:</p>
      <pre><code>{example}</code></pre>
    </StateMessage>
  )
}
