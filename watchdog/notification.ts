import type { FleetMessage } from './fleet/message.js'
import type { CheckStatus } from './probes/result.js'

export type NotificationKind = 'down' | 'reminder' | 'resolved' | 'degraded' | 'flapping' | 'started' | 'fleet'

/** How one target looks in a message. */
export interface TargetSummary {
  name: string
  /** Password-free. */
  url: string
  state: 'up' | 'degraded' | 'down' | 'flapping'
  lastCheck?: CheckStatus
  error?: string
  failedChecks: number
  since?: number
}

/**
 * One thing to tell Discord, as plain data: it is persisted with the queue and rendered to an
 * embed only when sent. `key` names the incident: a later notification with the same key
 * replaces one still waiting in the queue (latest state wins).
 */
export interface Notification {
  key: string
  kind: NotificationKind
  service: string
  createdAt: number
  /** Ping the configured role (DOWN only). */
  ping: boolean
  /** Start of the incident. */
  since?: number
  /** RESOLVED: total outage; REMINDER: running duration. */
  durationMs?: number
  failedChecks?: number
  reminderNumber?: number
  /** The service's targets that are not up (all of them when resolved). */
  targets: TargetSummary[]
  /** Root cause: targets failing only because this service is down; they get no alarm of their own. */
  affected?: TargetSummary[]
  /** This state follows a period of flapping: the target is stable again. */
  afterFlapping?: boolean
  /** Only replace a queued notification with the same key; never send on its own. */
  onlyIfQueued?: boolean
  /** Free text (the "watchdog started" message). */
  text?: string
  /** Kind "fleet": sensors gone silent or back, a rule firing or resolved, a fleet blackout. */
  fleet?: FleetMessage
}
