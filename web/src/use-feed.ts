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

/**
 * Whether the page's data already shows the followed sensors as the feed has them; undefined
 * while the page cannot tell yet (its data still loading).
 */
export type ShowsSensors = (sensors: Map<number, FleetSensor>) => boolean | undefined

/**
 * Follows the live feed (the whole fleet, or one sensor) while the component is mounted. Each
 * event bumps `version`, but not when `shows` says the page's data shows the sensors as the event
 * leaves them: reloading it all then would fetch the same again. That happens with the first
 * snapshot, and with a change a fold announces while, or just after, the page read what it folded.
 * Asked again after each render while it cannot tell.
 */
export function useFeed (sensorId?: number, shows?: ShowsSensors): Feed {
  const sensors = useRef(new Map<number, FleetSensor>())
  const [state, setState] = useState<Omit<Feed, 'sensors'>>({ version: 0, loaded: false, status: 'connecting' })
  const onUnauthorized = useOnUnauthorized()
  const showsRef = useRef(shows)
  showsRef.current = shows
  // An event's bump, held while `shows` cannot tell.
  const held = useRef(false)

  useEffect(() => {
    const stop = new AbortController()
    const path = sensorId === undefined ? '/dashboard/events' : `/dashboard/events?sensor_id=${sensorId}`
    let first = true
    const bump = () => {
      held.current = false
      setState((s) => ({ ...s, version: s.version + 1, loaded: true }))
    }
    // Bumps unless the page shows the sensors as they are now; holds the bump while it cannot tell.
    const bumpUnlessShown = () => {
      const shown = showsRef.current === undefined ? false : showsRef.current(sensors.current)
      if (shown === false) return bump()
      held.current = shown === undefined
      // The same state once loaded: a change the page shows already renders nothing.
      setState((s) => s.loaded ? s : { ...s, loaded: true })
    }
    followFeed(path, {
      fleet (all) {
        sensors.current = new Map(all.map((s) => [s.sensor_id, s]))
        // A later snapshot (after a reconnect) may follow changes the page missed: it reloads.
        if (!first) return bump()
        first = false
        bumpUnlessShown()
      },
      sensors (changed) {
        for (const sensor of changed) sensors.current.set(sensor.sensor_id, sensor)
        bumpUnlessShown()
      },
      status (status, retryInMs) {
        setState((s) => ({ ...s, status, retryInMs }))
      },
      unauthorized: onUnauthorized
    }, stop.signal)
    return () => {
      held.current = false
      stop.abort()
    }
  }, [sensorId, onUnauthorized])

  useEffect(() => {
    if (!held.current) return
    const shown = showsRef.current?.(sensors.current)
    if (shown === undefined) return
    held.current = false
    if (!shown) setState((s) => ({ ...s, version: s.version + 1 }))
  })

  return { sensors: sensors.current, ...state }
}
