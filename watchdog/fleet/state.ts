import type { FleetConfig, FleetRule } from '../config.js'
import type { Notification } from '../notification.js'
import { reminderDelay } from '../service-state.js'
import { entryKey, type FleetEntry, type FleetEvent, type FleetMessage } from './message.js'
import type { FleetSnapshot } from './reader.js'

export interface Reminder {
  openedAt: number
  remindersSent: number
  nextReminderAt: number
}

type ReminderPolicy = Parameters<typeof reminderDelay>[0]

/** The reminders of an incident opened at `now`: the first one a delay later. */
function openReminder (now: number, policy: ReminderPolicy): Reminder {
  return { openedAt: now, remindersSent: 0, nextReminderAt: now + reminderDelay(policy, 0) }
}

/** Whether a reminder is due at `now`; if so, counts it and schedules the next, a longer delay on. */
function reminderDue (reminder: Reminder, now: number, policy: ReminderPolicy): boolean {
  if (now < reminder.nextReminderAt) return false
  reminder.remindersSent++
  reminder.nextReminderAt = now + reminderDelay(policy, reminder.remindersSent)
  return true
}

export interface SilentIncident {
  sensorId: number
  variable?: string
  /** Newest reading time the incident knows of. */
  lastSeen: number
  openedAt: number
}

export interface RuleSensorState {
  /** First evaluation of the current run in which the condition held. */
  pendingSince?: number
  firingSince?: number
  /** Undefined: past the clear level (not read: see FleetSnapshot.latest). */
  value?: number
  unit?: string
  /** Times it fired or resolved, recent ones only: for flapping. */
  flips: number[]
  flapping?: boolean
}

/** What the watchdog remembers about the fleet (persisted with the rest of its state). */
export interface FleetState {
  silent: Record<string, SilentIncident>
  silentReminder?: Reminder
  rules: Record<string, { sensors: Record<string, RuleSensorState>, reminder?: Reminder }>
  blackout?: { openedAt: number, reason: 'share' | 'ingest', silentCount: number, remindersSent: number, nextReminderAt: number }
  /** The API or its database was down (or the fleet read failed) since then. */
  blockedSince?: number
  /** After such an outage, no sensor is called silent before this time. */
  graceUntil?: number
}

export function initialFleetState (): FleetState {
  return { silent: {}, rules: {} }
}

export interface FleetContext {
  config: FleetConfig
  /** The watchdog's clock. */
  now: number
  /** The API or PostgreSQL targets are down: silence means nothing could be stored. */
  blocked: boolean
}

/**
 * One evaluation of the fleet: moves the state and returns what to tell Discord, grouped (one
 * notification per event and rule, however many sensors). Without a snapshot (the read failed)
 * only the outage is noted.
 */
export function evaluateFleet (state: FleetState, snapshot: FleetSnapshot | undefined, context: FleetContext): Notification[] {
  const { config, now } = context
  const blocked = context.blocked || snapshot === undefined
  if (blocked) {
    state.blockedSince ??= now
  } else if (state.blockedSince !== undefined) {
    // Root cause first: sensors could not be stored while it was down; give them time to report.
    state.blockedSince = undefined
    state.graceUntil = now + config.silence.afterMs
  }
  if (state.graceUntil !== undefined && now >= state.graceUntil) state.graceUntil = undefined
  if (snapshot === undefined) return []

  const out = new Outbox(snapshot, context)
  if (!blocked) evaluateSilence(state, snapshot, context, out)
  for (const rule of config.rules) evaluateRule(state, rule, snapshot, context, out)
  return out.notifications()
}

/** Gathers the evaluation's sensors per event into one notification each. */
class Outbox {
  private readonly groups = new Map<string, { message: FleetMessage, ping: boolean, since?: number, durationMs?: number }>()
  private readonly order: string[] = []

  constructor (private readonly snapshot: FleetSnapshot, private readonly context: FleetContext) {}

  add (key: string, event: FleetEvent, entries: FleetEntry[], extra: Partial<FleetMessage> = {}, options: { ping?: boolean, since?: number, durationMs?: number } = {}): void {
    let group = this.groups.get(key)
    if (!group) {
      group = {
        message: {
          event,
          fleetSize: this.snapshot.fleetSize,
          entries: [],
          silenceAfterMs: this.context.config.silence.afterMs,
          ...(this.context.config.dashboardUrl ? { dashboardUrl: this.context.config.dashboardUrl } : {}),
          ...extra
        },
        ping: options.ping ?? false,
        ...(options.since !== undefined ? { since: options.since } : {}),
        ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {})
      }
      this.groups.set(key, group)
      this.order.push(key)
    }
    group.message.entries.push(...entries)
  }

  notifications (): Notification[] {
    return this.order.map((key) => {
      const g = this.groups.get(key)!
      return {
        key,
        kind: 'fleet',
        service: 'fleet',
        createdAt: this.context.now,
        ping: g.ping,
        targets: [],
        fleet: g.message,
        ...(g.since !== undefined ? { since: g.since } : {}),
        ...(g.durationMs !== undefined ? { durationMs: g.durationMs } : {})
      }
    })
  }
}

function evaluateSilence (state: FleetState, snapshot: FleetSnapshot, context: FleetContext, out: Outbox): void {
  const { config, now } = context
  const { retireAfterMs } = config.silence
  const apiNow = snapshot.now
  const fleetSize = snapshot.fleetSize
  const inGrace = state.graceUntil !== undefined
  const silentSensors = snapshot.silentSensors

  const stalled = snapshot.ingestStalled === true
  const blackoutNow = fleetSize > 0 && (silentSensors / fleetSize >= config.blackoutShare || stalled)
  let afterBlackout = false
  if (state.blackout) {
    if (blackoutNow) {
      state.blackout.silentCount = silentSensors
      if (reminderDue(state.blackout, now, config.reminder)) {
        out.add(`fleet:blackout#${state.blackout.openedAt}`, 'blackout-reminder', [], { silentCount: silentSensors }, { since: state.blackout.openedAt, durationMs: now - state.blackout.openedAt })
      }
      return
    }
    out.add(`fleet:blackout#${state.blackout.openedAt}`, 'blackout-resolved', [], { silentCount: silentSensors }, { since: state.blackout.openedAt, durationMs: now - state.blackout.openedAt })
    state.blackout = undefined
    afterBlackout = true
  } else if (blackoutNow && !inGrace) {
    const reason = silentSensors / fleetSize >= config.blackoutShare ? 'share' : 'ingest'
    state.blackout = { ...openReminder(now, config.reminder), reason, silentCount: silentSensors }
    out.add(`fleet:blackout#${now}`, 'blackout', [], { silentCount: silentSensors, reason }, { ping: true, since: now })
    // The cause is upstream: no per-sensor messages while it lasts.
    return
  }

  const extra = afterBlackout ? { afterBlackout: true } : {}
  const silentNow = new Set<string>()
  for (const entry of snapshot.silent) {
    const key = entryKey(entry)
    silentNow.add(key)
    const open = state.silent[key]
    if (open) {
      open.lastSeen = Math.max(open.lastSeen, entry.lastSeen)
    } else if (!inGrace) {
      state.silent[key] = { ...strip(entry), lastSeen: entry.lastSeen, openedAt: now }
      out.add('fleet:silent', 'silent', [{ ...strip(entry), lastSeen: entry.lastSeen, durationMs: apiNow - entry.lastSeen }], extra, { ping: true })
    }
  }
  for (const [key, open] of Object.entries(state.silent)) {
    if (silentNow.has(key)) continue
    // A reading landed since the last evaluation: whatever moment it landed at, the incident closes.
    delete state.silent[key]
    out.add('fleet:back', 'back', [{ ...strip(open), durationMs: Math.max(0, apiNow - open.lastSeen) }], extra)
  }

  const active = Object.values(state.silent).filter((s) => apiNow - s.lastSeen <= retireAfterMs)
  if (active.length === 0) {
    state.silentReminder = undefined
  } else if (!state.silentReminder) {
    state.silentReminder = openReminder(now, config.reminder)
  } else if (reminderDue(state.silentReminder, now, config.reminder)) {
    const retired = Object.keys(state.silent).length - active.length
    out.add('fleet:still-silent', 'still-silent', active.map((s) => ({ ...strip(s), durationMs: apiNow - s.lastSeen })), { retired }, { since: state.silentReminder.openedAt })
  }
}

function evaluateRule (state: FleetState, rule: FleetRule, snapshot: FleetSnapshot, context: FleetContext, out: Outbox): void {
  const { config, now } = context
  const ruleState = state.rules[rule.name] ??= { sensors: {} }
  const values = snapshot.latest.get(rule.variable) ?? new Map()
  const info = { rule: { name: rule.name, variable: rule.variable, op: rule.op, threshold: rule.threshold, clear: rule.clear } }
  const flapWindowMs = config.flapping.window * config.intervalMs
  const stableMs = config.flapping.stableChecks * config.intervalMs
  const key = (event: string) => `fleet:rule:${rule.name}:${event}`

  // A sensor with no value here is past every clear level (see FleetSnapshot.latest): cleared.
  const ids = new Set([...values.keys(), ...Object.keys(ruleState.sensors).map(Number)])
  for (const sensorId of ids) {
    if (!inRule(rule, sensorId)) {
      delete ruleState.sensors[sensorId]
      continue
    }
    const { value, unit } = values.get(sensorId) ?? { value: undefined, unit: undefined }
    const holds = value !== undefined && (rule.op === 'above' ? value > rule.threshold : value < rule.threshold)
    const cleared = value === undefined || (rule.op === 'above' ? value < rule.clear : value > rule.clear)
    if (!holds && cleared && ruleState.sensors[sensorId] === undefined) continue
    const s = ruleState.sensors[sensorId] ??= { flips: [] }
    s.value = value
    s.unit = unit
    s.flips = s.flips.filter((at) => now - at < Math.max(flapWindowMs, stableMs))
    const entry: FleetEntry = value === undefined ? { sensorId } : { sensorId, value, unit }
    let flipped: 'fired' | 'resolved' | undefined
    if (s.firingSince === undefined) {
      if (holds) {
        s.pendingSince ??= now
        if (now - s.pendingSince >= rule.forMs) {
          s.firingSince = now
          s.pendingSince = undefined
          flipped = 'fired'
        }
      } else {
        s.pendingSince = undefined
      }
    } else if (cleared) {
      const firedFor = now - s.firingSince
      s.firingSince = undefined
      flipped = 'resolved'
      entry.durationMs = firedFor
    }
    if (flipped) s.flips.push(now)

    const recentFlips = s.flips.filter((at) => now - at < flapWindowMs).length
    if (!s.flapping && recentFlips >= config.flapping.threshold) {
      s.flapping = true
      out.add(key('flapping'), 'rule-flapping', [entry], info)
    } else if (s.flapping) {
      if (s.flips.every((at) => now - at >= stableMs)) {
        s.flapping = false
        s.flips = []
        if (s.firingSince !== undefined) out.add(key('firing'), 'firing', [entry], info, { ping: true })
        else out.add(key('resolved'), 'rule-resolved', [entry], info)
      }
    } else if (flipped === 'fired') {
      out.add(key('firing'), 'firing', [entry], info, { ping: true })
    } else if (flipped === 'resolved') {
      out.add(key('resolved'), 'rule-resolved', [entry], info)
    }
    if (s.firingSince === undefined && s.pendingSince === undefined && !s.flapping && s.flips.length === 0) delete ruleState.sensors[sensorId]
  }

  const firing = Object.entries(ruleState.sensors).filter(([, s]) => s.firingSince !== undefined && !s.flapping)
  if (firing.length === 0) {
    ruleState.reminder = undefined
  } else if (!ruleState.reminder) {
    ruleState.reminder = openReminder(now, config.reminder)
  } else if (reminderDue(ruleState.reminder, now, config.reminder)) {
    out.add(key('still-firing'), 'still-firing', firing.map(([id, s]) => ({ sensorId: Number(id), ...(s.value === undefined ? {} : { value: s.value, unit: s.unit }), durationMs: now - s.firingSince! })), info, { since: ruleState.reminder.openedAt })
  }
}

function inRule (rule: FleetRule, sensorId: number): boolean {
  return rule.sensors === undefined || rule.sensors.some(([lo, hi]) => sensorId >= lo && sensorId <= hi)
}

function strip (e: { sensorId: number, variable?: string }): FleetEntry {
  return e.variable === undefined ? { sensorId: e.sensorId } : { sensorId: e.sensorId, variable: e.variable }
}

/** Open fleet incidents, for the started message and /health. */
export function openFleetIncidents (state: FleetState): { blackoutSince?: number, silent: number, firing: Record<string, number> } {
  const firing: Record<string, number> = {}
  for (const [name, rule] of Object.entries(state.rules)) {
    const n = Object.values(rule.sensors).filter((s) => s.firingSince !== undefined).length
    if (n > 0) firing[name] = n
  }
  return { ...(state.blackout ? { blackoutSince: state.blackout.openedAt } : {}), silent: Object.keys(state.silent).length, firing }
}
