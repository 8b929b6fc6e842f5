/** One sensor (or one variable of it) in a fleet message. */
export interface FleetEntry {
  sensorId: number
  /** Per-variable silence: the variable that went silent (untrusted text from the sensor). */
  variable?: string
  /** Newest reading time (epoch ms). */
  lastSeen?: number
  /** Rules: the latest value and its unit (untrusted text). */
  value?: number
  unit?: string
  /** BACK: how long it was silent; rule RESOLVED: how long it fired. */
  durationMs?: number
}

export type FleetEvent =
  | 'silent' | 'back' | 'still-silent'
  | 'firing' | 'rule-resolved' | 'still-firing' | 'rule-flapping'
  | 'blackout' | 'blackout-reminder' | 'blackout-resolved'

/**
 * What a fleet notification says, as plain data (persisted with the queue, rendered when sent).
 * Grouped events (silent, back, firing, rule-resolved) merge while queued: the sensors of later
 * evaluations join the message that waits.
 */
export interface FleetMessage {
  event: FleetEvent
  /** Sensors with a reading (the fleet), when the message was made. */
  fleetSize: number
  /** Every sensor of the event, however many; the renderer lists as many as fit. */
  entries: FleetEntry[]
  silenceAfterMs?: number
  rule?: { name: string, variable: string, op: 'above' | 'below', threshold: number, clear: number }
  /** Blackout: silent sensors when it opened (or now, for a reminder) and why. */
  silentCount?: number
  reason?: string
  /** Reminders: sensors silent longer than retire_after, left out of the list. */
  retired?: number
  /** The message follows a fleet blackout that just ended. */
  afterBlackout?: boolean
  dashboardUrl?: string
}

/** Events whose queued messages gather the sensors of later evaluations. */
export const GROUPED_EVENTS: ReadonlySet<FleetEvent> = new Set(['silent', 'back', 'firing', 'rule-resolved'])

export const entryKey = (e: FleetEntry): string => e.variable === undefined ? String(e.sensorId) : `${e.sensorId}/${e.variable}`
