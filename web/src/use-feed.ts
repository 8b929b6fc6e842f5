import { useEffect, useRef, useState } from 'preact/hooks'
import { useOnUnauthorized } from './auth.js'
import { followFeed, type FeedStatus, type FleetSensor } from './live.js'

export interface Feed {
  /** Followed sensors by id; the same Map, updated in place: `version` tells a change. */
  sensors: Map<number, FleetSensor>
  version: number
  /** Whether the first 'fleet' event has arrived. */
  loaded: boolean
  status: FeedStatus
  retryInMs?: number
}

/** Follows the live feed (the whole fleet, or one sensor) while the component is mounted. */
export function useFeed (sensorId?: number): Feed {
  const sensors = useRef(new Map<number, FleetSensor>())
  const [state, setState] = useState<Omit<Feed, 'sensors'>>({ version: 0, loaded: false, status: 'connecting' })
  const onUnauthorized = useOnUnauthorized()

  useEffect(() => {
    const stop = new AbortController()
    const path = sensorId === undefined ? '/dashboard/events' : `/dashboard/events?sensor_id=${sensorId}`
    followFeed(path, {
      fleet (all) {
        sensors.current = new Map(all.map((s) => [s.sensor_id, s]))
        setState((s) => ({ ...s, version: s.version + 1, loaded: true }))
      },
      sensors (changed) {
        for (const sensor of changed) sensors.current.set(sensor.sensor_id, sensor)
        setState((s) => ({ ...s, version: s.version + 1 }))
      },
      status (status, retryInMs) {
        setState((s) => ({ ...s, status, retryInMs }))
      },
      unauthorized: onUnauthorized
    }, stop.signal)
    return () => stop.abort()
  }, [sensorId, onUnauthorized])

  return { sensors: sensors.current, ...state }
}
