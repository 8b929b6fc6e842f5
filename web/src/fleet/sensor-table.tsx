import { useMemo, useState } from 'preact/hooks'
import { formatAgo, formatCount, formatDateTime } from '../format.js'
import type { FleetSensor } from '../live.js'
import { sensorHref } from '../route.js'

const PAGE_SIZE = 50

type Order = 'newest' | 'oldest' | 'id'

const ORDERS: Record<Order, (a: FleetSensor, b: FleetSensor) => number> = {
  newest: (a, b) => b.last_seen_ms - a.last_seen_ms || a.sensor_id - b.sensor_id,
  oldest: (a, b) => a.last_seen_ms - b.last_seen_ms || a.sensor_id - b.sensor_id,
  id: (a, b) => a.sensor_id - b.sensor_id
}

interface Props {
  sensors: Map<number, FleetSensor>
  /** Changes whenever `sensors` did. */
  version: number
  silentBefore: number
  now: number
}

/** Every sensor, silent ones first and marked, then by the chosen order; searchable by id; one page of 50 at a time. */
export function SensorTable ({ sensors, version, silentBefore, now }: Props) {
  const [order, setOrder] = useState<Order>('newest')
  const [search, setSearch] = useState('')
  const [page, setPage] = useState(0)

  const rows = useMemo(() => {
    const query = search.trim()
    const matching = [...sensors.values()].filter((s) => query === '' || String(s.sensor_id).startsWith(query))
    const silent = matching.filter((s) => s.last_seen_ms < silentBefore).sort(ORDERS[order])
    const reporting = matching.filter((s) => s.last_seen_ms >= silentBefore).sort(ORDERS[order])
    return silent.concat(reporting)
  }, [version, search, order, silentBefore])

  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE))
  const shown = Math.min(page, pages - 1)
  const first = shown * PAGE_SIZE
  const visible = rows.slice(first, first + PAGE_SIZE)

  const sortBy = (next: Order) => {
    setOrder(next)
    setPage(0)
  }
  const lastSeenSort = order === 'newest' ? 'descending' : order === 'oldest' ? 'ascending' : undefined

  return (
    <section class='card' aria-labelledby='sensors-heading'>
      <div class='card-head'>
        <h2 id='sensors-heading'>Sensors</h2>
        <label class='search'>
          <span class='visually-hidden'>Find a sensor by id</span>
          <input
            type='search' inputmode='numeric' placeholder='Find sensor id…' value={search} data-testid='sensor-search'
            onInput={(e) => { setSearch(e.currentTarget.value); setPage(0) }}
          />
        </label>
      </div>
      <div class='table-wrap'>
        <table class='sensors' data-testid='sensor-table'>
          <thead>
            <tr>
              <th scope='col' aria-sort={order === 'id' ? 'ascending' : undefined}>
                <button type='button' onClick={() => sortBy('id')}>Sensor</button>
              </th>
              <th scope='col'>Status</th>
              <th scope='col' aria-sort={lastSeenSort}>
                <button type='button' onClick={() => sortBy(order === 'newest' ? 'oldest' : 'newest')} data-testid='sort-last-seen'>
                  Last seen {order === 'newest' ? '↓' : order === 'oldest' ? '↑' : ''}
                </button>
              </th>
              <th scope='col' class='wide'>Readings</th>
              <th scope='col' class='wide'>Variables</th>
            </tr>
          </thead>
          <tbody>
            {visible.map((sensor) => {
              const silent = sensor.last_seen_ms < silentBefore
              return (
                <tr key={sensor.sensor_id} class={silent ? 'silent' : undefined} data-testid={`sensor-row-${sensor.sensor_id}`}>
                  <td><a href={sensorHref(sensor.sensor_id)}>{sensor.sensor_id}</a></td>
                  <td><span class={silent ? 'badge badge-silent' : 'badge badge-ok'}>{silent ? 'Silent' : 'Reporting'}</span></td>
                  <td title={formatDateTime(sensor.last_seen_ms)}>{formatAgo(sensor.last_seen_ms, now)}</td>
                  <td class='wide num'>{formatCount(sensor.reading_count)}</td>
                  <td class='wide'>{sensor.variables.join(', ')}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
      {rows.length === 0 && <p class='muted'>No sensor id starts with “{search.trim()}”.</p>}
      <nav class='pager' aria-label='Sensor pages'>
        <button type='button' onClick={() => setPage(shown - 1)} disabled={shown === 0}>Previous</button>
        <span data-testid='pager-position'>
          {rows.length === 0 ? '0' : `${formatCount(first + 1)}–${formatCount(first + visible.length)}`} of {formatCount(rows.length)}
        </span>
        <button type='button' onClick={() => setPage(shown + 1)} disabled={shown >= pages - 1}>Next</button>
      </nav>
    </section>
  )
}
