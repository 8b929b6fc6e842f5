// What the fleet page shows first, shared by the server (which may embed it in the page,
// src/dashboard/page-routes.ts) and the page (web/src/fleet/): both must count the same way.

/** The silence windows the fleet page offers (?silent=minutes), and the one it opens on. */
export const SILENCE_WINDOWS_MIN = [5, 10, 60, 1440] as const
export const DEFAULT_SILENCE_WINDOW_MIN = 10

export function silenceWindowOf (value: unknown): number {
  const minutes = Number(value)
  return (SILENCE_WINDOWS_MIN as readonly number[]).includes(minutes) ? minutes : DEFAULT_SILENCE_WINDOW_MIN
}

/** The fleet page's data block: its counts for one window, shown until the live feed has the whole fleet. */
export interface EmbeddedFleetCounts {
  kind: 'fleet'
  /** The server's clock when counted (epoch ms). */
  now: number
  silent_minutes: number
  /** Sensors with a reading counted, and those of them last seen before now - silent_minutes. */
  sensors: number
  silent: number
}
