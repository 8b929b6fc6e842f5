import { api } from '../api.js'
import { formatDateTime, formatValue } from '../format.js'
import { QueryError } from '../ui/query-error.js'
import { useLiveQuery } from '../use-live-query.js'
import { newestKey, takeInitial } from '../initial-data.js'
import { NEWEST_READINGS_SHOWN } from '../../../src/dashboard/sensor-page-contract.js'

/** The sensor's newest raw readings (GET /readings), newest first. */
export function NewestReadings ({ sensorId, version }: { sensorId: number, version: number }) {
  const query = useLiveQuery((signal) => api.newestReadings(sensorId, NEWEST_READINGS_SHOWN, signal), String(sensorId), version, () => takeInitial(newestKey(sensorId)))
  return (
    <section class='card' aria-labelledby='raw-heading'>
      <div class='card-head'><h2 id='raw-heading'>Newest readings</h2></div>
      {query.error !== undefined && <QueryError error={query.error} what='the newest readings' />}
      {query.data !== undefined && (
        <div class='table-wrap'>
          <table class='raw' data-testid='raw-readings'>
            <thead><tr><th scope='col'>Time</th><th scope='col'>Variable</th><th scope='col' class='num'>Value</th></tr></thead>
            <tbody>
              {query.data.readings.map((r) => (
                <tr key={`${r.timestamp}:${r.variable}`}>
                  <td>{formatDateTime(Date.parse(r.timestamp))}</td>
                  <td>{r.variable}</td>
                  <td class='num'>{formatValue(r.value)}{r.unit === '' ? '' : ` ${r.unit}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
